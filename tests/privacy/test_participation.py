"""The participation estimate while a wave is open (issue 15): charged from OpenDP's map,
within its budget, at most once a day, covering where published, scoped."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from service import scheduler
from service.policy import PrivacyPolicy
from service.privacy import estimates, mechanisms, participation, plan
from service.privacy import service as release
from tests.factories import (
    T0,
    add_responses,
    close,
    make_staff,
    make_token,
    open_wave_on,
    random_answers,
    wave_items,
)

OPENED = T0 + timedelta(hours=1)


async def _answered(conn: Any, per_unit: int = 6, **policy: Any) -> tuple[int, int, list[Any]]:
    program_id, wave_id, units = await open_wave_on(conn, **policy)
    items = await wave_items(conn, wave_id)
    rng = random.Random(3)
    for unit in units[3:]:
        answers = [random_answers(rng, items) for _ in range(per_unit)]
        await add_responses(conn, wave_id, unit["unit_id"], answers)
    return program_id, wave_id, units


async def _charges(conn: Any, wave_id: int) -> list[Any]:
    return list(
        await conn.fetch(
            "SELECT rho, epsilon, mechanism, measurement FROM ledger "
            "WHERE wave_id = $1 AND kind = 'participation' ORDER BY entry_id",
            wave_id,
        )
    )


async def test_a_refresh_is_charged_the_opendp_map_of_its_measurement(conn: Any) -> None:
    _, wave_id, units = await _answered(conn)
    assert await participation.refresh_wave(conn, wave_id, OPENED + timedelta(days=1))
    [entry] = await _charges(conn, wave_id)
    policy = PrivacyPolicy(epsilon_per_wave=1.0, annual_epsilon_cap=4.0)
    nodes = plan.build_nodes(
        [(u["unit_id"], u["parent_id"], u["path"]) for u in units],
        units[0]["unit_id"],
        {u["unit_id"]: u["headcount"] for u in units},
    )
    budget = participation.refresh_budget(policy, 14)
    refresh = participation.refresh_plan(policy, nodes, budget)
    sizes = [sum(1 for n in nodes if n.level == b.level) for b in refresh.blocks]
    measurement = mechanisms.release_measurement(refresh.blocks, sizes, "gaussian")
    assert entry["rho"] == measurement.map(1)
    assert 0 < entry["rho"] <= budget
    assert entry["measurement"]["planned_refreshes"] == 14


@pytest.mark.parametrize("mechanism", ["gaussian", "laplace"])
async def test_every_refresh_together_stays_within_the_participation_budget(
    conn: Any, mechanism: str
) -> None:
    _, wave_id, _ = await _answered(conn, mechanism=mechanism, participation_epsilon=0.2)
    taken = 0
    for day in range(1, 40):
        now = OPENED + timedelta(days=day, minutes=1)
        taken += await participation.refresh_wave(conn, wave_id, now)
    # A 14-day window plans 14 refreshes; no more are taken however long it stays open.
    assert taken == 14
    charges = await _charges(conn, wave_id)
    policy = PrivacyPolicy(
        epsilon_per_wave=1.0, annual_epsilon_cap=4.0, mechanism=mechanism,  # type: ignore[arg-type]
        participation_epsilon=0.2,
    )  # fmt: skip
    budget = mechanisms.participation_budget(policy)
    spent = sum(c["rho"] if mechanism == "gaussian" else c["epsilon"] for c in charges)
    assert 0 < spent <= budget
    # The release spends the rest: together they never exceed the wave's budget.
    assert mechanisms.release_budget(policy) + budget <= mechanisms.wave_budget(policy)


async def test_at_most_one_refresh_a_day(conn: Any) -> None:
    _, wave_id, _ = await _answered(conn)
    # Not before a day after opening: the first day's answers make the first estimate.
    assert not await participation.refresh_wave(conn, wave_id, OPENED + timedelta(hours=23))
    day = OPENED + timedelta(days=1)
    assert await participation.refresh_wave(conn, wave_id, day)
    assert not await participation.refresh_wave(conn, wave_id, day + timedelta(hours=23))
    # Even if the scheduler was away for days, a refresh needs 24 h since the last one.
    assert await participation.refresh_wave(conn, wave_id, day + timedelta(days=3))
    assert not await participation.refresh_wave(conn, wave_id, day + timedelta(days=3, hours=12))
    assert len(await _charges(conn, wave_id)) == 2


async def test_the_scheduler_refreshes_open_waves_and_not_closed_ones(conn: Any) -> None:
    _, open_id, _ = await _answered(conn)
    _, closed_id, _ = await _answered(conn)
    await close(conn, closed_id)
    await scheduler.tick(conn, OPENED + timedelta(days=1, minutes=5))
    assert len(await _charges(conn, open_id)) == 1
    assert await _charges(conn, closed_id) == []


async def test_the_release_of_a_wave_spends_its_budget_less_the_participation_budget(
    conn: Any,
) -> None:
    program_id, wave_id, _ = await _answered(conn, participation_epsilon=0.3)
    for day in (1, 2, 3):
        await participation.refresh_wave(conn, wave_id, OPENED + timedelta(days=day))
    await close(conn, wave_id)
    summary = await release.release_wave(conn, None, wave_id, OPENED + timedelta(days=15))
    policy = PrivacyPolicy(epsilon_per_wave=1.0, annual_epsilon_cap=4.0, participation_epsilon=0.3)
    assert summary.rho is not None
    assert summary.rho <= mechanisms.release_budget(policy)
    assert summary.rho < mechanisms.wave_budget(policy) * (1 - 0.01)
    spent = sum(c["rho"] for c in await _charges(conn, wave_id)) + summary.rho
    assert spent <= mechanisms.wave_budget(policy)
    report = await release.ledger_report(conn, None, program_id, OPENED + timedelta(days=15))
    assert [e.kind for e in report.entries] == ["participation"] * 3 + ["release"]
    # Once released the estimate is superseded: no unit values any more.
    superseded = await participation.participation_report(conn, None, wave_id)
    assert superseded.superseded and superseded.units == []


async def test_published_estimates_cover_their_interval() -> None:
    """Simulation: the refresh's measurement on known counts, conditioned on publication."""
    units = [(1, None, "r")]
    counts: dict[int, int] = {}
    rng = random.Random(11)
    for i in range(4):
        units.append((10 + i, 1, f"r/s{i}"))
        for j in range(3):
            units.append((100 + 10 * i + j, 10 + i, f"r/s{i}/c{j}"))
            counts[100 + 10 * i + j] = rng.randint(5, 40)
    heads = {u: 60 for u, _, _ in units}
    heads[1] = 1200
    for i in range(4):
        heads[10 + i] = 400
    nodes = plan.build_nodes(units, 1, heads)
    policy = PrivacyPolicy(participation_epsilon=1.0, epsilon_per_wave=4.0)
    refresh = participation.refresh_plan(policy, nodes, participation.refresh_budget(policy, 2))
    sizes = [sum(1 for n in nodes if n.level == b.level) for b in refresh.blocks]
    measurement = mechanisms.release_measurement(refresh.blocks, sizes, "gaussian")
    data = participation.level_vectors(refresh, counts)
    # The true number of responses per unit: its own and its descendants'.
    truth: dict[int, int] = {u: 0 for u, _, _ in units}
    for unit_id, count in counts.items():
        while unit_id:
            truth[unit_id] += count
            unit_id = next((p for u, p, _ in units if u == unit_id), None) or 0
    assert truth[1] == sum(counts.values())
    covered = published = 0
    for _ in range(400):
        noisy = mechanisms.measure(measurement, data)
        for unit_id, value, se, shown, _ in participation.estimate_rows(refresh, noisy, policy):
            if shown:
                published += 1
                covered += abs(value - truth[unit_id]) <= estimates.Z95 * se
    # Some units are published (root and stations at this budget), and those cover 95% +- 2%.
    assert published >= 400 * 5
    assert 0.93 <= covered / published <= 0.97


