"""The sentences of the dashboard's charts: each chart's plain-language summary, built from
words and numbers that views.py has already formatted, in the page's language.

Whole sentences are messages (service/i18n.py); only finished sentences are joined.
"""

from __future__ import annotations

from service.dashboard.schemas import ScaleInfo
from service.dashboard.wording import meaning
from service.i18n import gettext


def scores_summary(unit: str, low: float, high: float, parts: list[str], hidden: int) -> str:
    """`parts`: "scale: mean (range)" for every shown score; `hidden`: how many are not."""
    summary = gettext(
        "Average scores of %(unit)s, each with its 95%% range, on a scale from %(low)s to "
        "%(high)s.",
        unit=unit, low=f"{low:g}", high=f"{high:g}",
    )  # fmt: skip
    if not parts:
        return summary + " " + gettext("No score had enough responses to be shown.")
    summary += " " + "; ".join(parts) + "."
    if hidden:
        summary += " " + gettext("%(num)s score(s) not shown; the table says why.", num=hidden)
    return summary


def trend_summary(scale: ScaleInfo, unit: str, waves: int, latest: tuple[str, str] | None,
                  change: tuple[str, str] | None, missing: list[str]) -> str:  # fmt: skip
    """`latest`: the last shown wave and its mean; `change`: its change and verdict."""
    if latest is not None:
        summary = meaning(scale) + gettext(
            "%(scale)s in %(unit)s over %(num)s released wave(s). Latest shown, %(wave)s: "
            "%(mean)s.",
            scale=scale.name, unit=unit, num=waves, wave=latest[0], mean=latest[1],
        )  # fmt: skip
        if change is not None:
            summary += " " + gettext(
                "Change since the wave before: %(change)s, %(verdict)s.",
                change=change[0], verdict=change[1],
            )  # fmt: skip
    else:
        summary = meaning(scale) + gettext(
            "%(scale)s in %(unit)s: no wave had enough responses to show it.",
            scale=scale.name, unit=unit,
        )  # fmt: skip
    if missing:
        summary += " " + gettext(
            "Wave(s) %(waves)s: not shown; the table says why.", waves=", ".join(missing)
        )
    return summary


def bands_summary(scale: ScaleInfo, unit: str, shares: tuple[str, str] | None,
                  hidden_mean: str | None) -> str:  # fmt: skip
    """`shares`: the selected wave's name and its bands' shares, when all are shown;
    `hidden_mean`: why the scale's mean is hidden in that wave, when it is."""
    summary = meaning(scale) + gettext(
        "Share of respondents of %(unit)s in each band of %(scale)s, per wave.",
        unit=unit, scale=scale.name,
    )  # fmt: skip
    if shares is None:
        return summary + " " + gettext("The selected wave: not shown; the table says why.")
    summary += f" {shares[0]}: {shares[1]}. " + gettext(
        "The shares are adjusted to add up to 100% after the noise, from the released values alone."
    )
    if hidden_mean is not None:
        summary += " " + gettext(
            "The mean of %(scale)s is not shown in this wave: %(reason)s.",
            scale=scale.name, reason=hidden_mean,
        )  # fmt: skip
    return summary


def item_summary(unit: str, reason: str, top: tuple[str, str] | None) -> str:
    """Why a question's answers are hidden (`reason`), or how they read; `top`: the clearly
    most common answer and its count."""
    if reason:
        return gettext(
            "How people in %(unit)s answered is not shown: %(reason)s.", unit=unit, reason=reason
        )
    if top is not None:
        return gettext(
            "How people in %(unit)s answered (noisy counts with 95%% ranges). Most common "
            "answer: %(answer)s, %(count)s; its range lies above every other answer's.",
            unit=unit, answer=top[0], count=top[1],
        )  # fmt: skip
    return gettext(
        "How people in %(unit)s answered (noisy counts with 95%% ranges). No answer is "
        "clearly the most common: the ranges of the top answers overlap.",
        unit=unit,
    )


def heatmap_summary(unit: str, shown: int, total: int) -> str:
    summary = gettext(
        "Mean score of each unit under %(unit)s (rows) on each scale (columns), coloured by "
        "how favourable it is: darker for less favourable scores, lighter for more favourable "
        "ones (a lower score is the favourable one where higher is worse); the number is "
        "printed in every cell.",
        unit=unit,
    )
    if shown < total:
        return summary + " " + gettext(
            "%(shown)s of %(total)s cells had enough responses; the others say why they are "
            "hidden: their answers still count in %(unit)s.",
            shown=shown, total=total, unit=unit,
        )  # fmt: skip
    return (
        summary
        + " "
        + gettext("%(shown)s of %(total)s cells had enough responses.", shown=shown, total=total)
    )


def heat_step(step: int, steps: int) -> str:
    """A heatmap legend swatch's name (step counted from 0)."""
    return gettext("step %(step)s of %(steps)s towards more favourable", step=step + 1, steps=steps)
