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


def large_tree() -> list[UnitRow]:
    """1 root, 2 divisions, 4 battalions, 12 stations of 3,000 people: every unit can
    show every mean, so only the statistics per level tell plans apart."""
    rows = [UnitRow(1, None, "county", 0)]
    for d in range(2):
        division = len(rows) + 1
        rows.append(UnitRow(division, 1, f"county/d{d}", 0))
        for b in range(2):
            battalion = len(rows) + 1
            rows.append(UnitRow(battalion, division, f"county/d{d}/b{b}", 0))
            rows += [
                UnitRow(len(rows) + 1 + s, battalion, f"county/d{d}/b{b}/s{s}", 3000)
                for s in range(3)
            ]
    return rows


def test_the_search_measures_histograms_only_where_released_and_means_only_at_the_smallest() -> (
    None
):
    """Leaders read item histograms on the top histogram_levels levels and means at the
    smallest units: the planner measures nothing else there, even where the budget would
    stretch to it (issue 11: spend only on what leaders read)."""
    units = large_tree()
    scales, items = demo_instruments()
    for histogram_levels in (1, 2):
        policy = PrivacyPolicy(histogram_levels=histogram_levels)
        setup = planner.make_setup(units, 1, scales, items, policy, DEMO_PARTICIPATION)
        shares, tiers = planner.best_plan(setup)
        assert tiers is not None
        measured = [lv for lv, share in enumerate(shares) if share > 0]
        assert tiers[measured[-1]] in ("headline", "means"), (shares, tiers)
        assert all(t != "histograms" for t in tiers[histogram_levels:]), (shares, tiers)
        # Every unit shows every scale's mean each wave and its headlines pooled: the plan
        # is not leaner than the budget allows.
        means = planner.score_plan(setup, shares, tiers)[0]
        headlines = sum(1 for s in scales if s.headline)
        assert means == len(units) * (len(scales) + headlines), (shares, tiers)


def test_the_statistics_grid_puts_histograms_only_on_the_levels_they_are_released_at() -> None:
    for levels, histogram_levels in ((3, 0), (4, 2), (4, 4)):
        grid = search.tier_grid(levels, histogram_levels)
        assert grid
        for tiers in grid:
            assert "histograms" not in tiers[histogram_levels:]
            ranks = [plan.TIERS.index(t) for t in tiers]
            assert ranks == sorted(ranks, reverse=True) and ranks[0] > 0
        # Histograms on every level they may be on is one of the choices.
        top = ["histograms"] * histogram_levels
        assert any(tiers[:histogram_levels] == top for tiers in grid)
