from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import pytest

from service import db
from service.invitations import queries
from service.invitations import service as invitations
from service.waves import service as waves
from tests.factories import T0, leaves, wave_of

pytestmark = pytest.mark.anyio


def fake_hash(i: int) -> bytes:
    return hashlib.sha256(f"h{i}".encode()).digest()


async def test_invitations_are_inserted_in_one_statement(conn: Any) -> None:
    units, wave_id = await wave_of(conn)
    ids = [units[1]["unit_id"]] * 3 + [units[2]["unit_id"]] * 2
    inserted = await queries.insert_invitations(
        conn, wave_id, [fake_hash(i) for i in range(5)], ids
    )
    assert inserted == 5
    assert await queries.count_invitations(conn, wave_id) == 5


async def test_target_units_are_the_unit_or_the_leaves_below_it(conn: Any) -> None:
    units, _ = await wave_of(conn, shape=(2, 2))
    root = units[0]
    [itself] = await queries.list_target_units(conn, root["path"], leaves_only=False)
    assert (itself.unit_id, itself.path, itself.name) == (
        root["unit_id"],
        root["path"],
        root["name"],
    )
    below = await queries.list_target_units(conn, root["path"], leaves_only=True)
    assert [u.path for u in below] == sorted(u["path"] for u in leaves(units))


async def test_wave_row_carries_both_modes_and_the_program_root(conn: Any) -> None:
    units, wave_id = await wave_of(conn, mode="open", status="open")
    row = await queries.fetch_wave_for_invitations(conn, wave_id, lock="share")
    assert row is not None
    assert (row.status, row.frozen_mode, row.program_mode) == ("open", "open", "open")
    assert row.root_path == units[0]["path"]
    assert len(row.survey_key) >= 32
    assert await queries.fetch_wave_for_invitations(conn, 999_999_999, lock="update") is None


async def test_deleting_open_links_says_which_units_had_one(conn: Any) -> None:
    units, wave_id = await wave_of(conn, mode="open")
    a, b = units[1]["unit_id"], units[2]["unit_id"]
    await queries.insert_open_links(conn, wave_id, [fake_hash(1)], [a])
    assert await queries.delete_open_links(conn, wave_id, [a, b]) == {a}
    assert await queries.delete_open_links(conn, wave_id, [a, b]) == set()


async def test_a_wave_cannot_close_while_cards_are_being_made(database_url: str) -> None:
    """Card generation holds the wave row, so a close waits for it (and then drops the
    wave's unspent codes, if closing does that) rather than racing it."""
    setup = await db.connect(database_url)
    maker = await db.connect(database_url)
    closer = await db.connect(database_url)
    try:
        units, wave_id = await wave_of(setup, status="open")
        making = maker.transaction()
        await making.start()
        await invitations.generate_cards(maker, None, wave_id, units[-1]["path"], 3)

        async def close() -> None:
            async with closer.transaction():
                await waves.close_wave(closer, None, wave_id, T0)

        closing = asyncio.create_task(close())
        await asyncio.sleep(0.5)
        assert not closing.done()
        await making.commit()
        await asyncio.wait_for(closing, 10)
        status = await setup.fetchval("SELECT status FROM wave WHERE wave_id = $1", wave_id)
        assert status == "closed"
    finally:
        for c in (setup, maker, closer):
            await c.close()
