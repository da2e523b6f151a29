"""The background task that opens and closes waves on time, releases what is due, and
finishes closes that waited for another transaction.

It orchestrates waves and privacy, so it sits above both (issue 13): waves never imports
privacy.

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

from service import db
from service.db import Conn
from service.errors import CloseWaiting
from service.privacy import participation
from service.privacy import service as privacy
from service.waves import queries, service

log = logging.getLogger("muster")
LOCK_KEY = 0x6D75_7374_7363  # any constant, the same in every instance


async def tick(conn: Conn, now: datetime) -> bool:
    """One round of transitions at `now`; False when another instance is running one.

    The waves it closes are forgotten once it commits (waves.service.forget_wave).
    """
    async with db.transaction(conn):
        if not await queries.try_lock_for_transaction(conn, LOCK_KEY):
            return False
        await service.advance_waves(conn, now)
        await privacy.release_due_waves(conn, now)
        # After the transitions: a wave that closed in this tick is not refreshed.
        await participation.refresh_due_estimates(conn, now)
    return True


async def run(pool: asyncpg.Pool[Any], interval: float) -> None:
    while True:
        try:
            async with pool.acquire() as conn:
                try:
                    await tick(conn, datetime.now(UTC))
                except CloseWaiting as exc:
                    # The wave is closed; its relations wait for another transaction.
                    log.warning("%s", exc.detail)
                # Closes that waited for another transaction (here or by hand) finish here.
                await service.forget_closed_waves(conn)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The next tick tries again; a transient database error must not stop the schedule.
            log.exception("wave scheduler tick failed")
        await asyncio.sleep(interval)
