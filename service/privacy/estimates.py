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

from service.privacy import gls
from service.privacy.plan import Block, Plan, Q

Z95 = 1.959963984540054


class Policy(msgspec.Struct, frozen=True):
    min_publish_count: int
    max_half_width: float


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
            pattern = gls.pattern(tree, variance)
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


# A count is shown only when its 95% interval is within a third of the count itself, so a
# unit with no responses shows up only by a noise draw of about six standard deviations.
COUNT_RELATIVE_HALF_WIDTH = 1 / 3


def publish_count(count: Estimate, policy: Policy) -> bool:
    """A count is shown when the noisy count reaches the threshold and is precise enough.

    The function sees released values only: it cannot look at a true count.
    """
    return (
        count.value is not None
        and count.value >= policy.min_publish_count
        and count.half_width <= COUNT_RELATIVE_HALF_WIDTH * count.value
    )


def publish_ratio(count: Estimate, value: Estimate, policy: Policy) -> bool:
    """A mean or share is shown when its noisy count is large enough and its interval tight.

    The function sees released values only: it cannot look at a true count.
    """
    return publish_count(count, policy) and value.half_width <= policy.max_half_width


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

    def total(kind: str, key: str, node: int, column: int = 0) -> Estimate:
        if (kind, key) not in columns:
            return Estimate(None, None)
        pattern, values = columns[(kind, key)]
        variance = pattern.variance[node]
        if not math.isfinite(variance):
            return Estimate(None, None)
        return Estimate(values[column][node], math.sqrt(variance))

    for index, node in enumerate(plan.nodes):
        if node.direct:
            continue
        count = total("responses", "responses", index)
        scale, share = block_meta("responses", "responses", node.level)
        value, lower, upper = interval(count, low=0.0)
        rows.append(
            Row(node.unit_id, "responses", value, count.std_error, lower, upper,
                publish_count(count, policy), scale, share, None)
        )  # fmt: skip
        for s in plan.scales:
            bands = [total("bands", s.key, index, j) for j in range(len(s.bands))]
            known = all(b.value is not None and b.std_error is not None for b in bands)
            band_var = [b.std_error**2 for b in bands if b.std_error is not None]
            n_value = sum(b.value for b in bands if b.value is not None) if known else None
            n_scale = Estimate(n_value, math.sqrt(sum(band_var)) if known else None)
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
            rows.append(
                Row(node.unit_id, f"scale:{s.key}:mean", value, mean.std_error, lower, upper,
                    publish_ratio(n_scale, mean, policy), scale, share, s.version)
            )  # fmt: skip
            value, lower, upper = interval(n_scale, low=0.0)
            rows.append(
                Row(node.unit_id, f"scale:{s.key}:count", value, n_scale.std_error, lower, upper,
                    publish_count(n_scale, policy), *block_meta("bands", s.key, node.level),
                    s.version)
            )  # fmt: skip
            for j, (band_id, _, _) in enumerate(s.bands):
                band = bands[j]
                if known and n_scale.value is not None and band.value is not None:
                    # The band is part of the count: Cov(band, count) = Var(band).
                    var_band = (band.std_error or 0.0) ** 2
                    var_count = (n_scale.std_error or 0.0) ** 2
                    shared = ratio(
                        band.value, var_band, n_scale.value, var_count, covariance=var_band
                    )
                else:
                    shared = Estimate(None, None)
                value, lower, upper = interval(shared, 0.0, 1.0)
                rows.append(
                    Row(node.unit_id, f"scale:{s.key}:band:{band_id}", value, shared.std_error,
                        lower, upper, publish_ratio(n_scale, shared, policy),
                        *block_meta("bands", s.key, node.level), s.version)
                )  # fmt: skip
        for item in plan.items:
            if ("item", item.key) not in columns:
                continue
            for j, option in enumerate(item.values):
                answers = total("item", item.key, index, j)
                if answers.value is None:
                    continue
                value, lower, upper = interval(answers, low=0.0)
                rows.append(
                    Row(node.unit_id, f"item:{item.key}:{option}", value, answers.std_error,
                        lower, upper, publish_count(count, policy),
                        *block_meta("item", item.key, node.level), item.version)
                )  # fmt: skip
    return rows
