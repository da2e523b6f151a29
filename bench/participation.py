"""The smallest unit whose participation estimate passes the count rule (issue 15).

Pure computation from the plan (no database, no data): for a four-level tree shaped like
the demo county (1 root, 3 battalions, 6 stations each, 3 shifts each), the headcount a unit
needs so that one refresh's 95% interval is within a sixth of it, per level, for several
participation budgets and refresh counts. Prints figures; asserts nothing.

    PYTHONPATH=. .venv/bin/python bench/participation.py
"""

from __future__ import annotations

import math

from service.policy import PrivacyPolicy
from service.privacy import estimates, mechanisms, participation, plan


def tree(shape: tuple[int, ...]) -> list[tuple[int, int | None, str]]:
    units: list[tuple[int, int | None, str]] = [(1, None, "r")]
    level = [(1, "r")]
    next_id = 2
    for fan_out in shape:
        below = []
        for unit_id, path in level:
            for i in range(fan_out):
                units.append((next_id, unit_id, f"{path}/{i}"))
                below.append((next_id, f"{path}/{i}"))
                next_id += 1
        level = below
    return units


def needed_headcounts(epsilon: float, refreshes: int) -> dict[int, int]:
    policy = PrivacyPolicy(participation_epsilon=epsilon)
    nodes = plan.build_nodes(tree((3, 6, 3)), 1, {})
    budget = participation.refresh_budget(policy, refreshes)
    refresh = participation.refresh_plan(policy, nodes, budget)
    zeros = [[0] * sum(1 for n in nodes if n.level == b.level) for b in refresh.blocks]
    columns = estimates.consistent_columns(
        refresh, zeros, lambda scale: mechanisms.noise_variance(policy.mechanism, scale)
    )
    pattern, _ = columns[("responses", "responses")]
    out: dict[int, int] = {}
    for index, node in enumerate(nodes):
        if node.direct:
            continue
        half = estimates.Z95 * math.sqrt(pattern.variance[index])
        need = math.ceil(half / estimates.COUNT_RELATIVE_HALF_WIDTH)
        out[node.level] = min(out.get(node.level, need), need)
    return out


def main() -> None:
    print("participation ε  refreshes  release ε/wave  headcount needed per level (root first)")
    for epsilon in (0.1, 0.3, 1.0):
        release = mechanisms.wave_epsilon(PrivacyPolicy(participation_epsilon=epsilon))
        for refreshes in (14, 7, 1):
            need = needed_headcounts(epsilon, refreshes)
            levels = ", ".join(f"{need[level]:,}" for level in sorted(need))
            print(f"{epsilon:15g}  {refreshes:9d}  {release:14.4f}  {levels}")
    alone = mechanisms.wave_epsilon(PrivacyPolicy(participation_epsilon=0.0))
    print(f"release ε per wave with no participation estimate: {alone:.4f}")


if __name__ == "__main__":
    main()
