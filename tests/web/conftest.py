"""Programs and waves written with plain SQL, so the page tests need nothing but the schema."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import DEFAULT_POLICY

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


async def insert_program(conn: Any, root: dict[str, Any], name: str) -> dict[str, Any]:
    row = await conn.fetchrow(
        """
        INSERT INTO program (name, root_unit_id, cadence, open_window, mode, policy, starts_at)
        VALUES ($1, $2, 'P3M', 'P14D', 'cards', $3, $4)
        RETURNING program_id, name
        """,
        name,
        root["unit_id"],
        DEFAULT_POLICY,
        START,
    )
    return dict(row)


async def insert_wave(
    conn: Any, program: dict[str, Any], seq: int, status: str = "scheduled"
) -> dict[str, Any]:
    opens = START + timedelta(days=91 * (seq - 1))
    frozen = None
    if status != "scheduled":
        frozen = {"mode": "cards", "policy": DEFAULT_POLICY, "instruments": []}
    row = await conn.fetchrow(
        """
        INSERT INTO wave (program_id, seq, opens_at, closes_at, status, frozen)
        VALUES ($1, $2, $3, $4, $5, $6)
        RETURNING wave_id, seq, status
        """,
        program["program_id"],
        seq,
        opens,
        opens + timedelta(days=14),
        status,
        frozen,
    )
    return dict(row)


@pytest.fixture
def program_rows() -> Callable[[Any, dict[str, Any], str], Awaitable[dict[str, Any]]]:
    return insert_program


@pytest.fixture
def wave_rows() -> Callable[..., Awaitable[dict[str, Any]]]:
    return insert_wave
