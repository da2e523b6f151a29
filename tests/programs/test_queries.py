from __future__ import annotations

from typing import Any

import pytest

from service.programs import queries
from tests.factories import add_instrument, make_unit, new_program

pytestmark = pytest.mark.anyio


async def test_the_latest_instrument_version_is_the_one_loaded_last(conn: Any) -> None:
    await add_instrument(conn, "stigma")
    latest = await add_instrument(conn, "stigma")
    await add_instrument(conn, "other")
    found = await queries.fetch_latest_instrument(conn, "stigma")
    assert found is not None
    assert (found.instrument_id, found.version) == (latest["instrument_id"], latest["version"])
    assert await queries.fetch_latest_instrument(conn, "missing") is None


async def test_scoped_lists_leave_out_siblings_whose_slug_shares_a_prefix(conn: Any) -> None:
    root = await make_unit(conn)
    station = await make_unit(conn, root, slug="station-1")
    shift = await make_unit(conn, station, slug="shift-a")
    lookalike = await make_unit(conn, root, slug="station-10")
    programs = {
        name: (await new_program(conn, unit)).program_id
        for name, unit in [
            ("root", root),
            ("station", station),
            ("shift", shift),
            ("lookalike", lookalike),
        ]
    }
    found = {row.program_id for row in await queries.list_programs(conn, station["path"])}
    assert found == {programs["root"], programs["station"], programs["shift"]}


async def test_subtree_levels_count_from_the_given_unit(conn: Any) -> None:
    root = await make_unit(conn)
    child = await make_unit(conn, root)
    await make_unit(conn, child)
    assert await queries.count_subtree_levels(conn, root["path"]) == 3
    assert await queries.count_subtree_levels(conn, child["path"]) == 2
