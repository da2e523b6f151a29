"""Words and numbers for the dashboard: how a released value, its range, a change and its
verdict (by the scale's direction) read on a page.

Pure functions of released values; views.py builds charts and pages from them.
"""

from __future__ import annotations

from service.dashboard import charts
from service.dashboard.schemas import ScaleInfo, Stat, WaveInfo
from service.privacy.trends import ROLLING_WAVES

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


def consistent_shares(stats: list[Stat]) -> list[Stat]:
    """Released shares of one partition (a scale's bands) as shares that add up to 1: each
    clamped at 0 and divided by their sum, its interval scaled alike. Post-processing of
    released values only. Unchanged unless every share is shown."""
    if not stats or not all(s.shown and s.value is not None for s in stats):
        return stats
    total = sum(max(s.value or 0.0, 0.0) for s in stats)
    if total <= 0:
        return stats

    def scaled(v: float | None) -> float | None:
        return None if v is None else min(max(v, 0.0) / total, 1.0)

    return [
        Stat(published=True, value=scaled(s.value), std_error=s.std_error,
             lower=scaled(s.lower), upper=scaled(s.upper))
        for s in stats
    ]  # fmt: skip


def whole_percents(values: list[float]) -> list[int]:
    """Shares (adding up to 1) as whole percentages that add up to exactly 100: each rounded
    down, the points left over going to the largest remainders."""
    exact = [v * 100 for v in values]
    out = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: out[i] - exact[i])
    for i in order[: max(0, 100 - sum(out))]:
        out[i] += 1
    return out


def fmt_shares(stats: list[Stat]) -> list[str]:
    """A partition's shares for a table: consistent shares whose percentages add up to 100
    when every one is shown, else each share alone (or why it is hidden)."""
    shares = consistent_shares(stats)
    if shares is stats:
        return [fmt_share(s) for s in stats]
    percents = whole_percents([s.value or 0.0 for s in shares])
    return [
        f"{p}% ({(s.lower or 0.0) * 100:.0f}–{(s.upper or 0.0) * 100:.0f}%)"
        if s.lower is not None and s.upper is not None
        else f"{p}%"
        for p, s in zip(percents, shares, strict=True)
    ]


def rolling_label(waves: int) -> str:
    """The rolling mean named by how many waves it pools ("3-wave mean") until it pools the
    release's whole window."""
    if waves >= ROLLING_WAVES:
        return f"{ROLLING_WAVES}-wave rolling mean"
    return f"{waves}-wave mean" if waves > 1 else "Rolling mean"


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
