"""From noisy block values to released statistics: consistency, derived values, publish flags.

Everything here is post-processing of noisy values: it reads no response and no true
count, so it costs no privacy. Intervals are 95%, from the exact post-GLS variance of
each noisy total and, for ratios (means, shares), the delta method.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import msgspec

from service.policy import PrivacyPolicy
from service.privacy import gls
from service.privacy.plan import ASSUMED_CENTRED_MEAN, Block, Plan, Q

Z95 = 1.959963984540054


class Policy(msgspec.Struct, frozen=True):
    min_publish_count: int
    max_half_width: float
    # The limit of a pooled (rolling) mean's predicted half-width; None: max_half_width.
    max_pooled_half_width: float | None = None

    @classmethod
    def of(cls, policy: PrivacyPolicy) -> Policy:
        """The publish rules of a program's privacy policy."""
        return cls(policy.min_publish_count, policy.max_half_width, policy.max_pooled_half_width)

    @property
    def pooled_limit(self) -> float:
        if self.max_pooled_half_width is None:
            return self.max_half_width
        return self.max_pooled_half_width


class Estimate(msgspec.Struct, frozen=True):
    value: float | None
    std_error: float | None

    @property
    def half_width(self) -> float:
        return Z95 * self.std_error if self.std_error is not None else math.inf


class Row(msgspec.Struct, frozen=True):
    unit_id: int
    statistic: str
    value: float | None
    std_error: float | None
    lower: float | None
    upper: float | None
    published: bool
    noise_scale: float | None
    privacy_share: float | None
    instrument_version: str | None
    # For a mean: the plan's standard error of the mean times its respondents, public
    # (predicted_mean_std_error at n = 1); pooled means are decided with it.
    planned: float | None = None
    # For a mean: the scale's range (the value is clamped to it); pooling reads it.
    bounds: tuple[float, float] | None = None


def consistent_columns(
    plan: Plan, noisy: Sequence[Sequence[int]], variance_of: Any, *, consistent: bool = True
) -> dict[tuple[str, str], tuple[gls.Pattern, list[list[float]]]]:
    """GLS estimates per (kind, key): one variance pattern, one estimate per column.

    With consistent=False every node keeps its own raw measurement (levels independent):
    the baseline the benchmark compares GLS against.
    """
    tree = gls.Tree(parent=[node.parent for node in plan.nodes])
    at_level: dict[int, list[int]] = {}
    for index, node in enumerate(plan.nodes):
        at_level.setdefault(node.level, []).append(index)
    grouped: dict[tuple[str, str], list[tuple[Block, Sequence[int]]]] = {}
    for block, values in zip(plan.blocks, noisy, strict=True):
        grouped.setdefault((block.kind, block.key), []).append((block, values))
    out: dict[tuple[str, str], tuple[gls.Pattern, list[list[float]]]] = {}
    patterns: dict[tuple[float, ...], gls.Pattern] = {}
    n = len(plan.nodes)
    for key, measured in grouped.items():
        columns = len(measured[0][0].columns)
        variance = [math.inf] * n
        ys = [[0.0] * n for _ in range(columns)]
        for block, values in measured:
            level_nodes = at_level.get(block.level, [])
            block_variance = variance_of(block.scale)
            for position, at in enumerate(level_nodes):
                variance[at] = block_variance
                for column in range(columns):
                    ys[column][at] = float(values[position * columns + column])
        if consistent:
            # Blocks measured at the same scales on the same levels share their pattern.
            signature = tuple(variance)
            if signature not in patterns:
                patterns[signature] = gls.pattern(tree, variance)
            pattern = patterns[signature]
            out[key] = (pattern, [gls.estimate(pattern, y) for y in ys])
        else:
            raw = gls.Pattern(tree, tree.children, [1.0] * n, [None] * n, variance)
            out[key] = (raw, ys)
    return out


def ratio(
    numerator: float, var_numerator: float, denominator: float, var_denominator: float,
    covariance: float = 0.0,
) -> Estimate:  # fmt: skip
    """numerator / denominator with its delta-method standard error."""
    if denominator < 1.0 or not math.isfinite(var_numerator + var_denominator):
        return Estimate(None, None)
    r = numerator / denominator
    var = (var_numerator + r * r * var_denominator - 2.0 * r * covariance) / denominator**2
    return Estimate(r, math.sqrt(max(var, 0.0)))


def interval(estimate: Estimate, low: float = -math.inf, high: float = math.inf) -> tuple[
    float | None, float | None, float | None
]:  # fmt: skip
    """(value, lower, upper) clamped to [low, high]."""
    if estimate.value is None or estimate.std_error is None:
        return None, None, None
    half = Z95 * estimate.std_error
    clamp = min(max(estimate.value, low), high)
    return clamp, max(estimate.value - half, low), min(estimate.value + half, high)


