"""The planner's own plan for the demo county meets the default policy's targets (issue 11).

Predicted from the release plan's public variances (plan_for, then GLS over the demo tree),
not by simulation: bench/utility.py measures the same plan with noise.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from service import demo
from service.instruments.service import load_instruments_dir
from service.policy import PrivacyPolicy
from service.privacy import gls, mechanisms, plan, planner, search
from service.privacy.estimates import Z95, predicted_mean_std_error
from service.privacy.queries import UnitRow
from service.privacy.service import plan_for
from service.privacy.trends import ROLLING_WAVES

ROOT_DIR = Path(__file__).resolve().parents[2]
# The share of each unit the demo's waves draw (service/demo.py).
DEMO_PARTICIPATION = 0.7
BATTALION, STATION = 1, 2


def demo_tree() -> tuple[list[UnitRow], list[plan.Node]]:
    rows = list(csv.DictReader(io.StringIO(demo.organisation_csv())))
    ids = {r["path"]: i + 1 for i, r in enumerate(rows)}
    parent = {r["path"]: r["path"].rsplit("/", 1)[0] for r in rows if "/" in r["path"]}
    units = [
        UnitRow(ids[path], ids[parent[path]] if path in parent else None, path, int(r["headcount"]))
        for r in rows
        for path in [r["path"]]
    ]
    nodes = plan.build_nodes(
        [(u.unit_id, u.parent_id, u.path) for u in units],
        ids[demo.ROOT],
        {u.unit_id: u.headcount for u in units},
    )
    return units, nodes


def demo_instruments() -> tuple[list[plan.ScaleSpec], list[plan.ItemSpec]]:
    loaded = {i.instrument.slug: i for i in load_instruments_dir(ROOT_DIR / "surveys")}
    chosen = [loaded[slug] for slug in demo.INSTRUMENTS]
    return plan.describe_instruments([(i.instrument.slug, i.version, i.instrument) for i in chosen])


def half_widths(policy: PrivacyPolicy) -> dict[tuple[int, str], float]:
    """The predicted 95% half-width of every real unit's scale mean in one wave, at the
    demo's participation, from the release plan's noise scales and the GLS variances."""
    _, nodes = demo_tree()
    scales, items = demo_instruments()
    release_plan, _ = plan_for(policy, scales, items, nodes)
    per_level: dict[tuple[str, str], list[float]] = {}
    for b in release_plan.blocks:
        if b.kind in ("sum", "count"):
            per_level.setdefault((b.kind, b.key), [math.inf] * release_plan.levels)[b.level] = (
                mechanisms.noise_variance(policy.mechanism, b.scale)
            )
    tree = gls.Tree(parent=[n.parent for n in nodes])
    variance = {
        key: gls.pattern(tree, [levels[n.level] for n in nodes]).variance
        for key, levels in per_level.items()
    }
    missing = [math.inf] * len(nodes)
    out = {}
    for index, node in enumerate(nodes):
        if node.direct:
            continue
        for s in scales:
            se = predicted_mean_std_error(
                DEMO_PARTICIPATION * node.headcount,
                variance.get(("sum", s.key), missing)[index],
                variance.get(("count", s.key), missing)[index],
            )
            out[(index, s.key)] = Z95 * se
    return out


def test_the_planners_default_plan_meets_the_default_targets_on_the_demo_county() -> None:
    """Every battalion shows every scale's mean each wave within ±0.25, and every station
    its headline means pooled over four waves within ±0.5 (the 0.1 share grid alone has no
    such point: the search must refine between its points)."""
    units, nodes = demo_tree()
    scales, items = demo_instruments()
    default = PrivacyPolicy()
    setup = planner.make_setup(units, nodes[0].unit_id, scales, items, default, DEMO_PARTICIPATION)
    shares, tiers = planner.best_plan(setup)
    chosen = PrivacyPolicy(level_shares=shares, level_statistics=tiers)
    widths = half_widths(chosen)

    battalions = [i for i, n in enumerate(nodes) if n.level == BATTALION and not n.direct]
    stations = [i for i, n in enumerate(nodes) if n.level == STATION and not n.direct]
    assert len(battalions) == 3 and len(stations) == 12
    for index in battalions:
        for s in scales:
            assert widths[(index, s.key)] <= default.max_half_width, (nodes[index].path, s.key)
    for index in stations:
        for s in scales:
            if s.headline:
                pooled = widths[(index, s.key)] / math.sqrt(ROLLING_WAVES)
                assert pooled <= default.max_pooled_half_width, (nodes[index].path, s.key)


def test_the_search_keeps_shares_that_add_up_to_one_and_beats_every_grid_point() -> None:
    """The refined plan is a split of the budget, and no point of the share grid with the
    same statistics scores better (the refinement only ever moves to a better score)."""
    units, nodes = demo_tree()
    scales, items = demo_instruments()
    setup = planner.make_setup(
        units, nodes[0].unit_id, scales, items, PrivacyPolicy(), DEMO_PARTICIPATION
    )
    shares, tiers = planner.best_plan(setup)
    assert math.isclose(sum(shares), 1.0, abs_tol=1e-9)
    assert all(s >= 0 for s in shares)
    best = planner.score_plan(setup, shares, tiers)
    assert all(
        planner.score_plan(setup, candidate, tiers) <= best
        for candidate in search.share_grid(setup.levels)
    )