def _as(client: TestClient[Any], seed: Any, role: str, unit: Any = None) -> None:
    async def token(conn: Any) -> str:
        staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
        return await make_token(conn, staff, client.app.state.secret_key, scopes=("read",))

    client.headers["Authorization"] = "Bearer " + seed(token)


def _refreshed_wave(seed: Any, **policy: Any) -> tuple[int, list[Any]]:
    async def make(conn: Any) -> tuple[int, list[Any]]:
        _, wave_id, units = await _answered(conn, **policy)
        assert await participation.refresh_wave(conn, wave_id, OPENED + timedelta(days=1))
        return wave_id, units

    result: tuple[int, list[Any]] = seed(make)
    return result


def test_a_leader_sees_the_estimate_of_their_subtree_only(
    client: TestClient[Any], seed: Any
) -> None:
    wave_id, units = _refreshed_wave(seed, participation_epsilon=1.0)
    _as(client, seed, "leader", units[1])
    answer = client.get(f"/api/v1/waves/{wave_id}/participation")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["refreshes"] == 1 and not body["superseded"]
    paths = [u["path"] for u in body["units"]]
    assert paths and all(p.startswith(units[1]["path"]) for p in paths)
    for unit in body["units"]:
        if unit["published"]:
            assert unit["rate_lower"] <= unit["rate"] <= unit["rate_upper"]
        else:
            assert unit["responses"] is None and unit["rate"] is None


