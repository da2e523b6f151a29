"""Words and numbers for the dashboard: how a released value, its range, a change and its
verdict (by the scale's direction) read on a page.

Pure functions of released values; views.py builds charts and pages from them.
"""

from __future__ import annotations

from service.dashboard import charts
from service.dashboard.schemas import ScaleInfo, Stat, WaveInfo
from service.i18n import N_, gettext, short_date
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
    return stat.reason or gettext(NOT_ENOUGH)


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
        return gettext("%(num)s-wave rolling mean", num=ROLLING_WAVES)
    return gettext("%(num)s-wave mean", num=waves) if waves > 1 else gettext("Rolling mean")


def fmt_change(stat: Stat | None, previous: WaveInfo | None) -> str:
    if stat is None:
        if previous is None:
            return gettext("first wave: nothing to compare")
        return gettext("no comparison")
    if not stat.shown or stat.value is None:
        return hidden(stat)
    if stat.lower is None or stat.upper is None:
        return signed(stat.value)
    return gettext(
        "%(value)s (%(lower)s to %(upper)s)",
        value=signed(stat.value),
        lower=signed(stat.lower),
        upper=signed(stat.upper),
    )


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


# A change larger than the noise, by its direction (change_direction), in whole words.
_VERDICTS = {
    "better": N_("better, larger than the noise"),
    "worse": N_("worse, larger than the noise"),
    "up": N_("up, larger than the noise"),
    "down": N_("down, larger than the noise"),
}


def change_verdict(stat: Stat | None, higher_is: str | None) -> str:
    """Plain words for a change: flagged only when its interval excludes zero, read as
    better or worse by the scale's direction, never by colour alone."""
    if stat is None or not stat.shown or stat.value is None:
        return ""
    if not stat.real_change:
        return gettext("within the noise")
    return gettext(_VERDICTS[change_direction(stat, higher_is)])


def fmt_se(stat: Stat, digits: int = 2) -> str:
    if not stat.shown or stat.std_error is None:
        return "—"
    return plain(stat.std_error, digits)


def participation(stat: Stat, headcount: int) -> str:
    """Noisy responses against the public headcount, as words."""
    if not stat.shown or stat.value is None:
        return hidden(stat)
    if headcount <= 0:
        return gettext("%(count)s responses", count=fmt_count(stat))
    rate = stat.value / headcount * 100
    return gettext(
        "%(count)s of %(headcount)s staff, about %(rate)s%%",
        count=fmt_count(stat),
        headcount=f"{headcount:,}",
        rate=f"{rate:.0f}",
    )


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
    return gettext("Wave %(seq)s", seq=wave.seq)


def wave_date(wave: WaveInfo) -> str:
    return short_date(wave.closes_at)


def month_year(wave: WaveInfo) -> str:
    """The month and year a wave closed, in the page's language ("Oct 2030"): a chart's axis."""
    return short_date(wave.closes_at).partition(" ")[2]


def meaning(scale: ScaleInfo) -> str:
    """The scale's one-line meaning ("Higher scores mean …"), ready to start a summary."""
    if scale.description:
        return scale.description.rstrip() + " "
    if scale.higher_is == "better":
        return gettext("For this scale, higher is better.") + " "
    if scale.higher_is == "worse":
        return gettext("For this scale, higher is worse.") + " "
    return ""
