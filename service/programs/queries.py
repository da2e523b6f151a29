"""SQL for programs, their pinned instruments, and the units and instruments they refer to.

The wave table is waves/queries.py's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from service.db import Conn
from service.db import to_struct as _to
from service.scope.queries import program_in_scope, subtree
from service.waves.schemas import Mode

_PROGRAM_COLUMNS = """
    p.program_id, p.name, p.root_unit_id, u.path AS root_unit_path, p.cadence, p.open_window,
    p.mode, p.policy, p.resources, p.run_by, p.starts_at,
    EXISTS (
        SELECT 1 FROM wave w WHERE w.program_id = p.program_id AND w.status <> 'scheduled'
    ) AS frozen
"""


class ProgramRow(msgspec.Struct, frozen=True, kw_only=True):
    program_id: int
    name: str
    root_unit_id: int
    root_unit_path: str
    cadence: str
    open_window: str
    mode: Mode
    policy: dict[str, Any]
    resources: list[dict[str, Any]]
    run_by: dict[str, str] | None
    starts_at: datetime
    # Some wave of the program has left 'scheduled'.
    frozen: bool


class PinnedRow(msgspec.Struct, frozen=True, kw_only=True):
    program_id: int
    position: int
    instrument_id: int
    slug: str
    version: str
    title: str
    # The instrument file's title in each of its languages (a JSON object).
    titles: dict[str, str] | str


class UnitRow(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: int
    path: str
    depth: int


class InstrumentRow(msgspec.Struct, frozen=True, kw_only=True):
    instrument_id: int
    slug: str
    version: str
    title: str


# --- units and instruments a program refers to ------------------------------------------


async def fetch_unit_by_id(conn: Conn, unit_id: int) -> UnitRow | None:
    row = await conn.fetchrow("SELECT unit_id, path, depth FROM unit WHERE unit_id = $1", unit_id)
    return None if row is None else _to(row, UnitRow)


async def count_subtree_levels(conn: Conn, path: str) -> int:
    """How many levels the subtree rooted at `path` has (1 for a unit without children)."""
    levels: int = await conn.fetchval(
        f"""
        SELECT coalesce(max(depth) - min(depth) + 1, 0)
        FROM unit
        WHERE {subtree("path", "$1")}
        """,  # noqa: S608 - only constant fragments are interpolated
        path,
    )
    return levels


async def fetch_latest_instrument(conn: Conn, slug: str) -> InstrumentRow | None:
    row = await conn.fetchrow(
        """
        SELECT instrument_id, slug, version, title
        FROM instrument
        WHERE slug = $1
        ORDER BY loaded_at DESC, instrument_id DESC
        LIMIT 1
        """,
        slug,
    )
    return None if row is None else _to(row, InstrumentRow)


# --- programs ---------------------------------------------------------------------------


async def fetch_program(
    conn: Conn, program_id: int, *, for_update: bool = False
) -> ProgramRow | None:
    """The program; `for_update` locks its row, which serialises every change to its waves."""
    lock = "FOR UPDATE OF p" if for_update else ""
    row = await conn.fetchrow(
        f"""
        SELECT {_PROGRAM_COLUMNS}
        FROM program p JOIN unit u ON u.unit_id = p.root_unit_id
        WHERE p.program_id = $1
        {lock}
        """,  # noqa: S608 - only constant fragments are interpolated
        program_id,
    )
    return None if row is None else _to(row, ProgramRow)


async def list_programs(conn: Conn, scope_path: str | None) -> list[ProgramRow]:
    """Every program, or with `scope_path` those whose root is that unit, one of its
    ancestors, or inside its subtree."""
    rows = await conn.fetch(
        f"""
        SELECT {_PROGRAM_COLUMNS}
        FROM program p JOIN unit u ON u.unit_id = p.root_unit_id
        WHERE {program_in_scope("u.path", "$1")}
        ORDER BY p.program_id
        """,  # noqa: S608 - only constant fragments are interpolated
        scope_path,
    )
    return [_to(row, ProgramRow) for row in rows]


async def fetch_program_id_by_name(conn: Conn, name: str) -> int | None:
    program_id: int | None = await conn.fetchval(
        "SELECT program_id FROM program WHERE name = $1", name
    )
    return program_id


async def insert_program(
    conn: Conn,
    *,
    name: str,
    root_unit_id: int,
    cadence: str,
    open_window: str,
    mode: str,
    policy: dict[str, Any],
    resources: list[dict[str, Any]],
    starts_at: datetime,
    run_by: dict[str, str] | None = None,
) -> int:
    program_id: int = await conn.fetchval(
        """
        INSERT INTO program
            (name, root_unit_id, cadence, open_window, mode, policy, resources, starts_at,
             run_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        RETURNING program_id
        """,
        name,
        root_unit_id,
        cadence,
        open_window,
        mode,
        policy,
        resources,
        starts_at,
        run_by,
    )
    return program_id


async def update_program(
    conn: Conn,
    program_id: int,
    *,
    name: str,
    root_unit_id: int,
    cadence: str,
    open_window: str,
    mode: str,
    policy: dict[str, Any],
    resources: list[dict[str, Any]],
    starts_at: datetime,
    run_by: dict[str, str] | None,
) -> None:
    await conn.execute(
        """
        UPDATE program
        SET name = $2, root_unit_id = $3, cadence = $4, open_window = $5, mode = $6,
            policy = $7, resources = $8, starts_at = $9, run_by = $10
        WHERE program_id = $1
        """,
        program_id,
        name,
        root_unit_id,
        cadence,
        open_window,
        mode,
        policy,
        resources,
        starts_at,
        run_by,
    )


async def list_pinned_instruments(conn: Conn, program_ids: list[int]) -> list[PinnedRow]:
    rows = await conn.fetch(
        """
        SELECT pi.program_id, pi.position, pi.instrument_id, i.slug, i.version, i.title,
               i.body -> 'title' AS titles
        FROM program_instrument pi JOIN instrument i ON i.instrument_id = pi.instrument_id
        WHERE pi.program_id = ANY($1::bigint[])
        ORDER BY pi.program_id, pi.position
        """,
        program_ids,
    )
    return [_to(row, PinnedRow) for row in rows]


async def delete_pinned_instruments(conn: Conn, program_id: int) -> None:
    await conn.execute("DELETE FROM program_instrument WHERE program_id = $1", program_id)


async def insert_pinned_instruments(conn: Conn, program_id: int, instrument_ids: list[int]) -> None:
    await conn.executemany(
        "INSERT INTO program_instrument (program_id, position, instrument_id) VALUES ($1, $2, $3)",
        [(program_id, position, iid) for position, iid in enumerate(instrument_ids, start=1)],
    )
