"""The questions page's rules: when an item's answers are shown, and when one answer may be
called the most common. Pure functions of released values; service.py applies them."""

from __future__ import annotations

from service.dashboard.schemas import TOO_FEW, TOO_UNCERTAIN, OptionInfo, Stat
from service.i18n import gettext

# A question's answers are shown when every answer's 95% range is within this share of the
# unit's respondents (±15 percentage points): wider, and the bars say little (issue 15: a
# unit of about 100 showed 0 / 34 / 74 / 0 / 0 with ±49 on each). In the demo, the county's
# answers are within about ±12 points and are shown; its battalions' (±21-28) are not.
ITEM_HALF_WIDTH_SHARE = 0.15


def item_reason(counts: list[Stat], responses: Stat) -> str:
    """Why an item's answers are not shown, or "" when they pass the publish rule.

    The rule reads released facts only: the answers' interval widths, fixed by the plan's
    noise whatever the answers were, and the unit's noisy response count, a separate
    measurement whose noise is independent of the item's. It never selects on the item's
    own noise (a bar shown because its noise looked small)."""
    if not responses.shown or responses.value is None or responses.value < 1:
        return responses.reason or gettext(TOO_FEW)
    widest = 0.0
    for stat in counts:
        if not stat.shown or stat.lower is None or stat.upper is None:
            return stat.reason or gettext(TOO_UNCERTAIN)
        widest = max(widest, (stat.upper - stat.lower) / 2)
    share = widest / responses.value
    if share <= ITEM_HALF_WIDTH_SHARE + 1e-9:  # at the rule itself, up to rounding
        return ""
    return gettext(
        "too uncertain to show (each answer's 95%% range is about ±%(share)s percentage points "
        "of the people who answered; a question's answers are shown only within ±%(limit)s "
        "points)",
        share=f"{share * 100:.0f}",
        limit=f"{ITEM_HALF_WIDTH_SHARE * 100:.0f}",
    )


def clear_top(counts: list[tuple[OptionInfo, Stat]]) -> OptionInfo | None:
    """The most common answer when the intervals support it: its range lies above every
    other answer's. None when the top ranges overlap (or a count is not shown)."""
    if not counts or not all(s.shown and s.lower is not None for _, s in counts):
        return None
    option, top = max(counts, key=lambda p: p[1].value or 0.0)
    lower = top.lower if top.lower is not None else 0.0
    others = [s.upper for o, s in counts if o is not option]
    return option if all(u is not None and lower > u for u in others) else None
