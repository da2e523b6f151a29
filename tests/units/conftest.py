"""Helpers for unit tests: programs and waves written with plain SQL, the audit trail read back."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from service.db import Conn

_counter = itertools.count(1)


async def add_program(conn: Conn, root: dict[str, Any], *, name: str | None = None) -> int:
    program_id: int = await conn.fetchval(
        """
        INSERT INTO program (name, root_unit_id, cadence, open_window, mode, policy, starts_at)
        VALUES ($1, $2, 'P3M', 'P14D', 'cards', $3, $4)
        RETURNING program_id
        """,
        name or f"Program {next(_counter)}",
        root["unit_id"],
        {"epsilon_per_wave": 1.0, "annual_epsilon_cap": 4.0},
        datetime(2030, 1, 1, tzinfo=UTC),
    )
    return program_id


async def add_wave(conn: Conn, program_id: int, *, status: str = "scheduled") -> int:
    opens = datetime(2030, 1, 1, tzinfo=UTC)
    seq = await conn.fetchval(
        "SELECT coalesce(max(seq), 0) + 1 FROM wave WHERE program_id = $1", program_id
    )
    wave_id: int = await conn.fetchval(
        """
        INSERT INTO wave (program_id, seq, opens_at, closes_at, status, frozen)
        VALUES ($1, $2, $3, $4, $5, $6)
        RETURNING wave_id
        """,
        program_id,
        seq,
        opens,
        opens + timedelta(days=14),
        status,
        None if status == "scheduled" else {"mode": "cards"},
    )
    return wave_id


async def audit_actions(conn: Conn) -> list[str]:
    rows = await conn.fetch("SELECT action FROM audit ORDER BY entry_id")
    return [row["action"] for row in rows]


async def paths(conn: Conn) -> list[str]:
    rows = await conn.fetch("SELECT path FROM unit ORDER BY path")
    return [row["path"] for row in rows]