# Publication never selects on the noise of what it publishes (a value shown because its
# own noise made it look precise under-covers: station counts covered 70-75%, station means
# 82% under the old rules). Every decision reads only public facts (the plan's noise
# variances, the unit's public headcount) and, for ratios, the unit's noisy response count,
# a separate measurement whose noise is independent of the sums, counts and bands it gates.
# So the published values cover at the stated rate (tests/privacy/test_coverage.py).

# A count is shown when its interval (known before any data: GLS variances depend on the
# plan only) is within a sixth of the unit's public headcount.
COUNT_RELATIVE_HALF_WIDTH = 1 / 6


def predicted_mean_std_error(
    n: float, sum_variance: float, count_variance: float, centred: float = ASSUMED_CENTRED_MEAN
) -> float:
    """The standard error of a scale mean over n respondents as the plan predicts it.

    sum_variance is the post-GLS variance of the scale's sum (hundredths squared),
    count_variance that of its count; the delta method of `ratio` at a centred mean of
    `centred` points. Public: n is a count, the variances come from the plan.
    """
    if n < 1 or not (math.isfinite(sum_variance) and math.isfinite(count_variance)):
        return math.inf
    return math.sqrt(sum_variance / Q**2 + centred * centred * count_variance) / n


def publish_count(headcount: int, std_error: float | None, policy: Policy) -> bool:
    """A count is shown when the unit is big enough and the count's interval tight enough.

    Both are public before the wave opens: the decision does not depend on any response.
    """
    return (
        std_error is not None
        and headcount >= policy.min_publish_count
        and Z95 * std_error <= COUNT_RELATIVE_HALF_WIDTH * headcount
    )


def decision_count(parts: Sequence[Estimate]) -> Estimate:
    """The respondents a unit's publish decisions assume: the precision-weighted average of
    independent noisy counts of (about) the same people, the unit's response count and the
    counts of all its scales. ONE count per unit decides every mean of the unit, so means
    planned alike pass or fail together (six decisions, each at its own count, failed
    together far more often than one). It never reads a sum, and a mean's own count weighs
    in it as one of seven or so: the decision barely selects on a mean's noise (published
    values cover at the stated rate, tests/privacy/test_coverage.py). A scale's count is at
    most the response count (people who skip too many of its items do not count in it), so
    the average errs low: the decision errs on the side of not showing. Only the decision
    reads it; the interval shown is the ratio's own."""
    known = [p for p in parts if p.value is not None and p.std_error]
    if not known:
        return Estimate(None, None)
    weights = [1.0 / (p.std_error or 1.0) ** 2 for p in known]
    total = sum(weights)
    value = sum(w * (p.value or 0.0) for w, p in zip(weights, known, strict=True)) / total
    return Estimate(value, math.sqrt(1.0 / total))


def publish_ratio(responses: Estimate, predicted_se: float, policy: Policy) -> bool:
    """A mean or share is shown when, at the unit's noisy response count, the plan predicts
    an interval within the policy's half-width.

    The response count's noise is independent of the ratio's: the choice does not select
    the ratio's noise.
    """
    return (
        responses.value is not None
        and responses.value >= policy.min_publish_count
        and Z95 * predicted_se <= policy.max_half_width
    )


def publish_pooled(mean_count: float, predicted_se: float, policy: Policy) -> bool:
    """A pooled (rolling) mean is shown on its own rule: the waves' mean noisy response count
    reaches min_publish_count and the plan predicts its interval within the pooled limit.

    It reads the plan's public variances and the waves' noisy response counts, whose noise
    is independent of the means': it does not select the pooled mean's noise.
    """
    return mean_count >= policy.min_publish_count and Z95 * predicted_se <= policy.pooled_limit


