"""Actions on a unit's page: where each sits on the time axis, and the change in its target
scales from the last released wave before it began to the latest released wave after.

Post-processing of stored release rows only (no new budget): the change of two published
means, its standard error from theirs (the waves' noise is independent), and its 95%
interval, read with the same words and direction as every other change (wording.py).
A mean that was not published is never used: the change then says why it is missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, time

import msgspec

from service.actions.schemas import Action
from service.dashboard.schemas import ScaleInfo, Stat, UnitStats, WaveInfo
from service.dashboard.wording import (
    change_arrow,
    change_direction,
    change_verdict,
    fmt_change,
    fmt_mean,
    hidden,
    wave_label,
)
from service.i18n import gettext, short_date
from service.privacy.estimates import Z95

History = Sequence[tuple[WaveInfo, UnitStats]]


class EffectLine(msgspec.Struct, frozen=True, kw_only=True):
    scale: ScaleInfo
    before: str
    after: str
    change: str
    verdict: str
    # "better" / "worse" ("up" / "down") when larger than the noise, else "".
    flag: str
    arrow: str


class ActionEffect(msgspec.Struct, frozen=True, kw_only=True):
    action: Action
    # Its label on the trend charts ("1", "2", ...).
    mark: str
    before: WaveInfo | None
    after: WaveInfo | None
    lines: list[EffectLine]
    # Why there is nothing to compare yet, in plain words; "" when lines say it.
    note: str


def began(action: Action) -> str:
    """The day it began, in the page's language ("6 Jan 2031")."""
    return short_date(datetime.combine(action.started_on, time()))


def waves_around(action: Action, history: History) -> tuple[WaveInfo | None, WaveInfo | None]:
    """The last released wave that closed before the action began, and the latest released
    wave that opened on or after that day (a wave open when it began is neither)."""
    before = [w for w, _ in history if w.closes_at.date() < action.started_on]
    after = [w for w, _ in history if w.opens_at.date() >= action.started_on]
    return (before[-1] if before else None), (after[-1] if after else None)


def change_between(first: Stat, last: Stat) -> Stat:
    """The change from one published mean to another, with its 95% interval; unpublished
    (saying why) when either is hidden."""
    if not first.shown or not last.shown or first.value is None or last.value is None:
        missing = first if not first.shown else last
        return Stat(published=False, reason=hidden(missing))
    se = math.sqrt((first.std_error or 0.0) ** 2 + (last.std_error or 0.0) ** 2)
    value = last.value - first.value
    return Stat(published=True, value=value, std_error=se, lower=value - Z95 * se,
                upper=value + Z95 * se)  # fmt: skip


def action_effects(actions: Sequence[Action], history: History,
                   scales: Sequence[ScaleInfo]) -> list[ActionEffect]:  # fmt: skip
    by_key = {s.key: s for s in scales}
    stats = {w.wave_id: s for w, s in history}
    out = []
    for number, action in enumerate(actions, start=1):
        before, after = waves_around(action, history)
        lines: list[EffectLine] = []
        note = ""
        if before is None:
            note = gettext(
                "No released wave closed before this action began, so there is no baseline."
            )
        elif after is None:
            note = gettext(
                "No wave has been released since it began on %(date)s: the change shows once "
                "the next wave is released.",
                date=began(action),
            )
        else:
            for key in action.scales:
                scale = by_key.get(key)
                if scale is None:
                    continue
                first = stats[before.wave_id].mean(key)
                last = stats[after.wave_id].mean(key)
                change = change_between(first, last)
                lines.append(EffectLine(
                    scale=scale, before=fmt_mean(first), after=fmt_mean(last),
                    change=fmt_change(change, before),
                    verdict=change_verdict(change, scale.higher_is),
                    flag=change_direction(change, scale.higher_is), arrow=change_arrow(change),
                ))  # fmt: skip
        out.append(ActionEffect(action=action, mark=str(number), before=before, after=after,
                                lines=lines, note=note))  # fmt: skip
    return out


def mark_position(action: Action, waves: Sequence[WaveInfo]) -> float:
    """Where an action began on a trend chart's axis, counted in waves from the first
    closing date (fractions between two waves; past the last, a little more than it)."""
    closes = [w.closes_at.date() for w in waves]
    start = action.started_on
    if not closes or start <= closes[0]:
        return 0.0
    for i in range(len(closes) - 1):
        if closes[i] <= start < closes[i + 1]:
            span = (closes[i + 1] - closes[i]).days or 1
            return i + (start - closes[i]).days / span
    return len(closes) - 1 + 0.5


def marks_for(effects: Sequence[ActionEffect], waves: Sequence[WaveInfo],
              scale_key: str) -> list[tuple[float, str]]:  # fmt: skip
    """The marks of the actions that target this scale."""
    return [(mark_position(e.action, waves), e.mark) for e in effects
            if scale_key in e.action.scales]  # fmt: skip


def marks_summary(effects: Sequence[ActionEffect], scale_key: str) -> str:
    named = [
        gettext(
            "%(mark)s: %(title)s (began %(date)s)",
            mark=e.mark,
            title=e.action.title,
            date=began(e.action),
        )
        for e in effects
        if scale_key in e.action.scales
    ]
    if not named:
        return ""
    return " " + gettext("Actions marked on the time axis: %(actions)s.", actions="; ".join(named))


def wave_words(wave: WaveInfo | None) -> str:
    return wave_label(wave) if wave is not None else "—"
