"""Change against the previous wave and the pooled mean over the last ROLLING_WAVES waves.

Both are computed from stored noisy values only: post-processing, no extra budget.

The pooled mean stands on its own precision: it is published when ITS predicted interval
is within the policy's pooled limit (`max_pooled_half_width`, its own publish rule, ±0.5
by default), whether or not any wave's own mean was (the old rule
showed it only where this wave's mean already was, so it added nothing). The decision
reads public variances and the noisy response counts of the waves, whose noise is
independent of the means': it does not select on the means' noise.
"""

from __future__ import annotations

import math

from service.privacy.estimates import (
    Z95,
    Estimate,
    Policy,
    Row,
    decision_count,
    publish_pooled,
    ratio,
)

ROLLING_WAVES = 4


class Stored:
    """A released value of an earlier wave (a mean, a response count or a scale count)."""

    __slots__ = ("order", "std_error", "value")

    def __init__(self, order: int, value: float, std_error: float) -> None:
        self.order, self.value, self.std_error = order, value, std_error


def _pooled(
    row: Row, past: list[Stored], own_counts: dict[int, Estimate], orders: list[int]
) -> tuple[float, float] | None:
    """The pooled mean over the waves as ONE ratio, (sum of the waves' centred sums) / (sum
    of their counts), with its delta-method standard error; None when a wave lacks its
    count.

    Each wave's centred sum is recovered exactly from its stored mean and count,
    S = (mean - midpoint) x count, and its variance from the mean's standard error,
    Var(S) = se^2 count^2 - (mean - midpoint)^2 Var(count) (the delta method of
    estimates.ratio backwards). A mean stored at a bound of the scale was clamped (its
    noisy count came out small): its sum is then recovered at the bound, which pulls that
    wave's noise in, and its variance is over-stated. Pooling sums and counts, not means,
    keeps one wave whose noisy count came out small from dominating: the counts' noise
    averages over the waves.
    """
    if row.bounds is None:
        return None
    low, high = row.bounds
    middle = (low + high) / 2
    waves = [(row.value, row.std_error), *((s.value, s.std_error) for s in past)]
    sums = var_sums = counts = var_counts = 0.0
    for order, (value, se) in zip(orders, waves, strict=True):
        count = own_counts.get(order)
        if value is None or se is None or count is None or count.value is None:
            return None
        centred = value - middle
        var_count = (count.std_error or 0.0) ** 2
        sums += centred * count.value
        var_sums += max(se * se * count.value**2 - centred * centred * var_count, 0.0)
        counts += count.value
        var_counts += var_count
    pooled = ratio(sums, var_sums, counts, var_counts)
    if pooled.value is None or pooled.std_error is None:
        return None
    return middle + pooled.value, pooled.std_error


def _is_count(statistic: str) -> bool:
    return statistic == "responses" or statistic.endswith(":count")


def trend_rows(
    rows: list[Row],
    means: dict[tuple[int, str], list[Stored]],
    counts: dict[tuple[int, str], list[Stored]],
    published_before: set[tuple[int, str]],
    policy: Policy,
) -> list[Row]:
    """Trend and pooled rows for this wave's mean rows.

    `means` and `counts` hold the earlier waves' stored values per (unit, statistic): the
    means, and the response counts ("responses") and scale counts ("scale:<key>:count");
    `order` 0 for the wave just before this one; `published_before` the means the previous
    wave published.
    """
    # This wave's counts, as order -1 beside the earlier waves'.
    by_unit: dict[int, dict[str, dict[int, Estimate]]] = {}
    for r in rows:
        if _is_count(r.statistic) and r.value is not None:
            by_unit.setdefault(r.unit_id, {}).setdefault(r.statistic, {})[-1] = Estimate(
                r.value, r.std_error
            )
    for (unit, statistic), stored in counts.items():
        if _is_count(statistic):
            for c in stored:
                by_unit.setdefault(unit, {}).setdefault(statistic, {})[c.order] = Estimate(
                    c.value, c.std_error
                )
    out: list[Row] = []
    for row in rows:
        if not row.statistic.endswith(":mean") or row.value is None or row.std_error is None:
            continue
        base = row.statistic.removesuffix(":mean")
        past = sorted(means.get((row.unit_id, row.statistic), []), key=lambda s: s.order)
        if (
            past
            and past[0].order == 0
            and row.published
            and ((row.unit_id, row.statistic) in published_before)
        ):
            change = row.value - past[0].value
            se = math.sqrt(row.std_error**2 + past[0].std_error ** 2)
            # Shown when both means are; a change counts as real only when its interval
            # excludes zero, which readers see from lower and upper.
            out.append(
                Row(row.unit_id, f"{base}:trend", change, se, change - Z95 * se,
                    change + Z95 * se, True, None, None, row.instrument_version)
            )  # fmt: skip
        if not past:
            continue
        orders = [-1, *(s.order for s in past)]
        unit_counts = by_unit.get(row.unit_id, {})
        own = f"{base}:count"
        pooled = _pooled(row, past, unit_counts.get(own, {}), orders)
        if pooled is None:
            continue
        mean, se = pooled
        # The plan's precision at each wave's decision count (estimates.decision_count: the
        # unit's response count and all its scales' counts, one count for all its means).
        ns = [
            decision_count(
                [waves[order] for waves in unit_counts.values() if order in waves]
            ).value
            for order in orders
        ]  # fmt: skip
        published = False
        if row.planned is not None and all(n is not None and n >= 1 for n in ns):
            known = [n for n in ns if n is not None]
            # Var(sum of sums + m^2 sum of counts) / (sum of counts)^2, each wave planned alike.
            predicted = row.planned * math.sqrt(len(known)) / sum(known)
            published = publish_pooled(sum(known) / len(known), predicted, policy)
        out.append(
            Row(row.unit_id, f"{base}:rolling{ROLLING_WAVES}", mean, se, mean - Z95 * se,
                mean + Z95 * se, published, None, None, row.instrument_version)
        )  # fmt: skip
    return out
