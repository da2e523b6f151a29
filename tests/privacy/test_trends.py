"""The pooled (rolling4) mean: its own publish limit, its own interval, one ratio of the
waves' summed sums and counts, and a decision that never reads the mean's values and is
the same for every scale of the unit (one decision count per unit and wave)."""

from __future__ import annotations

import pytest

from service.privacy import trends
from service.privacy.estimates import Z95, Policy, Row

UNIT = 7
MEAN = "scale:i/a:mean"
# per-wave predicted half-width at 40 respondents: 1.96 * 12 / 40 = 0.59 (over 0.25);
# pooled over 4 waves of 40: 1.96 * 12 * 2 / 160 = 0.29 (within 0.5, over 0.25).
PLANNED = 12.0


def _rows(mean: float, own_count: float) -> list[Row]:
    return [
        Row(UNIT, "responses", 40.0, 5.0, 30.2, 49.8, True, None, None, None),
        Row(UNIT, MEAN, mean, 0.3, mean - 0.59, mean + 0.59, False, None, None, "1",
            PLANNED, (1.0, 5.0)),
        Row(UNIT, "scale:i/a:count", own_count, 9.0, None, None, False, None, None, "1"),
        Row(UNIT, "scale:i/b:count", 39.0, 9.0, None, None, False, None, None, "1"),
    ]  # fmt: skip


def _history(
    waves: list[tuple[float, float]],
) -> tuple[dict[tuple[int, str], list[trends.Stored]], dict[tuple[int, str], list[trends.Stored]]]:
    means: dict[tuple[int, str], list[trends.Stored]] = {}
    counts: dict[tuple[int, str], list[trends.Stored]] = {}
    for order, (mean, own) in enumerate(waves):
        means.setdefault((UNIT, MEAN), []).append(trends.Stored(order, mean, 0.3))
        for statistic, value, se in (
            ("responses", 41.0, 5.0), ("scale:i/a:count", own, 9.0), ("scale:i/b:count", 40.0, 9.0)
        ):  # fmt: skip
            counts.setdefault((UNIT, statistic), []).append(trends.Stored(order, value, se))
    return means, counts


def _pooled(policy: Policy, now: tuple[float, float], past: list[tuple[float, float]]) -> Row:
    means, counts = _history(past)
    out = trends.trend_rows(_rows(*now), means, counts, set(), policy)
    return next(r for r in out if r.statistic == "scale:i/a:rolling4")


PAST = [(3.2, 38.0), (3.6, 44.0), (3.0, 40.0)]


def test_a_pooled_mean_is_published_by_its_own_limit_where_no_wave_is() -> None:
    shown = _pooled(Policy(10, 0.25, 0.5), (3.4, 42.0), PAST)
    assert shown.published
    # The same values under a pooled limit of 0.25: not shown (0.29 predicted).
    assert not _pooled(Policy(10, 0.25, 0.25), (3.4, 42.0), PAST).published
    # Without a pooled limit of its own, it falls back to max_half_width.
    assert not _pooled(Policy(10, 0.25), (3.4, 42.0), PAST).published
    assert _pooled(Policy(10, 0.5), (3.4, 42.0), PAST).published


def test_a_pooled_mean_is_one_ratio_with_its_own_interval() -> None:
    row = _pooled(Policy(10, 0.25, 0.5), (3.4, 42.0), PAST)
    waves = [(3.4, 42.0), *PAST]
    sums = sum((m - 3.0) * c for m, c in waves)
    counts = sum(c for _, c in waves)
    assert row.value == pytest.approx(3.0 + sums / counts)
    # Var(S) per wave = se^2 c^2 - r^2 Var(c); Var(ratio) = (sum Var S + R^2 sum Var c) / C^2.
    r = sums / counts
    var_sums = sum(0.3**2 * c**2 - (m - 3.0) ** 2 * 81.0 for m, c in waves)
    expected = ((var_sums + r * r * 4 * 81.0) ** 0.5) / counts
    assert row.std_error == pytest.approx(expected)
    assert row.lower == pytest.approx(row.value - Z95 * expected)
    assert row.upper == pytest.approx(row.value + Z95 * expected)
    # Far narrower than the average of the waves' standard errors over four.
    assert row.std_error < 0.3 / 2 + 1e-9


def test_the_pooled_decision_never_reads_the_means_values() -> None:
    """Whatever the mean's values (and, within reason, its own count: one of the unit's
    counts it is decided with) came out as, the decision is the same."""
    decisions = set()
    for now, past in [
        ((3.4, 42.0), PAST),
        ((4.6, 12.0), [(1.4, 70.0), (2.0, 5.0), (4.9, 60.0)]),
        ((3.0, 40.0), [(3.0, 40.0)] * 3),
    ]:
        decisions.add(_pooled(Policy(10, 0.25, 0.5), now, past).published)
    assert decisions == {True}


def test_the_scales_of_a_unit_are_pooled_and_decided_together() -> None:
    """Two scales planned alike, whose own counts straddle the limit, are both shown or
    both not: each wave's decision count is the unit's, not one per scale."""
    other = "scale:i/b:mean"

    def decisions(count: float, own: float, spread: float) -> set[bool]:
        rows = [
            Row(UNIT, "responses", count, 5.0, None, None, True, None, None, None),
            Row(UNIT, MEAN, 3.4, 0.3, 2.8, 4.0, False, None, None, "1", PLANNED, (1.0, 5.0)),
            Row(UNIT, other, 3.1, 0.3, 2.5, 3.7, False, None, None, "1", PLANNED, (1.0, 5.0)),
            Row(UNIT, "scale:i/a:count", own - spread, 9.0, None, None, False, None, None, "1"),
            Row(UNIT, "scale:i/b:count", own + spread, 9.0, None, None, False, None, None, "1"),
        ]  # fmt: skip
        means: dict[tuple[int, str], list[trends.Stored]] = {}
        counts: dict[tuple[int, str], list[trends.Stored]] = {}
        for order in range(3):
            for statistic in (MEAN, other):
                means.setdefault((UNIT, statistic), []).append(trends.Stored(order, 3.2, 0.3))
            for statistic, value in (
                ("responses", count), ("scale:i/a:count", own - spread),
                ("scale:i/b:count", own + spread),
            ):  # fmt: skip
                counts.setdefault((UNIT, statistic), []).append(trends.Stored(order, value, 9.0))
        out = trends.trend_rows(rows, means, counts, set(), Policy(10, 0.25, 0.25))
        return {r.published for r in out if r.statistic.endswith(":rolling4")}

    # Pooled limit 0.25: a predicted 1.96 * 24 / (4 n) within it from n = 47.04 a wave.
    # Each scale decided at the response count and the OTHER count: 46.1 and 48.0 (one
    # shown, one not). The unit's count, 47.06: both shown; below it, 46.86: neither (the
    # other counts 45.9 and 47.8: again one shown, one not).
    assert decisions(47.0, 47.15, 4.0) == {True}
    assert decisions(46.8, 46.95, 4.0) == {False}
