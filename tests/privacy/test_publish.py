"""A unit's scale means are published together: one decision count for all of them.

Six means decided each at its own count (the response count and the OTHER scales' counts)
straddled the limit whenever the scales' noisy counts were spread around it, so a battalion
showed all six means in fewer waves than any one of them. One unit, measured once, with
every block at a known noise variance: the values below are chosen by hand around the
limit.
"""

from __future__ import annotations

from service.privacy.estimates import Policy, derive_rows
from service.privacy.plan import Block, Node, Plan, ScaleSpec

SCALES = [
    ScaleSpec(f"i/s{k}", "i", "1", [k + 1], [False], 1, 5, 1, []) for k in range(6)
]  # fmt: skip
# Noise scales give variances (scale squared): sums 1000^2 hundredths^2 (100 points^2),
# counts and the response count 10^2. The predicted half-width of a mean at n respondents
# is 1.96 * sqrt(100 + 0.5^2 * 100) / n = 21.9 / n: within 0.25 from n = 87.6 up.
BLOCKS = [
    Block("responses", "responses", 0, ["n"], 1, scale=10.0),
    *(Block("sum", s.key, 0, ["sum"], 200, scale=1000.0) for s in SCALES),
    *(Block("count", s.key, 0, ["n"], 1, scale=10.0) for s in SCALES),
]
PLAN = Plan("t", "gaussian", 1.0, 1e-7, 0.1, [Node(1, -1, 0, headcount=200)], 1, SCALES, [],
            BLOCKS)  # fmt: skip
POLICY = Policy(min_publish_count=10, max_half_width=0.25)


def _published(responses: int, counts: list[int]) -> list[bool]:
    noisy = [[responses], *([30 * c] for c in counts), *([c] for c in counts)]
    rows = derive_rows(PLAN, noisy, lambda scale: scale * scale, POLICY)
    return [next(r for r in rows if r.statistic == f"scale:{s.key}:mean").published for s in SCALES]


def test_means_whose_own_counts_straddle_the_limit_are_all_published_or_none() -> None:
    # Each scale's mean decided at the other counts: 89.3 for the three counted 80 (shown),
    # 86.7 for the three counted 96 (not). One count for the unit: 88 (all shown).
    assert _published(88, [80, 80, 80, 96, 96, 96]) == [True] * 6
    # Other counts 88.3 for those counted 78 (shown), 85.3 for those counted 96 (not); the
    # unit's count 86.9: none shown.
    assert _published(86, [78, 78, 78, 96, 96, 96]) == [False] * 6


def test_the_decision_reads_no_sum() -> None:
    """The sums (the means' numerators) can be anything: the decisions stay the same."""
    counts = [88, 90, 92, 94, 96, 98]
    for spread in (-60, 0, 60):
        noisy = [[90], *([spread * c] for c in counts), *([c] for c in counts)]
        rows = derive_rows(PLAN, noisy, lambda scale: scale * scale, POLICY)
        assert all(r.published for r in rows if r.statistic.endswith(":mean"))


def test_bands_measured_only_higher_up_leave_no_rows_at_the_smaller_unit() -> None:
    """A station whose level measures means only gets no band rows (as an item measured
    only higher up gets no histogram rows): 9,000 empty rows on bench/release.py's tree. Its
    battalion, which measures them, gets every band; both get their means."""
    bands = [("low", 1.0, 2.5), ("high", 2.5, 5.0)]
    scale = ScaleSpec("i/s", "i", "1", [1], [False], 1, 5, 1, bands)
    # Two stations: neither's bands follow from its battalion's (one alone would).
    nodes = [Node(1, -1, 0, headcount=400), *(Node(u, 0, 1, headcount=200) for u in (2, 3))]
    blocks = [
        *(Block("responses", "responses", lv, ["n"], 1, scale=10.0) for lv in (0, 1)),
        *(Block("sum", scale.key, lv, ["sum"], 200, scale=1000.0) for lv in (0, 1)),
        *(Block("count", scale.key, lv, ["n"], 1, scale=10.0) for lv in (0, 1)),
        Block("bands", scale.key, 0, ["low", "high"], 1, scale=10.0),
    ]
    plan = Plan("t", "gaussian", 1.0, 1e-7, 0.1, nodes, 2, [scale], [], blocks)
    noisy = [[300], [150, 150], [15_000], [7_500, 7_500], [300], [150, 150], [100, 200]]
    rows = derive_rows(plan, noisy, lambda s: s * s, POLICY)
    stats = {(r.unit_id, r.statistic) for r in rows}
    assert {(1, "scale:i/s:band:low"), (1, "scale:i/s:band:high")} <= stats
    assert not any(unit != 1 and ":band:" in statistic for unit, statistic in stats)
    assert {(u, "scale:i/s:mean") for u in (1, 2, 3)} <= stats
