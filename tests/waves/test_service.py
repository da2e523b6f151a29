from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service import db, scheduler
from service.errors import ProgramNotFound, WaveNotFound, WaveTransitionRefused
from service.waves import service as waves
from tests.factories import (
    T0,
    add_instrument,
    audit_rows,
    make_staff,
    make_tree,
    make_unit,
    new_program,
    principal_for,
)

# Marked here, not only by the root conftest: anyio then keeps the parametrize ids.
pytestmark = pytest.mark.anyio

JAN31 = datetime(2031, 1, 31, 9, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2031, month, day, hour, 0, tzinfo=UTC)


async def timeline(conn: Any, program_id: int) -> list[tuple[int, str]]:
    return [(w.seq, w.status) for w in await waves.list_waves(conn, None, program_id)]


async def monthly(conn: Any, root: dict[str, Any] | None = None, **overrides: Any) -> Any:
    """Waves on the last day of each month at 09:00 (clamped), open for 7 days."""
    root = root or await make_unit(conn)
    return await new_program(
        conn,
        root,
        cadence="P1M",
        window="P7D",
        starts_at=JAN31.isoformat(),
        **overrides,
    )


# --- on schedule ------------------------------------------------------------------------


async def test_waves_open_and_close_on_schedule_over_months(conn: Any) -> None:
    program = await monthly(conn)
    pid = program.program_id
    steps = [
        (at(1, 20), [(1, "scheduled")]),
        (JAN31 - timedelta(seconds=1), [(1, "scheduled")]),
        (JAN31, [(1, "open"), (2, "scheduled")]),
        (at(2, 7) - timedelta(seconds=1), [(1, "open"), (2, "scheduled")]),
        (at(2, 7), [(1, "closed"), (2, "scheduled")]),
        (at(2, 28, 10), [(1, "closed"), (2, "open"), (3, "scheduled")]),
        (at(3, 8), [(1, "closed"), (2, "closed"), (3, "scheduled")]),
        (at(3, 31, 9), [(1, "closed"), (2, "closed"), (3, "open"), (4, "scheduled")]),
    ]
    for now, expected in steps:
        await waves.advance_waves(conn, now)
        assert await timeline(conn, pid) == expected, now
    listed = await waves.list_waves(conn, None, pid)
    assert [w.opens_at for w in listed] == [JAN31, at(2, 28), at(3, 31), at(4, 30)]
    assert listed[0].opened_at == JAN31
    assert listed[0].closed_at == at(2, 7)
    assert listed[0].closes_at == at(2, 7)


async def test_opening_freezes_mode_policy_and_instrument_versions(conn: Any) -> None:
    first = await add_instrument(conn, "stigma")
    program = await monthly(
        conn, instruments=["stigma"], mode="links", policy={"epsilon_per_wave": 0.5}
    )
    await add_instrument(conn, "stigma")  # a newer version loaded later changes nothing
    await waves.advance_waves(conn, JAN31)
    [wave, _next] = await waves.list_waves(conn, None, program.program_id)
    assert wave.frozen is not None
    assert wave.frozen.mode == "links"
    assert wave.frozen.policy == program.policy
    assert [(i.slug, i.version, i.instrument_id) for i in wave.frozen.instruments] == [
        ("stigma", first["version"], first["instrument_id"])
    ]
    rows = await conn.fetch(
        "SELECT position, instrument_id FROM wave_instrument WHERE wave_id = $1", wave.wave_id
    )
    assert [tuple(r) for r in rows] == [(1, first["instrument_id"])]
    assert _next.frozen is None


async def test_advancing_twice_is_the_same_as_once(conn: Any) -> None:
    program = await monthly(conn)
    await waves.advance_waves(conn, at(3, 3))
    once = await waves.list_waves(conn, None, program.program_id)
    audits = await audit_rows(conn, "wave.")
    await waves.advance_waves(conn, at(3, 3))
    assert await waves.list_waves(conn, None, program.program_id) == once
    assert await audit_rows(conn, "wave.") == audits


async def test_a_window_missed_while_down_shows_as_opened_and_closed_at_the_next_tick(
    conn: Any,
) -> None:
    program = await monthly(conn)
    now = at(4, 15)
    await waves.advance_waves(conn, now)
    listed = await waves.list_waves(conn, None, program.program_id)
    assert [(w.seq, w.status) for w in listed] == [
        (1, "closed"),
        (2, "closed"),
        (3, "closed"),
        (4, "scheduled"),
    ]
    # The planned windows stay as they were; the real times say when it happened.
    assert [(w.opens_at, w.closes_at) for w in listed[:3]] == [
        (JAN31, at(2, 7)),
        (at(2, 28), at(3, 7)),
        (at(3, 31), at(4, 7)),
    ]
    assert all(w.opened_at == now and w.closed_at == now for w in listed[:3])
    assert listed[3].opens_at == at(4, 30)
    rows = await audit_rows(conn, "wave.")
    assert [r["action"] for r in rows] == ["wave.opened", "wave.closed"] * 3
    assert all(r["staff_id"] is None for r in rows)
    assert all(r["subject"]["by"] == "schedule" and r["subject"]["missed"] for r in rows)