def test_a_wave_outside_the_leaders_scope_is_not_found(client: TestClient[Any], seed: Any) -> None:
    wave_id, _ = _refreshed_wave(seed)

    async def elsewhere(conn: Any) -> Any:
        from tests.factories import make_unit

        return await make_unit(conn, slug="elsewhere-org")

    _as(client, seed, "leader", seed(elsewhere))
    answer = client.get(f"/api/v1/waves/{wave_id}/participation")
    assert answer.status_code == 404
    assert answer.json()["type"].endswith("/wave-not-found")
    assert client.get("/api/v1/waves/987654/participation").status_code == 404


def test_a_researcher_may_not_read_the_estimate(client: TestClient[Any], seed: Any) -> None:
    wave_id, _ = _refreshed_wave(seed)
    _as(client, seed, "researcher")
    assert client.get(f"/api/v1/waves/{wave_id}/participation").status_code == 403


async def test_no_refresh_is_taken_over_the_rolling_year_cap(conn: Any) -> None:
    program_id, wave_id, _ = await _answered(conn)
    # A release of the program's next wave already spent the whole year's cap of 4.
    other = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = 2", program_id
    )
    full = mechanisms.rho_for(4.0, 1e-7)
    await conn.execute(
        "INSERT INTO ledger (program_id, wave_id, mechanism, rho, epsilon, delta, measurement, "
        "at) VALUES ($1, $2, 'gaussian', $3, 4.0, 1e-7, '{}', $4)",
        program_id, other, full, OPENED,
    )  # fmt: skip
    assert not await participation.refresh_wave(conn, wave_id, OPENED + timedelta(days=1))
    assert await _charges(conn, wave_id) == []
    assert await conn.fetchval("SELECT count(*) FROM participation") == 0


def _county() -> list[plan.Node]:
    """A county of 900 people: 3 battalions of 300, each 6 stations of 50."""
    units: list[tuple[int, int | None, str]] = [(1, None, "c")]
    heads = {1: 900}
    for b in range(3):
        units.append((10 + b, 1, f"c/b{b}"))
        heads[10 + b] = 300
        for s in range(6):
            units.append((100 + 10 * b + s, 10 + b, f"c/b{b}/s{s}"))
            heads[100 + 10 * b + s] = 50
    return plan.build_nodes(units, 1, heads)


