"""SQL for invitation cards and open links. Only hashes of codes ever pass through here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import msgspec

from service.db import Conn
from service.db import to_struct as _to
from service.scope.queries import subtree
from service.waves.schemas import Mode, WaveStatus


class InvitationWaveRow(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    seq: int
    status: WaveStatus
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    survey_key: str
    # The mode fixed when the wave opened; None while it is scheduled.
    frozen_mode: Mode | None
    program_id: int
    program_name: str
    program_mode: Mode
    root_path: str


class TargetUnitRow(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: int
    path: str
    name: str
    # The public headcount (0: not set), for cards counted from it.
    headcount: int = 0


_LOCKS = {
    # Blocks the wave's transitions (an UPDATE of its row) until this transaction ends, so no
    # code is added to a wave while it closes; card generations do not block one another.
    "share": "FOR SHARE OF w",
    # Serialises open-link changes of one wave with each other and with its transitions.
    "update": "FOR NO KEY UPDATE OF w",
}


async def fetch_wave_for_invitations(
    conn: Conn, wave_id: int, *, lock: Literal["share", "update"]
) -> InvitationWaveRow | None:
    row = await conn.fetchrow(
        f"""
        SELECT w.wave_id, w.seq, w.status, w.opens_at, w.closes_at, w.closed_at, w.survey_key,
               w.frozen ->> 'mode' AS frozen_mode,
               p.program_id, p.name AS program_name, p.mode AS program_mode,
               u.path AS root_path
        FROM wave w
        JOIN program p ON p.program_id = w.program_id
        JOIN unit u ON u.unit_id = p.root_unit_id
        WHERE w.wave_id = $1
        {_LOCKS[lock]}
        """,  # noqa: S608 - only constant fragments are interpolated
        wave_id,
    )
    return None if row is None else _to(row, InvitationWaveRow)


async def list_target_units(conn: Conn, path: str, *, leaves_only: bool) -> list[TargetUnitRow]:
    """The unit at `path`, or with `leaves_only` every unit without children in its subtree."""
    if not leaves_only:
        rows = await conn.fetch(
            "SELECT unit_id, path, name, headcount FROM unit WHERE path = $1", path
        )
    else:
        rows = await conn.fetch(
            f"""
            SELECT u.unit_id, u.path, u.name, u.headcount
            FROM unit u
            WHERE {subtree("u.path", "$1")}
              AND NOT EXISTS (SELECT 1 FROM unit c WHERE c.parent_id = u.unit_id)
            ORDER BY u.path
            """,  # noqa: S608 - only constant fragments are interpolated
            path,
        )
    return [_to(row, TargetUnitRow) for row in rows]


async def insert_invitations(
    conn: Conn, wave_id: int, code_hashes: Sequence[bytes], unit_ids: Sequence[int]
) -> int:
    """One row per code hash, in one statement; returns how many were inserted."""
    status: str = await conn.execute(
        """
        INSERT INTO invitation (code_hash, wave_id, unit_id)
        SELECT t.code_hash, $2, t.unit_id
        FROM unnest($1::bytea[], $3::bigint[]) AS t (code_hash, unit_id)
        """,
        list(code_hashes),
        wave_id,
        list(unit_ids),
    )
    return int(status.rsplit(" ", 1)[1])


async def count_invitations(conn: Conn, wave_id: int) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM invitation WHERE wave_id = $1", wave_id)
    return count


async def delete_open_links(conn: Conn, wave_id: int, unit_ids: Sequence[int]) -> set[int]:
    """Remove the units' links for this wave; returns the units that had one."""
    rows = await conn.fetch(
        """
        DELETE FROM open_link
        WHERE wave_id = $1 AND unit_id = ANY($2::bigint[])
        RETURNING unit_id
        """,
        wave_id,
        list(unit_ids),
    )
    return {row["unit_id"] for row in rows}


async def insert_open_links(
    conn: Conn, wave_id: int, link_hashes: Sequence[bytes], unit_ids: Sequence[int]
) -> None:
    # The caller holds the wave's row lock, so no other link for these units can appear
    # between its delete and this insert; ON CONFLICT keeps the newest even so.
    await conn.execute(
        """
        INSERT INTO open_link (link_hash, wave_id, unit_id)
        SELECT t.link_hash, $2, t.unit_id
        FROM unnest($1::bytea[], $3::bigint[]) AS t (link_hash, unit_id)
        ON CONFLICT (wave_id, unit_id) DO UPDATE SET link_hash = EXCLUDED.link_hash
        """,
        list(link_hashes),
        wave_id,
        list(unit_ids),
    )