async def test_after_downtime_the_current_wave_opens_and_missed_ones_close(conn: Any) -> None:
    program = await monthly(conn)
    await waves.advance_waves(conn, at(3, 3))
    assert await timeline(conn, program.program_id) == [
        (1, "closed"),
        (2, "open"),
        (3, "scheduled"),
    ]
    rows = await audit_rows(conn, "wave.")
    assert [r["subject"].get("missed", False) for r in rows] == [True, True, False]


async def test_a_program_with_a_past_start_opens_its_first_wave_at_the_next_tick(
    conn: Any,
) -> None:
    program = await new_program(
        conn, await make_unit(conn), starts_at=(T0 - timedelta(days=2)).isoformat()
    )
    await waves.advance_waves(conn, T0)
    assert await timeline(conn, program.program_id) == [(1, "open"), (2, "scheduled")]


# --- several schedulers -----------------------------------------------------------------


async def test_two_concurrent_schedulers_make_no_duplicate_waves_or_transitions(
    database_url: str,
) -> None:
    setup = await db.connect(database_url)
    try:
        program_ids = [(await monthly(setup)).program_id for _ in range(3)]
    finally:
        await setup.close()
    first, second = await db.connect(database_url), await db.connect(database_url)
    try:
        for now in (at(3, 3), at(6, 15), at(6, 15), at(6, 29)):
            await asyncio.gather(waves.advance_waves(first, now), waves.advance_waves(second, now))
        rows = await first.fetch(
            "SELECT program_id, seq, status FROM wave ORDER BY program_id, seq"
        )
        for program_id in program_ids:
            mine = [(r["seq"], r["status"]) for r in rows if r["program_id"] == program_id]
            assert mine == [(n, "closed") for n in range(1, 6)] + [(6, "scheduled")]
        opened = await first.fetch(
            """
            SELECT subject->>'wave_id' AS wave_id, count(*) AS n
            FROM audit WHERE action = 'wave.opened' GROUP BY 1
            """
        )
        assert len(opened) == 5 * len(program_ids)
        assert all(r["n"] == 1 for r in opened)
    finally:
        await first.close()
        await second.close()


async def test_a_scheduler_tick_is_skipped_while_another_instance_holds_the_lock(
    database_url: str,
) -> None:
    holder, runner = await db.connect(database_url), await db.connect(database_url)
    try:
        async with holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock($1)", scheduler.LOCK_KEY)
            assert await scheduler.tick(runner, T0) is False
        assert await scheduler.tick(runner, T0) is True
    finally:
        await holder.close()
        await runner.close()


# --- by hand ----------------------------------------------------------------------------


async def test_opening_early_by_hand_moves_opens_at_and_schedules_the_next(conn: Any) -> None:
    admin = await make_staff(conn)
    program = await monthly(conn)
    assert program.next_wave is not None
    now = at(1, 25)
    wave = await waves.open_wave(conn, principal_for(admin), program.next_wave.wave_id, now)
    assert (wave.status, wave.opens_at, wave.opened_at) == ("open", now, now)
    assert wave.closes_at == at(2, 7)
    assert wave.frozen is not None
    assert await timeline(conn, program.program_id) == [(1, "open"), (2, "scheduled")]
    [row] = await audit_rows(conn, "wave.")
    assert (row["action"], row["staff_id"], row["subject"]["by"]) == (
        "wave.opened",
        admin["staff_id"],
        "hand",
    )
    # The schedule does not drift: wave 2 still opens a month after the planned start.
    assert (await waves.list_waves(conn, None, program.program_id))[1].opens_at == at(2, 28)


async def test_opening_on_time_keeps_the_planned_opens_at(conn: Any) -> None:
    program = await monthly(conn)
    assert program.next_wave is not None
    wave = await waves.open_wave(conn, None, program.next_wave.wave_id, at(2, 1))
    assert (wave.opens_at, wave.opened_at) == (JAN31, at(2, 1))


