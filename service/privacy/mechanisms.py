"""Every noise mechanism and every privacy charge, from OpenDP and nowhere else.

A release is ONE OpenDP measurement: the composition of one vector measurement per
block and level. Each block enters through a transformation whose stability map states
the block's sensitivity (how much one respondent more or less can change it; proven for
the real aggregation SQL by a property test), followed by OpenDP's discrete Gaussian
(zCDP) or discrete Laplace (pure DP). The ledger charge is the composition's own privacy
map at one respondent, and the (epsilon, delta) it implies comes from OpenDP's
zCDP -> approximate-DP conversion.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import msgspec

from service.policy import PrivacyPolicy
from service.privacy.plan import Block


@cache
def _opendp() -> Any:
    """OpenDP, imported and set up on first use: its import (with the numpy it loads) costs
    every server worker half a second of CPU at start-up, for the few requests that measure."""
    import opendp.prelude as dp

    dp.enable_features("contrib", "honest-but-curious")
    return dp


class Aggregates:
    """The data a release measures: per (block index), the integer vector of its cells.

    The vectors are built from one aggregation query inside PostgreSQL; the release
    measurement reads nothing else.
    """

    def __init__(self, vectors: list[list[int]]) -> None:
        self.vectors = vectors


@cache
def _aggregates_domain() -> Any:
    return _opendp().user_domain("MusterAggregates", lambda value: isinstance(value, Aggregates))


class Charge(msgspec.Struct, frozen=True):
    mechanism: str
    rho: float | None
    epsilon: float
    delta: float


def _reference_gaussian(scale: float) -> Any:
    dp = _opendp()
    return dp.m.make_gaussian(
        dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float), scale=scale
    )


@cache
def rho_for(epsilon: float, delta: float) -> float:
    """The largest zCDP rho whose OpenDP conversion stays within (epsilon, delta).

    The binary search and the conversion round differently: the result is stepped down
    until `epsilon_of_rho` of it is within epsilon, so a charge of exactly this rho never
    reads as a hair above the policy.
    """
    dp = _opendp()
    scale = dp.binary_search_param(
        lambda s: dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(_reference_gaussian(s)), delta),
        d_in=1.0,
        d_out=(epsilon, delta),
    )
    rho: float = _reference_gaussian(scale).map(1.0)
    while epsilon_of_rho(rho, delta) > epsilon:
        rho *= 1.0 - 1e-12
    return rho


def split_evenly(total: float, parts: int) -> float:
    """The largest x with x + x + ... (parts times, summed in floating point) <= total."""
    x = total / parts
    while sum([x] * parts) > total:
        x = math.nextafter(x, 0.0)
    return x


def wave_budget(policy: PrivacyPolicy) -> float:
    """What one wave's release may spend: zCDP rho (gaussian) or epsilon (laplace).

    The policy's guarantee is per person per rolling year; a wave spends 1/waves_per_year
    of it. Under zCDP the waves' rho add up exactly, so waves_per_year waves spend the
    year's rho and no more (the old per-wave epsilon left most of the cap unspent).
    """
    gaussian = policy.mechanism == "gaussian"
    if policy.epsilon_per_wave is not None:
        return (
            rho_for(policy.epsilon_per_wave, policy.delta) if gaussian else policy.epsilon_per_wave
        )
    year = (
        rho_for(policy.annual_epsilon_cap, policy.delta) if gaussian else policy.annual_epsilon_cap
    )
    return split_evenly(year, policy.waves_per_year)


# The participation estimate may take at most this part of a wave's budget.
PARTICIPATION_MAX_SHARE = 0.25


def participation_budget(policy: PrivacyPolicy) -> float:
    """What all the participation refreshes of one wave may spend together (rho or epsilon).

    Part of the wave's budget, not added to it: the release spends the rest
    (`release_budget`), so the yearly guarantee per person is unchanged.
    """
    if policy.participation_epsilon <= 0:
        return 0.0
    wanted = (
        rho_for(policy.participation_epsilon, policy.delta)
        if policy.mechanism == "gaussian"
        else policy.participation_epsilon
    )
    return min(wanted, wave_budget(policy) * PARTICIPATION_MAX_SHARE)


def release_budget(policy: PrivacyPolicy) -> float:
    """What a wave's release spends: the wave's budget less its participation budget."""
    total = wave_budget(policy)
    part = participation_budget(policy)
    out = total - part
    while out + part > total:
        out = math.nextafter(out, 0.0)
    return out


def wave_epsilon(policy: PrivacyPolicy) -> float:
    """The epsilon (at the policy's delta) of one wave's release on its own."""
    budget = release_budget(policy)
    return epsilon_of_rho(budget, policy.delta) if policy.mechanism == "gaussian" else budget


def epsilon_of_rho(rho: float, delta: float) -> float:
    """The epsilon (at delta) that OpenDP's conversion gives for a total zCDP rho."""
    if rho <= 0:
        return 0.0
    dp = _opendp()
    # A unit-scale Gaussian at distance d costs rho = d^2 / 2.
    measurement = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(_reference_gaussian(1.0)), delta)
    epsilon, _ = measurement.map(math.sqrt(2.0 * rho))
    return float(epsilon)


