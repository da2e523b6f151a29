"""SQL for staff, sessions and tokens."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from service.db import Conn


async def fetch_session_principal(
    conn: Conn, session_hash: bytes, now: datetime
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        SELECT s.staff_id, s.email, s.role, s.unit_id, u.path AS unit_path, ss.csrf_token
        FROM staff_session ss
        JOIN staff s ON s.staff_id = ss.staff_id
        LEFT JOIN unit u ON u.unit_id = s.unit_id
        WHERE ss.session_hash = $1
          AND ss.revoked_at IS NULL
          AND ss.expires_at > $2
          AND s.disabled_at IS NULL
        """,
        session_hash,
        now,
    )


async def fetch_token_principal(
    conn: Conn, token_hash: bytes, now: datetime
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        UPDATE api_token t SET last_used_at = $2
        FROM staff s LEFT JOIN unit u ON u.unit_id = s.unit_id
        WHERE t.token_hash = $1
          AND s.staff_id = t.staff_id
          AND t.revoked_at IS NULL
          AND t.expires_at > $2
          AND s.disabled_at IS NULL
        RETURNING s.staff_id, s.email, s.role, s.unit_id, u.path AS unit_path, t.scopes
        """,
        token_hash,
        now,
    )
