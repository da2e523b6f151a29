"""SQL the console needs that no capability offers: the audit trail, read back in pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from service.db import Conn


class AuditRow(msgspec.Struct, frozen=True, kw_only=True):
    entry_id: int
    staff_id: int | None
    email: str | None
    action: str
    subject: dict[str, Any]
    at: datetime


async def list_audit(conn: Conn, limit: int, offset: int) -> list[AuditRow]:
    """The newest entries first."""
    rows = await conn.fetch(
        """
        SELECT a.entry_id, a.staff_id, s.email, a.action, a.subject, a.at
        FROM audit a LEFT JOIN staff s ON s.staff_id = a.staff_id
        ORDER BY a.entry_id DESC
        LIMIT $1 OFFSET $2
        """,
        limit,
        offset,
    )
    return [msgspec.convert(dict(row), type=AuditRow) for row in rows]


async def count_audit(conn: Conn) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM audit")
    return count