def with_scales(blocks: list[Block], mechanism: str, budget: float) -> list[Block]:
    """Noise scales that spend each block's share of `budget` (rho or epsilon).

    Each part is a billionth short of its share: OpenDP's privacy maps round up, and the
    composition's charge must never read above the budget (the ledger compares exactly).
    """
    out = []
    for block in blocks:
        part = budget * block.share * (1.0 - 1e-9)
        if mechanism == "gaussian":
            scale = block.sensitivity / math.sqrt(2.0 * part)
        else:
            scale = block.sensitivity / part
        out.append(msgspec.structs.replace(block, scale=scale))
    return out


def _block_measurement(index: int, block: Block, size: int, mechanism: str) -> Any:
    dp = _opendp()
    metric = dp.l2_distance(T=int) if mechanism == "gaussian" else dp.l1_distance(T=int)
    transformation = dp.t.make_user_transformation(
        _aggregates_domain(),
        dp.symmetric_distance(),
        dp.vector_domain(dp.atom_domain(T=int), size=size),
        metric,
        function=lambda aggregates: aggregates.vectors[index],
        # One respondent more or less falls in one cell of this block at this level and
        # changes it by at most the block's sensitivity (tests/privacy/test_sensitivity.py).
        stability_map=lambda d_in: block.sensitivity * d_in,
    )
    noise = dp.m.then_gaussian if mechanism == "gaussian" else dp.m.then_laplace
    return transformation >> noise(block.scale)


def release_measurement(blocks: list[Block], sizes: list[int], mechanism: str) -> Any:
    """The whole release as one composed OpenDP measurement over Aggregates."""
    dp = _opendp()
    parts = [
        _block_measurement(i, block, size, mechanism)
        for i, (block, size) in enumerate(zip(blocks, sizes, strict=True))
    ]
    return dp.c.make_composition(parts)


def charge(measurement: Any, mechanism: str, delta: float) -> Charge:
    """The privacy loss of one release, read off the measurement's privacy map."""
    loss = float(measurement.map(1))
    if mechanism == "gaussian":
        return Charge(mechanism, rho=loss, epsilon=epsilon_of_rho(loss, delta), delta=delta)
    return Charge(mechanism, rho=None, epsilon=loss, delta=0.0)


def noise_variance(mechanism: str, scale: float) -> float:
    """The variance of the noise a block's cells carry (an upper bound for the Gaussian)."""
    if mechanism == "gaussian":
        # The discrete Gaussian's variance is below sigma^2; using sigma^2 keeps intervals honest.
        return scale * scale
    # Discrete Laplace with parameter t = 1/scale: 2 e^-t / (1 - e^-t)^2.
    q = math.exp(-1.0 / scale)
    return 2.0 * q / (1.0 - q) ** 2


def measure(measurement: Any, aggregates: Aggregates) -> list[list[int]]:
    out: list[list[int]] = measurement(aggregates)
    return out
