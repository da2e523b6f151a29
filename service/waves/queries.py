"""SQL for waves. Every transition is a conditional UPDATE on the current status, so applying
one twice changes nothing the second time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from service.db import Conn
from service.db import to_struct as _to
from service.waves.schemas import WaveStatus

_WAVE_COLUMNS = """
    w.wave_id, w.program_id, p.name AS program_name, w.seq, w.status, w.opens_at, w.closes_at,
    w.opened_at, w.closed_at, w.released_at, w.frozen
"""


class WaveRow(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    program_id: int
    program_name: str
    seq: int
    status: WaveStatus
    opens_at: datetime
    closes_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    released_at: datetime | None
    frozen: dict[str, Any] | None


async def fetch_wave(conn: Conn, wave_id: int) -> WaveRow | None:
    row = await conn.fetchrow(
        f"""
        SELECT {_WAVE_COLUMNS}
        FROM wave w JOIN program p ON p.program_id = w.program_id
        WHERE w.wave_id = $1
        """,  # noqa: S608 - only constant fragments are interpolated
        wave_id,
    )
    return None if row is None else _to(row, WaveRow)


async def list_waves(conn: Conn, program_ids: list[int]) -> list[WaveRow]:
    rows = await conn.fetch(
        f"""
        SELECT {_WAVE_COLUMNS}
        FROM wave w JOIN program p ON p.program_id = w.program_id
        WHERE w.program_id = ANY($1::bigint[])
        ORDER BY w.program_id, w.seq
        """,  # noqa: S608 - only constant fragments are interpolated
        program_ids,
    )
    return [_to(row, WaveRow) for row in rows]


async def fetch_latest_wave(conn: Conn, program_id: int) -> WaveRow | None:
    row = await conn.fetchrow(
        f"""
        SELECT {_WAVE_COLUMNS}
        FROM wave w JOIN program p ON p.program_id = w.program_id
        WHERE w.program_id = $1
        ORDER BY w.seq DESC
        LIMIT 1
        """,  # noqa: S608 - only constant fragments are interpolated
        program_id,
    )
    return None if row is None else _to(row, WaveRow)


async def fetch_open_wave(conn: Conn, program_id: int) -> WaveRow | None:
    row = await conn.fetchrow(
        f"""
        SELECT {_WAVE_COLUMNS}
        FROM wave w JOIN program p ON p.program_id = w.program_id
        WHERE w.program_id = $1 AND w.status = 'open'
        ORDER BY w.seq
        LIMIT 1
        """,  # noqa: S608 - only constant fragments are interpolated
        program_id,
    )
    return None if row is None else _to(row, WaveRow)


async def list_scheduled_waves(conn: Conn, program_id: int) -> list[WaveRow]:
    rows = await conn.fetch(
        f"""
        SELECT {_WAVE_COLUMNS}
        FROM wave w JOIN program p ON p.program_id = w.program_id
        WHERE w.program_id = $1 AND w.status = 'scheduled'
        ORDER BY w.seq
        """,  # noqa: S608 - only constant fragments are interpolated
        program_id,
    )
    return [_to(row, WaveRow) for row in rows]


async def list_programs_to_advance(conn: Conn, now: datetime) -> list[int]:
    """Programs with a wave due to open or close, or without a scheduled next wave.

    Their rows are locked; rows another transaction holds are skipped, so two schedulers
    running at once never work on the same program.
    """
    rows = await conn.fetch(
        """
        SELECT p.program_id
        FROM program p
        WHERE EXISTS (
                SELECT 1 FROM wave w
                WHERE w.program_id = p.program_id
                  AND ((w.status = 'scheduled' AND w.opens_at <= $1)
                       OR (w.status = 'open' AND w.closes_at <= $1))
              )
           OR NOT EXISTS (
                SELECT 1 FROM wave w WHERE w.program_id = p.program_id AND w.status = 'scheduled'
              )
        ORDER BY p.program_id
        FOR UPDATE OF p SKIP LOCKED
        """,
        now,
    )
    return [row["program_id"] for row in rows]


async def insert_wave(
    conn: Conn, program_id: int, seq: int, opens_at: datetime, closes_at: datetime
) -> int | None:
    """The new wave's id, or None when the program already has a wave with this seq."""
    wave_id: int | None = await conn.fetchval(
        """
        INSERT INTO wave (program_id, seq, opens_at, closes_at)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (program_id, seq) DO NOTHING
        RETURNING wave_id
        """,
        program_id,
        seq,
        opens_at,
        closes_at,
    )
    return wave_id


async def update_wave_schedule(
    conn: Conn, wave_id: int, opens_at: datetime, closes_at: datetime
) -> None:
    await conn.execute(
        """
        UPDATE wave SET opens_at = $2, closes_at = $3
        WHERE wave_id = $1 AND status = 'scheduled'
        """,
        wave_id,
        opens_at,
        closes_at,
    )


async def update_wave_opened(
    conn: Conn, wave_id: int, now: datetime, opens_at: datetime, frozen: dict[str, Any]
) -> bool:
    """scheduled -> open; False when the wave was not scheduled (nothing changes then)."""
    done = await conn.fetchval(
        """
        UPDATE wave SET status = 'open', opened_at = $2, opens_at = $3, frozen = $4
        WHERE wave_id = $1 AND status = 'scheduled'
        RETURNING true
        """,
        wave_id,
        now,
        opens_at,
        frozen,
    )
    return bool(done)


async def insert_wave_instruments(conn: Conn, wave_id: int, instrument_ids: list[int]) -> None:
    await conn.executemany(
        "INSERT INTO wave_instrument (wave_id, position, instrument_id) VALUES ($1, $2, $3)",
        [(wave_id, position, iid) for position, iid in enumerate(instrument_ids, start=1)],
    )


async def update_wave_closed(conn: Conn, wave_id: int, now: datetime) -> bool:
    """open -> closed, the window ending no later than `now`; False when it was not open."""
    # The table wants closes_at > opens_at: a wave closed at the instant it opened keeps
    # a window of one microsecond.
    done = await conn.fetchval(
        """
        UPDATE wave
        SET status = 'closed', closed_at = $2,
            closes_at = greatest(least(closes_at, $2), opens_at + interval '1 microsecond')
        WHERE wave_id = $1 AND status = 'open'
        RETURNING true
        """,
        wave_id,
        now,
    )
    return bool(done)
