"""The background task that opens and closes waves on time.

Several service instances may run it at once: each tick takes a transaction-level
advisory lock and skips the tick when another instance holds it, and every transition
is idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import asyncpg

from service.db import Conn
from service.privacy import service as privacy
from service.responses.service import vacuum_responses
from service.waves import service

log = logging.getLogger("muster")
LOCK_KEY = 0x6D75_7374_7363  # any constant, the same in every instance


async def tick(conn: Conn, now: datetime) -> bool:
    """One round of transitions at `now`; False when another instance is running one."""
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", LOCK_KEY):
            return False
        await service.advance_waves(conn, now)
        await privacy.release_due_waves(conn, now)
    return True


async def count_closed(conn: Conn) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM wave WHERE status IN ('closed', 'released')"
    )
    return count


async def run(pool: asyncpg.Pool[Any], interval: float) -> None:
    vacuumed_at = -1
    while True:
        try:
            async with pool.acquire() as conn:
                await tick(conn, datetime.now(UTC))
                closed = await count_closed(conn)
            if closed != vacuumed_at:
                # A wave closed (here, by hand, or in another instance): clear the row
                # versions its scrub replaced (docs/anonymity.md).
                await vacuum_responses(pool)
                vacuumed_at = closed
        except asyncio.CancelledError:
            raise
        except Exception:
            # The next tick tries again; a transient database error must not stop the schedule.
            log.exception("wave scheduler tick failed")
        await asyncio.sleep(interval)
