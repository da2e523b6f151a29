"""Releasing a wave against the real database: charges, consistency, once only, budget."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

import pytest

from service import db
from service.errors import BudgetExhausted, WaveAlreadyReleased, WaveTransitionRefused
from service.privacy import mechanisms
from service.privacy import service as release
from tests.factories import T0, add_responses, close, open_wave_on, random_answers, wave_items

NOW = T0 + timedelta(days=3)


async def _filled_wave(conn: Any, per_leaf: int = 12, seed: int = 1, **policy: Any) -> Any:
    program_id, wave_id, units = await open_wave_on(conn, **policy)
    items = await wave_items(conn, wave_id)
    rng = random.Random(seed)
    leaves = [u for u in units if u["depth"] == max(x["depth"] for x in units)]
    for leaf in leaves:
        answers = [random_answers(rng, items) for _ in range(per_leaf)]
        await add_responses(conn, wave_id, leaf["unit_id"], answers)
    await close(conn, wave_id)
    return program_id, wave_id, units


async def _rows(conn: Any, wave_id: int) -> dict[tuple[int, str], Any]:
    rows = await conn.fetch("SELECT * FROM release WHERE wave_id = $1", wave_id)
    return {(r["unit_id"], r["statistic"]): r for r in rows}


async def test_a_release_covers_every_unit_and_its_children_add_up(conn: Any) -> None:
    _, wave_id, units = await _filled_wave(conn)
    summary = await release.release_wave(conn, None, wave_id, NOW)
    rows = await _rows(conn, wave_id)
    assert {u for u, s in rows if s == "responses"} == {u["unit_id"] for u in units}
    by_parent: dict[int, list[int]] = {}
    for unit in units:
        if unit["parent_id"] is not None:
            by_parent.setdefault(unit["parent_id"], []).append(unit["unit_id"])
    for parent, children in by_parent.items():
        # No response was filed directly under a parent, so its direct node is pure noise:
        # the children alone add up to the parent within a few noise units.
        total = sum(rows[(c, "responses")]["value"] for c in children)
        assert abs(rows[(parent, "responses")]["value"] - total) < 6 * max(
            rows[(c, "responses")]["std_error"] for c in children
        )
    assert summary.units == len(units)
    assert await conn.fetchval("SELECT status FROM wave WHERE wave_id = $1", wave_id) == "released"


async def test_the_ledger_charge_is_the_sum_of_the_block_privacy_maps(conn: Any) -> None:
    _, wave_id, _ = await _filled_wave(conn)
    await release.release_wave(conn, None, wave_id, NOW)
    wave = await release._fetch_wave(conn, wave_id)
    plan, sizes = await release.build_plan(conn, wave)
    parts = [
        mechanisms._block_measurement(i, b, n, "gaussian").map(1)
        for i, (b, n) in enumerate(zip(plan.blocks, sizes, strict=True))
    ]
    entry = await conn.fetchrow(
        "SELECT rho, epsilon, delta FROM ledger WHERE wave_id = $1", wave_id
    )
    assert entry["rho"] == pytest.approx(sum(parts), abs=1e-9)
    # The plan spends what the policy allows, and OpenDP's conversion says it stays within it:
    # the wave's rho less the default participation estimate's (epsilon 0.1, issue 15).
    wave_rho = mechanisms.rho_for(1.0, 1e-7)
    assert entry["rho"] == pytest.approx(wave_rho - mechanisms.rho_for(0.1, 1e-7), rel=1e-9)
    assert entry["epsilon"] <= 1.0 + 1e-9
    assert entry["delta"] == 1e-7


async def test_a_wave_is_released_once(conn: Any) -> None:
    _, wave_id, _ = await _filled_wave(conn)
    await release.release_wave(conn, None, wave_id, NOW)
    with pytest.raises(WaveAlreadyReleased):
        await release.release_wave(conn, None, wave_id, NOW)
    assert await conn.fetchval("SELECT count(*) FROM ledger WHERE wave_id = $1", wave_id) == 1


async def test_an_open_wave_cannot_be_released(conn: Any) -> None:
    _, wave_id, _ = await open_wave_on(conn)
    with pytest.raises(WaveTransitionRefused):
        await release.release_wave(conn, None, wave_id, NOW)


async def test_concurrent_releases_produce_one_release_and_one_conflict(database_url: str) -> None:
    setup = await db.connect(database_url)
    try:
        _, wave_id, _ = await _filled_wave(setup)
    finally:
        await setup.close()

    async def attempt() -> str:
        conn = await db.connect(database_url)
        try:
            async with conn.transaction():
                await release.release_wave(conn, None, wave_id, NOW)
            return "released"
        except WaveAlreadyReleased:
            return "conflict"
        finally:
            await conn.close()

    outcomes = await asyncio.gather(attempt(), attempt())
    assert sorted(outcomes) == ["conflict", "released"]
    check = await db.connect(database_url)
    try:
        assert await check.fetchval("SELECT count(*) FROM ledger") == 1
    finally:
        await check.close()


async def test_a_release_over_the_annual_cap_is_refused_with_what_is_left(conn: Any) -> None:
    # Under zCDP two waves of epsilon 1 cost about 1.43 together (losses add as rho), so a
    # cap of 1.2 admits one wave and refuses the second.
    program_id, wave_id, _ = await _filled_wave(conn, annual_epsilon_cap=1.2)
    await release.release_wave(conn, None, wave_id, NOW)
    # A second wave of the same program, within the same year.
    await conn.execute(
        "UPDATE wave SET status = 'closed', frozen = (SELECT frozen FROM wave WHERE wave_id = $1),"
        " opened_at = $2, closed_at = $2 WHERE program_id = $3 AND seq = 2",
        wave_id, NOW, program_id,
    )  # fmt: skip
    second = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = 2", program_id
    )
    with pytest.raises(BudgetExhausted) as refused:
        await release.release_wave(conn, None, second, NOW + timedelta(days=90))
    assert 0.0 < refused.value.extra["remaining"] < 1.0
    # A year after the first release, its charge has left the window.
    summary = await release.release_wave(conn, None, second, NOW + timedelta(days=366))
    assert summary.year_epsilon <= 1.0 + 1e-9


async def test_a_wave_with_no_responses_releases_noise_and_publishes_nothing(conn: Any) -> None:
    # Publishing needs a noisy count at least 5.9 standard errors above zero: with no data,
    # that is a 2e-9 chance per unit.
    _, wave_id, units = await open_wave_on(conn)
    await close(conn, wave_id)
    await release.release_wave(conn, None, wave_id, NOW)
    rows = await _rows(conn, wave_id)
    assert {u for u, s in rows if s == "responses"} == {u["unit_id"] for u in units}
    assert not any(r["published"] for r in rows.values())


async def test_a_unit_with_one_response_is_not_published(conn: Any) -> None:
    _, wave_id, units = await open_wave_on(conn)
    items = await wave_items(conn, wave_id)
    leaf = units[-1]
    await add_responses(conn, wave_id, leaf["unit_id"], [random_answers(random.Random(3), items)])
    await close(conn, wave_id)
    await release.release_wave(conn, None, wave_id, NOW)
    rows = await _rows(conn, wave_id)
    assert not rows[(leaf["unit_id"], "responses")]["published"]
    assert not any(r["published"] for (u, _), r in rows.items() if u == leaf["unit_id"])


async def test_open_link_waves_are_marked_unverified_on_every_row(conn: Any) -> None:
    _, wave_id, _ = await open_wave_on(conn)
    await conn.execute(
        "UPDATE wave SET frozen = jsonb_set(frozen, '{mode}', '\"open\"') WHERE wave_id = $1",
        wave_id,
    )
    await close(conn, wave_id)
    await release.release_wave(conn, None, wave_id, NOW)
    assert await conn.fetchval(
        "SELECT bool_and(unverified) FROM release WHERE wave_id = $1", wave_id
    )


async def test_means_are_clamped_to_the_scale_and_say_so(conn: Any) -> None:
    _, wave_id, _ = await _filled_wave(conn, per_leaf=3)
    await release.release_wave(conn, None, wave_id, NOW)
    rows = await conn.fetch(
        "SELECT value, lower, upper FROM release WHERE wave_id = $1 AND statistic LIKE '%:mean'"
        " AND value IS NOT NULL",
        wave_id,
    )
    assert rows
    assert all(1.0 <= r["lower"] <= r["value"] <= r["upper"] <= 5.0 for r in rows)