def _published(policy: PrivacyPolicy, nodes: list[plan.Node]) -> tuple[list[int], set[int]]:
    """The levels a daily refresh over a 14-day window measures, and the units it shows."""
    refresh = participation.refresh_plan(policy, nodes, participation.refresh_budget(policy, 14))
    zeros = [[0] * sum(1 for n in nodes if n.level == b.level) for b in refresh.blocks]
    rows = participation.estimate_rows(refresh, zeros, policy)
    return [b.level for b in refresh.blocks], {unit for unit, _, _, shown, _ in rows if shown}


def test_a_refresh_measures_only_the_levels_where_a_unit_can_pass() -> None:
    """At the demo's participation budget (ε = 1 of a wave of ε ≈ 5.4) an even split over
    the three levels shows only the county; the county and battalions alone show the county
    and every battalion, and the stations, which no split of this budget can show, are not
    measured: they are stored unpublished, with no usable interval."""
    nodes = _county()
    policy = PrivacyPolicy(annual_epsilon_cap=12.0, participation_epsilon=1.0)
    levels, shown = _published(policy, nodes)
    assert levels == [0, 1]
    assert shown == {1, 10, 11, 12}
    refresh = participation.refresh_plan(policy, nodes, participation.refresh_budget(policy, 14))
    zeros = [[0] * sum(1 for n in nodes if n.level == b.level) for b in refresh.blocks]
    for unit, _, std_error, published, _ in participation.estimate_rows(refresh, zeros, policy):
        if unit >= 100:
            assert not published and std_error == float("inf")
    # Every level at the same budget: the county alone.
    even = participation.fixed_plan(policy, nodes, refresh.budget, [0, 1, 2])
    assert participation._shown(even, policy) == 1


def test_every_level_is_measured_when_no_choice_shows_more() -> None:
    """At the default ε = 0.1 no unit of this county can pass the rule, whatever is
    measured: the refresh keeps its even split over every level."""
    levels, shown = _published(PrivacyPolicy(), _county())
    assert levels == [0, 1, 2]
    assert shown == set()


async def test_a_refresh_stores_the_units_it_does_not_measure_unpublished(conn: Any) -> None:
    """Leaves too small for any split of the budget are not measured: the refresh still
    stores a row for each (unpublished, infinite standard error) and shows no value."""
    _, wave_id, units = await _answered(conn, participation_epsilon=1.0, epsilon_per_wave=4.0)
    leaves = [u["unit_id"] for u in units[3:]]
    for unit, heads in [(units[0], 500), (units[1], 250), (units[2], 250)]:
        await conn.execute(
            "UPDATE unit SET headcount = $2 WHERE unit_id = $1", unit["unit_id"], heads
        )
    await conn.execute("UPDATE unit SET headcount = 5 WHERE unit_id = ANY($1)", leaves)
    assert await participation.refresh_wave(conn, wave_id, OPENED + timedelta(days=1))
    measured = await conn.fetchval(
        "SELECT measurement FROM ledger WHERE wave_id = $1 AND kind = 'participation'", wave_id
    )
    levels = {b["level"] for b in measured["blocks"]}
    assert 2 not in levels
    stored = {
        r["unit_id"]: r
        for r in await conn.fetch(
            "SELECT unit_id, std_error, published FROM participation WHERE wave_id = $1", wave_id
        )
    }
    assert set(stored) == {u["unit_id"] for u in units}
    for leaf in leaves:
        assert not stored[leaf]["published"] and stored[leaf]["std_error"] == float("inf")
    assert any(stored[u["unit_id"]]["published"] for u in units[:3])
    report = await participation.participation_report(conn, None, wave_id)
    for unit in report.units:
        if unit.unit_id in leaves:
            assert not unit.published and unit.responses is None