def derive_rows(
    plan: Plan,
    noisy: Sequence[Sequence[int]],
    variance_of: Any,
    policy: Policy,
    *,
    consistent: bool = True,
) -> list[Row]:
    columns = consistent_columns(plan, noisy, variance_of, consistent=consistent)
    scale_at: dict[tuple[str, str, int], Block] = {(b.kind, b.key, b.level): b for b in plan.blocks}
    rows: list[Row] = []

    def block_meta(kind: str, key: str, level: int) -> tuple[float | None, float | None]:
        block = scale_at.get((kind, key, level))
        return (block.scale, block.share) if block is not None else (None, None)

    def variance(kind: str, key: str, node: int) -> float:
        found = columns.get((kind, key))
        return math.inf if found is None else found[0].variance[node]

    def total(kind: str, key: str, node: int, column: int = 0) -> Estimate:
        found = columns.get((kind, key))
        if found is None or not math.isfinite(found[0].variance[node]):
            return Estimate(None, None)
        return Estimate(found[1][column][node], math.sqrt(found[0].variance[node]))

    for index, node in enumerate(plan.nodes):
        if node.direct:
            continue
        count = total("responses", "responses", index)
        scale, share = block_meta("responses", "responses", node.level)
        # Counts are stored unclamped (a noisy count below 0 is unbiased); readers clamp.
        value, lower, upper = interval(count)
        rows.append(
            Row(node.unit_id, "responses", value, count.std_error, lower, upper,
                publish_count(node.headcount, count.std_error, policy), scale, share, None)
        )  # fmt: skip
        # Every scale's count is measured on its own (the mean's denominator).
        scale_counts = {s.key: total("count", s.key, index) for s in plan.scales}
        # One count decides all the unit's means (decision_count).
        decided = decision_count([count, *scale_counts.values()])
        for s in plan.scales:
            bands = [total("bands", s.key, index, j) for j in range(len(s.bands))]
            known = all(b.value is not None and b.std_error is not None for b in bands)
            band_var = [b.std_error**2 for b in bands if b.std_error is not None]
            band_total = sum(b.value for b in bands if b.value is not None) if known else None
            bands_n = Estimate(band_total, math.sqrt(sum(band_var)) if known else None)
            n_scale = scale_counts[s.key]
            summed = total("sum", s.key, index)
            scale, share = block_meta("sum", s.key, node.level)
            if n_scale.value is not None and summed.value is not None and summed.std_error:
                centred = ratio(
                    summed.value / Q, (summed.std_error / Q) ** 2,
                    n_scale.value, (n_scale.std_error or 0.0) ** 2,
                )  # fmt: skip
            else:
                centred = Estimate(None, None)
            mean = Estimate(
                None if centred.value is None else centred.value + (s.low + s.high) / 2,
                centred.std_error,
            )
            value, lower, upper = interval(mean, float(s.low), float(s.high))
            predicted = predicted_mean_std_error(
                decided.value if decided.value is not None else 0.0,
                variance("sum", s.key, index), variance("count", s.key, index),
            )  # fmt: skip
            planned = predicted_mean_std_error(
                1.0, variance("sum", s.key, index), variance("count", s.key, index)
            )
            rows.append(
                Row(node.unit_id, f"scale:{s.key}:mean", value, mean.std_error, lower, upper,
                    mean.value is not None and publish_ratio(decided, predicted, policy),
                    scale, share, s.version, planned if math.isfinite(planned) else None,
                    (float(s.low), float(s.high)))
            )  # fmt: skip
            value, lower, upper = interval(n_scale)
            rows.append(
                Row(node.unit_id, f"scale:{s.key}:count", value, n_scale.std_error, lower, upper,
                    publish_count(node.headcount, n_scale.std_error, policy),
                    *block_meta("count", s.key, node.level), s.version)
            )  # fmt: skip
            if not known:
                continue  # bands measured neither here nor below: no rows (as for items)
            for j, (band_id, _, _) in enumerate(s.bands):
                band = bands[j]
                if bands_n.value is not None and band.value is not None:
                    # A band's share is of the bands' total, which it is part of:
                    # Cov(band, total) = Var(band).
                    var_band = (band.std_error or 0.0) ** 2
                    var_count = (bands_n.std_error or 0.0) ** 2
                    shared = ratio(
                        band.value, var_band, bands_n.value, var_count, covariance=var_band
                    )
                else:
                    shared = Estimate(None, None)
                value, lower, upper = interval(shared, 0.0, 1.0)
                # At most a band's own noise over the unit's respondents (public variances).
                band_se = (
                    math.sqrt(variance("bands", s.key, index)) / count.value
                    if count.value is not None and count.value >= 1
                    else math.inf
                )
                rows.append(
                    Row(node.unit_id, f"scale:{s.key}:band:{band_id}", value, shared.std_error,
                        lower, upper,
                        shared.value is not None and publish_ratio(count, band_se, policy),
                        *block_meta("bands", s.key, node.level), s.version)
                )  # fmt: skip
        for item in plan.items:
            if not math.isfinite(variance("item", item.key, index)):
                continue  # measured neither here nor below: no rows
            for j, option in enumerate(item.values):
                answers = total("item", item.key, index, j)
                value, lower, upper = interval(answers)
                rows.append(
                    Row(node.unit_id, f"item:{item.key}:{option}", value, answers.std_error,
                        lower, upper, publish_count(node.headcount, answers.std_error, policy),
                        *block_meta("item", item.key, node.level), item.version)
                )  # fmt: skip
    return rows
