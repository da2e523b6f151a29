"""The yearly budget is the guarantee: waves_per_year releases spend it and never more."""

from __future__ import annotations

import pytest

from service.policy import PrivacyPolicy
from service.privacy import mechanisms, plan


def _blocks() -> tuple[list[plan.Block], list[int]]:
    # A release-shaped composition: blocks of different sensitivities and shares.
    blocks = [
        plan.Block("responses", "responses", 0, ["n"], 1, share=0.1),
        plan.Block("sum", "a/s", 1, ["sum"], 200, share=0.35),
        plan.Block("sum", "b/s", 2, ["sum"], 150, share=0.3),
        plan.Block("responses", "responses", 2, ["n"], 1, share=0.25),
    ]
    return blocks, [1, 4, 13, 13]


@pytest.mark.parametrize("cap", [0.5, 1.0, 3.0, 4.0, 12.0, 40.0])
@pytest.mark.parametrize("waves", [1, 2, 3, 4, 7, 12, 52])
def test_the_waves_of_a_year_spend_at_most_its_epsilon(cap: float, waves: int) -> None:
    policy = PrivacyPolicy(annual_epsilon_cap=cap, waves_per_year=waves)
    budget = mechanisms.wave_budget(policy)
    blocks, sizes = _blocks()
    blocks = mechanisms.with_scales(blocks, "gaussian", budget)
    measurement = mechanisms.release_measurement(blocks, sizes, "gaussian")
    charge = mechanisms.charge(measurement, "gaussian", policy.delta)
    assert charge.rho is not None and charge.rho <= budget
    total = 0.0
    for _ in range(waves):
        total += charge.rho
    year = mechanisms.epsilon_of_rho(total, policy.delta)
    # Never above the policy, not even by floating error; and no budget left unspent.
    assert year <= cap
    assert year > cap * (1 - 1e-6)


@pytest.mark.parametrize("epsilon", [0.3, 1.0, 3.0, 4.0, 8.0, 12.0])
def test_rho_for_converts_back_within_the_epsilon(epsilon: float) -> None:
    rho = mechanisms.rho_for(epsilon, 1e-7)
    assert mechanisms.epsilon_of_rho(rho, 1e-7) <= epsilon
    assert mechanisms.epsilon_of_rho(rho, 1e-7) > epsilon * (1 - 1e-9)


def test_laplace_waves_split_the_year_epsilon() -> None:
    policy = PrivacyPolicy(annual_epsilon_cap=4.0, waves_per_year=3, mechanism="laplace")
    budget = mechanisms.wave_budget(policy)
    assert budget + budget + budget <= 4.0
    blocks, sizes = _blocks()
    blocks = mechanisms.with_scales(blocks, "laplace", budget)
    charge = mechanisms.charge(
        mechanisms.release_measurement(blocks, sizes, "laplace"), "laplace", 0.0
    )
    assert charge.epsilon <= budget
