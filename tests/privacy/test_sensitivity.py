"""One respondent more or less changes every block by at most its stated sensitivity.

This is what the stability maps in service/privacy/mechanisms.py assert to OpenDP, checked
against the real aggregation pass on random trees and answers, with responses filed at
leaves and directly under inner units.
"""

from __future__ import annotations

import asyncio
import math
import random
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import db
from service.privacy import aggregate
from service.privacy import service as release
from tests.factories import add_responses, close, open_wave_on, random_answers, wave_items


async def _vectors(conn: Any, wave_id: int) -> tuple[Any, list[list[int]]]:
    wave = await release._fetch_wave(conn, wave_id)
    plan, _ = await release.build_plan(conn, wave)
    depth = plan.levels - 1
    aggregation = aggregate.aggregation_for(depth, plan.scales, plan.items)
    records = await aggregate.fetch_aggregates(conn, aggregation, wave_id, wave.root_unit_id)
    return plan, release.vectors_from_rows(plan, records, depth).vectors


def _assert_within_sensitivity(plan: Any, before: list[list[int]], after: list[list[int]]) -> None:
    for block, a, b in zip(plan.blocks, before, after, strict=True):
        diff = [x - y for x, y in zip(a, b, strict=True)]
        l1 = sum(abs(d) for d in diff)
        l2 = math.sqrt(sum(d * d for d in diff))
        assert l1 <= block.sensitivity, (block.name, block.level, diff)
        assert l2 <= block.sensitivity + 1e-9, (block.name, block.level, diff)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    shape=st.sampled_from([(2,), (3,), (2, 2), (1, 3), (2, 1, 2)]),
    seed=st.integers(0, 100_000),
    skip=st.sampled_from([0.0, 0.3, 0.9]),
)
def test_adding_or_removing_one_response_stays_within_every_sensitivity(
    database_url: str, shape: tuple[int, ...], seed: int, skip: float
) -> None:
    async def run() -> None:
        conn = await db.connect(database_url)
        transaction = conn.transaction()
        await transaction.start()
        try:
            rng = random.Random(seed)
            _, wave_id, units = await open_wave_on(conn, shape=shape, histogram_levels=9)
            items = await wave_items(conn, wave_id)
            for unit in units:
                answers = [random_answers(rng, items, skip) for _ in range(rng.randint(0, 4))]
                await add_responses(conn, wave_id, unit["unit_id"], answers)
            await close(conn, wave_id)
            plan, before = await _vectors(conn, wave_id)
            extra = rng.choice(units)
            await add_responses(conn, wave_id, extra["unit_id"], [random_answers(rng, items, skip)])
            _, after = await _vectors(conn, wave_id)
            _assert_within_sensitivity(plan, before, after)
            # And removing one existing response.
            await conn.execute(
                "DELETE FROM response WHERE ctid = (SELECT ctid FROM response WHERE wave_id = $1 "
                "ORDER BY random() LIMIT 1)",
                wave_id,
            )
            _, removed = await _vectors(conn, wave_id)
            _assert_within_sensitivity(plan, after, removed)
        finally:
            await transaction.rollback()
            await conn.close()

    asyncio.run(run())


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_a_stored_answer_outside_the_instruments_bounds_stays_within_every_sensitivity(
    conn: Any, seed: int
) -> None:
    # The database lets any byte through (up to 255); the release clamps it.
    rng = random.Random(seed)
    _, wave_id, units = await open_wave_on(conn, shape=(2, 2), histogram_levels=9)
    items = await wave_items(conn, wave_id)
    for unit in units:
        answers = [random_answers(rng, items, 0.2) for _ in range(rng.randint(0, 3))]
        await add_responses(conn, wave_id, unit["unit_id"], answers)
    await close(conn, wave_id)
    plan, before = await _vectors(conn, wave_id)
    wild = [rng.choice([0, 1, high + 1, 255]) for _, high in items]
    await add_responses(conn, wave_id, rng.choice(units)["unit_id"], [wild])
    _, after = await _vectors(conn, wave_id)
    _assert_within_sensitivity(plan, before, after)


@pytest.mark.parametrize("length", [0, 501], ids=["empty", "too long"])
async def test_a_response_of_no_answer_or_too_many_cannot_be_stored(conn: Any, length: int) -> None:
    _, wave_id, units = await open_wave_on(conn, shape=(1,))
    with pytest.raises(asyncpg.CheckViolationError, match="response_answers_in_range"):
        await add_responses(conn, wave_id, units[1]["unit_id"], [[1] * length])
