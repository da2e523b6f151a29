from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from service.waves import queries
from tests.factories import T0, make_unit, new_program

pytestmark = pytest.mark.anyio


async def test_inserting_a_wave_twice_keeps_the_first(conn: Any) -> None:
    program = await new_program(conn, await make_unit(conn))
    later = T0 + timedelta(days=400)
    assert (
        await queries.insert_wave(conn, program.program_id, 1, later, later + timedelta(days=1))
        is None
    )
    [wave] = await queries.list_waves(conn, [program.program_id])
    assert wave.opens_at == T0


async def test_transitions_apply_only_from_the_expected_status(conn: Any) -> None:
    program = await new_program(conn, await make_unit(conn))
    assert program.next_wave is not None
    wave_id = program.next_wave.wave_id
    assert await queries.update_wave_closed(conn, wave_id, T0) is False
    assert await queries.update_wave_opened(conn, wave_id, T0, T0, {"mode": "cards"}) is True
    assert await queries.update_wave_opened(conn, wave_id, T0, T0, {"mode": "open"}) is False
    assert await queries.update_wave_closed(conn, wave_id, T0 + timedelta(days=1)) is True
    assert await queries.update_wave_closed(conn, wave_id, T0 + timedelta(days=2)) is False
    wave = await queries.fetch_wave(conn, wave_id)
    assert wave is not None
    assert (wave.status, wave.frozen, wave.closed_at) == (
        "closed",
        {"mode": "cards"},
        T0 + timedelta(days=1),
    )


async def test_programs_with_nothing_due_are_not_picked_up(conn: Any) -> None:
    program = await new_program(conn, await make_unit(conn))
    assert program.program_id not in await queries.list_programs_to_advance(
        conn, T0 - timedelta(seconds=1)
    )
    assert program.program_id in await queries.list_programs_to_advance(
        conn, T0 + timedelta(days=30)
    )
