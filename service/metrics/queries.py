"""SQL for the gauges /metrics reads at each scrape: totals only, never a row per person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from service.db import Conn
from service.db import to_struct as _to
from service.privacy.schemas import LedgerEntry


class LedgerTotals(msgspec.Struct, frozen=True, kw_only=True):
    n: int
    eps: float
    rho: float


async def count_waves_by_status(conn: Conn) -> dict[str, int]:
    rows = await conn.fetch("SELECT status, count(*) AS n FROM wave GROUP BY status")
    return {row["status"]: row["n"] for row in rows}


async def fetch_ledger_totals(conn: Conn) -> LedgerTotals:
    row = await conn.fetchrow(
        "SELECT count(*) AS n, coalesce(sum(epsilon), 0) AS eps, coalesce(sum(rho), 0) AS rho "
        "FROM ledger"
    )
    assert row is not None  # noqa: S101 - an aggregate always returns a row
    totals: LedgerTotals = _to(row, LedgerTotals)
    return totals


async def list_program_policies(conn: Conn) -> list[tuple[int, dict[str, Any] | None]]:
    """Every program's id and stored policy."""
    rows = await conn.fetch("SELECT program_id, policy FROM program")
    return [(row["program_id"], row["policy"]) for row in rows]


async def list_ledger_entries_since(conn: Conn, since: datetime) -> list[LedgerEntry]:
    rows = await conn.fetch(
        "SELECT entry_id, program_id, wave_id, mechanism, rho, epsilon, delta, at FROM ledger "
        "WHERE at > $1",
        since,
    )
    return [LedgerEntry(**dict(row)) for row in rows]
