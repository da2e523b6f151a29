"""Words and numbers for the dashboard: how a released value, its range, a change and its
verdict (by the scale's direction) read on a page.

Pure functions of released values; views.py builds charts and pages from them.
"""

from __future__ import annotations

from service.dashboard import charts
from service.dashboard.schemas import ScaleInfo, Stat, WaveInfo

NOT_ENOUGH = charts.NOT_ENOUGH
MINUS = "\u2212"


# --- numbers ----------------------------------------------------------------------------


def signed(value: float, digits: int = 2) -> str:
    text = f"{value:+.{digits}f}"
    return text.replace("-", MINUS)


def plain(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace("-", MINUS)


def hidden(stat: Stat) -> str:
    """Why a value is not shown, in the words its release facts allow."""
    return stat.reason or NOT_ENOUGH


def fmt_mean(stat: Stat) -> str:
    if not stat.shown or stat.value is None:
        return hidden(stat)
    if stat.lower is None or stat.upper is None:
        return plain(stat.value)
    return f"{plain(stat.value)} ({plain(stat.lower)}–{plain(stat.upper)})"


def fmt_count(stat: Stat) -> str:
    if not stat.shown or stat.value is None:
        return hidden(stat)
    text = f"{round(stat.value):,}"
    if stat.lower is None or stat.upper is None:
        return text
    return f"{text} ({round(stat.lower):,}–{round(stat.upper):,})"


def fmt_share(stat: Stat) -> str:
    if not stat.shown or stat.value is None:
        return hidden(stat)
    text = f"{stat.value * 100:.0f}%"
    if stat.lower is None or stat.upper is None:
        return text
    return f"{text} ({stat.lower * 100:.0f}–{stat.upper * 100:.0f}%)"


def fmt_change(stat: Stat | None, previous: WaveInfo | None) -> str:
    if stat is None:
        return "first wave: nothing to compare" if previous is None else "no comparison"
    if not stat.shown or stat.value is None:
        return hidden(stat)
    if stat.lower is None or stat.upper is None:
        return signed(stat.value)
    return f"{signed(stat.value)} ({signed(stat.lower)} to {signed(stat.upper)})"


def change_direction(stat: Stat | None, higher_is: str | None) -> str:
    """ "better" / "worse" for a change larger than the noise, by the scale's direction
    ("up" / "down" when the instrument did not state one); "" within the noise."""
    if stat is None or not stat.real_change or stat.value is None:
        return ""
    rising = stat.value > 0
    if higher_is is None:
        return "up" if rising else "down"
    return "better" if rising == (higher_is == "better") else "worse"


def change_arrow(stat: Stat | None) -> str:
    """▲ for a rise, ▼ for a fall larger than the noise; the words say better or worse."""
    if stat is None or not stat.real_change or stat.value is None:
        return ""
    return "▲" if stat.value > 0 else "▼"


def change_verdict(stat: Stat | None, higher_is: str | None) -> str:
    """Plain words for a change: flagged only when its interval excludes zero, read as
    better or worse by the scale's direction, never by colour alone."""
    if stat is None or not stat.shown or stat.value is None:
        return ""
    if not stat.real_change:
        return "within the noise"
    return f"{change_direction(stat, higher_is)}, larger than the noise"


def direction_words(scale: ScaleInfo) -> str:
    """What a higher score means for this scale, in a few words."""
    if scale.higher_is == "better":
        return "higher is better"
    if scale.higher_is == "worse":
        return "higher is worse"
    return ""


def fmt_se(stat: Stat, digits: int = 2) -> str:
    if not stat.shown or stat.std_error is None:
        return "—"
    return plain(stat.std_error, digits)


def participation(stat: Stat, headcount: int) -> str:
    """Noisy responses against the public headcount, as words."""
    if not stat.shown or stat.value is None:
        return hidden(stat)
    if headcount <= 0:
        return f"{fmt_count(stat)} responses"
    rate = stat.value / headcount * 100
    return f"{fmt_count(stat)} of {headcount:,} staff, about {rate:.0f}%"


def rate_range(stat: Stat, headcount: int) -> str:
    if not stat.shown or stat.value is None or headcount <= 0:
        return "—"
    if stat.lower is None or stat.upper is None:
        return f"{stat.value / headcount * 100:.0f}%"
    return (
        f"{stat.value / headcount * 100:.0f}% "
        f"({stat.lower / headcount * 100:.0f}–{stat.upper / headcount * 100:.0f}%)"
    )


def wave_label(wave: WaveInfo) -> str:
    return f"Wave {wave.seq}"


def wave_date(wave: WaveInfo) -> str:
    return wave.closes_at.strftime("%-d %b %Y")


def meaning(scale: ScaleInfo) -> str:
    """The scale's one-line meaning ("Higher scores mean …"), ready to start a summary."""
    if scale.description:
        return scale.description.rstrip() + " "
    words = direction_words(scale)
    return f"For this scale, {words}. " if words else ""
