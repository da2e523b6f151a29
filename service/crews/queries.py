"""SQL for crews' page links: the `crew_share` table. Tokens are stored only as a keyed hash."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from service.db import Conn

_COLUMNS = "share_id, unit_id, program_id, wave_id, created_at, revoked_at"


class Share(msgspec.Struct, frozen=True, kw_only=True):
    share_id: int
    unit_id: int
    program_id: int
    wave_id: int
    created_at: datetime
    revoked_at: datetime | None


def _share(row: asyncpg.Record) -> Share:
    return Share(**{k: row[k] for k in row.keys()})


async def insert_share(
    conn: Conn, token_hash: bytes, unit_id: int, program_id: int, wave_id: int,
    created_by: int | None,
) -> Share:  # fmt: skip
    rows = await conn.fetch(
        f"""
        INSERT INTO crew_share (token_hash, unit_id, program_id, wave_id, created_by)
        VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}
        """,  # noqa: S608
        token_hash, unit_id, program_id, wave_id, created_by,
    )  # fmt: skip
    return _share(rows[0])


async def fetch_share(conn: Conn, share_id: int) -> Share | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM crew_share WHERE share_id = $1",  # noqa: S608
        share_id,
    )
    return None if row is None else _share(row)


async def fetch_active_share(conn: Conn, token_hash: bytes) -> Share | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM crew_share "  # noqa: S608
        "WHERE token_hash = $1 AND revoked_at IS NULL",
        token_hash,
    )
    return None if row is None else _share(row)


async def list_active_shares(conn: Conn, unit_id: int) -> list[Share]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM crew_share "  # noqa: S608
        "WHERE unit_id = $1 AND revoked_at IS NULL ORDER BY share_id",
        unit_id,
    )
    return [_share(r) for r in rows]


async def revoke_share(conn: Conn, share_id: int) -> None:
    await conn.execute(
        "UPDATE crew_share SET revoked_at = now() WHERE share_id = $1 AND revoked_at IS NULL",
        share_id,
    )