async def test_closing_early_by_hand_ends_the_window_now(conn: Any) -> None:
    program = await monthly(conn)
    await waves.advance_waves(conn, JAN31)
    [first, second] = await waves.list_waves(conn, None, program.program_id)
    closed = await waves.close_wave(conn, None, first.wave_id, at(2, 3))
    assert (closed.status, closed.closes_at, closed.closed_at) == ("closed", at(2, 3), at(2, 3))
    [row] = await audit_rows(conn, "wave.closed")
    assert row["subject"] == {
        "wave_id": first.wave_id,
        "program_id": program.program_id,
        "seq": 1,
        "by": "hand",
        "via": "cli",
    }
    await waves.advance_waves(conn, at(2, 28))
    assert await timeline(conn, program.program_id) == [
        (1, "closed"),
        (2, "open"),
        (3, "scheduled"),
    ]
    assert (await waves.fetch_wave(conn, None, second.wave_id)).opens_at == at(2, 28)


async def test_a_wave_closed_at_the_instant_it_opened_is_closed(conn: Any) -> None:
    program = await monthly(conn)
    assert program.next_wave is not None
    wave_id = program.next_wave.wave_id
    await waves.open_wave(conn, None, wave_id, at(1, 20))
    closed = await waves.close_wave(conn, None, wave_id, at(1, 20))
    assert closed.status == "closed"
    assert closed.closes_at > closed.opens_at


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("open", "open"),
        ("closed", "open"),
        ("closed", "close"),
        ("scheduled", "close"),
    ],
)
async def test_transitions_out_of_order_are_refused_naming_the_status(
    conn: Any, status: str, action: str
) -> None:
    program = await monthly(conn)
    assert program.next_wave is not None
    wave_id = program.next_wave.wave_id
    if status in ("open", "closed"):
        await waves.open_wave(conn, None, wave_id, at(1, 20))
    if status == "closed":
        await waves.close_wave(conn, None, wave_id, at(1, 21))
    verb = waves.open_wave if action == "open" else waves.close_wave
    with pytest.raises(WaveTransitionRefused) as caught:
        await verb(conn, None, wave_id, at(1, 22))
    assert f"is {status};" in caught.value.detail
    assert caught.value.extra["status_now"] == status
    assert (await waves.fetch_wave(conn, None, wave_id)).status == status


async def test_a_second_wave_cannot_open_while_one_is_open(conn: Any) -> None:
    program = await monthly(conn)
    await waves.advance_waves(conn, JAN31)
    [first, second] = await waves.list_waves(conn, None, program.program_id)
    with pytest.raises(WaveTransitionRefused) as caught:
        await waves.open_wave(conn, None, second.wave_id, at(2, 2))
    assert f"id {first.wave_id}" in caught.value.detail
    assert (await waves.fetch_wave(conn, None, second.wave_id)).status == "scheduled"


async def test_a_wave_whose_window_has_passed_cannot_open_by_hand(conn: Any) -> None:
    program = await monthly(conn)
    assert program.next_wave is not None
    with pytest.raises(WaveTransitionRefused):
        await waves.open_wave(conn, None, program.next_wave.wave_id, at(2, 7))


# --- who sees what ----------------------------------------------------------------------


async def test_leaders_see_only_waves_of_programs_that_cover_their_units(conn: Any) -> None:
    _org, b1, b2 = await make_tree(conn, (2,))
    mine, theirs = await monthly(conn, b1), await monthly(conn, b2)
    leader = principal_for(await make_staff(conn, role="leader", unit=b1))
    seen = {w.program_id for w in await waves.list_waves(conn, leader)}
    assert mine.program_id in seen
    assert theirs.program_id not in seen
    assert theirs.next_wave is not None
    # Outside the scope is the same answer as no such wave or program (issue 12).
    with pytest.raises(WaveNotFound):
        await waves.fetch_wave(conn, leader, theirs.next_wave.wave_id)
    with pytest.raises(ProgramNotFound):
        await waves.list_waves(conn, leader, theirs.program_id)


async def test_a_leader_lists_waves_of_programs_rooted_above_and_below_their_unit(
    conn: Any,
) -> None:
    org, b1, b2, s11, *_ = await make_tree(conn, (2, 2))
    above, below = await monthly(conn, org), await monthly(conn, s11)
    sibling_of_below = await monthly(conn, b2)
    leader = principal_for(await make_staff(conn, role="leader", unit=b1))
    seen = {w.program_id for w in await waves.list_waves(conn, leader)}
    assert {above.program_id, below.program_id} <= seen
    assert sibling_of_below.program_id not in seen
    assert {w.program_id for w in await waves.list_waves(conn, leader, above.program_id)} == {
        above.program_id
    }


async def test_an_unknown_wave_is_not_found(conn: Any) -> None:
    with pytest.raises(WaveNotFound):
        await waves.fetch_wave(conn, None, 987654321)
    with pytest.raises(WaveNotFound):
        await waves.close_wave(conn, None, 987654321, T0)
