"""The smallest unit whose participation estimate passes the count rule (issue 15).

Pure computation from the plan (no database, no data): for a four-level tree shaped like
the demo county (1 root, 3 battalions, 6 stations each, 3 shifts each), the headcount a unit
needs so that one refresh's 95% interval is within a sixth of it, per level, for several
participation budgets and refresh counts (every level measured). Then the demo county
(service/demo.py): the units a refresh shows per level with every level measured and with
the levels `participation.measured_levels` chooses, at the default policy and at the demo's.
Prints figures; asserts nothing.

    PYTHONPATH=. .venv/bin/python bench/participation.py
"""

from __future__ import annotations

import csv
import io
import math

from service import demo
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


def demo_county() -> list[plan.Node]:
    rows = list(csv.DictReader(io.StringIO(demo.organisation_csv())))
    ids = {r["path"]: i + 1 for i, r in enumerate(rows)}
    units = [
        (ids[r["path"]], ids[r["path"].rsplit("/", 1)[0]] if "/" in r["path"] else None,
         r["path"])
        for r in rows
    ]  # fmt: skip
    heads = {ids[r["path"]]: int(r["headcount"]) for r in rows}
    return plan.build_nodes(units, ids[demo.ROOT], heads)


def shown_per_level(policy: PrivacyPolicy, nodes: list[plan.Node], levels: list[int] | None,
                    refreshes: int) -> tuple[list[int], list[int]]:  # fmt: skip
    """(levels measured, units shown per level) of one refresh."""
    budget = participation.refresh_budget(policy, refreshes)
    depth = max(n.level for n in nodes) + 1
    refresh = (
        participation.refresh_plan(policy, nodes, budget)
        if levels is None
        else participation.fixed_plan(policy, nodes, budget, levels)
    )
    zeros = [[0] * sum(1 for n in nodes if n.level == b.level) for b in refresh.blocks]
    level_of = {n.unit_id: n.level for n in nodes if not n.direct}
    out = [0] * depth
    for unit, _, _, shown, _ in participation.estimate_rows(refresh, zeros, policy):
        out[level_of[unit]] += shown
    return [b.level for b in refresh.blocks], out


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
    nodes = demo_county()
    depth = max(n.level for n in nodes) + 1
    sizes = [sum(1 for n in nodes if n.level == lv and not n.direct) for lv in range(depth)]
    print(f"\nDemo county ({', '.join(map(str, sizes))} units per level, root first): units "
          f"shown by one refresh per level")  # fmt: skip
    policies = {
        "default policy": PrivacyPolicy(),
        "demo policy": PrivacyPolicy(**demo.DEMO_POLICY),
    }
    for epsilon in (0.1, 0.3):
        policies[f"demo policy at participation ε = {epsilon:g}"] = PrivacyPolicy(
            **{**demo.DEMO_POLICY, "participation_epsilon": epsilon}
        )
    for name, policy in policies.items():
        release = mechanisms.wave_epsilon(policy)
        for refreshes in (14, 7, 1):
            _, even = shown_per_level(policy, nodes, list(range(depth)), refreshes)
            chosen, shown = shown_per_level(policy, nodes, None, refreshes)
            print(f"  {name} (participation ε = {policy.participation_epsilon:g}, release ε "
                  f"{release:.3f}/wave), {refreshes:2d} refreshes: every level {even}; "
                  f"levels {chosen} measured {shown}")  # fmt: skip


if __name__ == "__main__":
    main()
