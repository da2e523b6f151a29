"""The planner's advice: plain sentences for a coordinator about a plan report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.privacy.schemas import SharesPlan

if TYPE_CHECKING:
    from service.privacy.planner import _Setup


def advise(
    setup: _Setup, epsilon: float, given: str, current: SharesPlan, best: SharesPlan | None
) -> list[str]:
    """What the current plan leaves unshown, and what the best plan found would change."""
    advice: list[str] = []
    sizes: dict[int, list[int]] = {}
    for index, unit in setup.visible:
        sizes.setdefault(setup.nodes[index].level, []).append(unit.headcount)

    def name(level: int) -> str:
        low, high = min(sizes[level]), max(sizes[level])
        people = f"{low}" if low == high else f"{low}-{high}"
        return f"level {level} ({_units(len(sizes[level]))} of {people} people)"

    def top_width(result: SharesPlan) -> str:
        top = min(result.units, key=lambda u: u.level, default=None)
        if top is None or top.mean_half_width is None:
            return "none"
        return f"±{top.mean_half_width:.2f}"

    for lv in current.levels:
        if lv.units and lv.share > 0 and lv.publishable_means == 0:
            advice.append(
                f"With {given}, no unit at {name(lv.level)} would have publishable "
                f"scale means at ε = {epsilon:g} per year and {setup.participation:.0%} "
                "participation."
            )
    if best is None:
        return advice
    if (best.level_shares, best.level_statistics) == (
        current.level_shares,
        current.level_statistics,
    ):
        advice.append(f"{given.capitalize()} are already the best this search found.")
        return advice
    shares = ", ".join(f"{s:.2f}" for s in best.level_shares)
    if best.publishable_units != current.publishable_units:
        gain = (
            f"would make {_units(best.publishable_units)}' scale means publishable instead of "
            f"{current.publishable_units} (counts: {best.publishable_counts} instead of "
            f"{current.publishable_counts})"
        )
    elif best.publishable_counts != current.publishable_counts:
        gain = (
            f"would publish as many scale means ({best.publishable_units}) and "
            f"{best.publishable_counts} counts instead of {current.publishable_counts}"
        )
    else:
        gain = "would publish as many units"
    measures = ", ".join(best.level_statistics)
    advice.append(
        f"Level shares [{shares}], measuring [{measures}], {gain}; the top unit's "
        f"scale-mean interval would be {top_width(best)} points instead of "
        f"{top_width(current)}."
    )
    for lv in best.levels:
        if lv.units and lv.share == 0 and current.levels[lv.level].share > 0:
            below = "only through their parents"
            if any(best.level_shares[lv.level + 1 :]):
                below = "through their parents and, where measured, their children"
            advice.append(
                f"Spend nothing on {name(lv.level)}: at this budget measuring them costs "
                f"more than it gains; their responses are reported {below}."
            )
    return advice


def _units(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"
