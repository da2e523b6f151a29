"""The planner's advice: plain sentences for a coordinator about a plan report, in the
request's language (each sentence whole, with its numbers as values)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.i18n import gettext, ngettext
from service.privacy.schemas import SharesPlan

if TYPE_CHECKING:
    from service.privacy.planner import _Setup

# What `given` says when the shares come from the caller rather than the policy.
SHARES_GIVEN = "the shares given"


def advise(
    setup: _Setup, epsilon: float, given: str, current: SharesPlan, best: SharesPlan | None
) -> list[str]:
    """What the current plan leaves unshown, and what the best plan found would change.
    `given` names the current shares: SHARES_GIVEN, else the policy's."""
    advice: list[str] = []
    mine = given == SHARES_GIVEN
    sizes: dict[int, list[int]] = {}
    for index, unit in setup.visible:
        sizes.setdefault(setup.nodes[index].level, []).append(unit.headcount)

    def name(level: int) -> str:
        low, high = min(sizes[level]), max(sizes[level])
        people = f"{low}" if low == high else f"{low}-{high}"
        return ngettext(
            "level %(level)s (%(num)s unit of %(people)s people)",
            "level %(level)s (%(num)s units of %(people)s people)",
            len(sizes[level]),
            level=level,
            people=people,
        )

    def top_width(result: SharesPlan) -> str:
        top = min(result.units, key=lambda u: u.level, default=None)
        if top is None or top.mean_half_width is None:
            return gettext("none")
        return f"±{top.mean_half_width:.2f}"

    for lv in current.levels:
        if lv.units and lv.share > 0 and lv.publishable_means == 0:
            values = {
                "level": name(lv.level),
                "epsilon": f"{epsilon:g}",
                "participation": f"{setup.participation:.0%}",
            }
            advice.append(
                gettext(
                    "With the shares given, no unit at %(level)s would have publishable scale "
                    "means at ε = %(epsilon)s per year and %(participation)s participation.",
                    **values,
                )
                if mine
                else gettext(
                    "With the policy's level shares, no unit at %(level)s would have publishable "
                    "scale means at ε = %(epsilon)s per year and %(participation)s participation.",
                    **values,
                )
            )
    if best is None:
        return advice
    if (best.level_shares, best.level_statistics) == (
        current.level_shares,
        current.level_statistics,
    ):
        advice.append(
            gettext("The shares given are already the best this search found.")
            if mine
            else gettext("The policy's level shares are already the best this search found.")
        )
        return advice
    plan = {
        "shares": ", ".join(f"{s:.2f}" for s in best.level_shares),
        "measures": ", ".join(best.level_statistics),
        "best_width": top_width(best),
        "current_width": top_width(current),
        "best_counts": best.publishable_counts,
        "current_counts": current.publishable_counts,
    }
    if best.publishable_units != current.publishable_units:
        advice.append(
            ngettext(
                "Level shares [%(shares)s], measuring [%(measures)s], would make %(num)s unit's "
                "scale means publishable instead of %(current)s (counts: %(best_counts)s instead "
                "of %(current_counts)s); the top unit's scale-mean interval would be "
                "%(best_width)s points instead of %(current_width)s.",
                "Level shares [%(shares)s], measuring [%(measures)s], would make %(num)s units' "
                "scale means publishable instead of %(current)s (counts: %(best_counts)s instead "
                "of %(current_counts)s); the top unit's scale-mean interval would be "
                "%(best_width)s points instead of %(current_width)s.",
                best.publishable_units,
                current=current.publishable_units,
                **plan,
            )
        )
    elif best.publishable_counts != current.publishable_counts:
        advice.append(
            gettext(
                "Level shares [%(shares)s], measuring [%(measures)s], would publish as many "
                "scale means (%(units)s) and %(best_counts)s counts instead of "
                "%(current_counts)s; the top unit's scale-mean interval would be "
                "%(best_width)s points instead of %(current_width)s.",
                units=best.publishable_units,
                **plan,
            )
        )
    else:
        advice.append(
            gettext(
                "Level shares [%(shares)s], measuring [%(measures)s], would publish as many "
                "units; the top unit's scale-mean interval would be %(best_width)s points "
                "instead of %(current_width)s.",
                **plan,
            )
        )
    for lv in best.levels:
        if lv.units and lv.share == 0 and current.levels[lv.level].share > 0:
            advice.append(
                gettext(
                    "Spend nothing on %(level)s: at this budget measuring them costs more than "
                    "it gains; their responses are reported through their parents and, where "
                    "measured, their children.",
                    level=name(lv.level),
                )
                if any(best.level_shares[lv.level + 1 :])
                else gettext(
                    "Spend nothing on %(level)s: at this budget measuring them costs more than "
                    "it gains; their responses are reported only through their parents.",
                    level=name(lv.level),
                )
            )
    return advice
