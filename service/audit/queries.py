"""SQL for the audit trail."""

from __future__ import annotations

from typing import Any

from service.db import Conn


async def insert_audit(
    conn: Conn, staff_id: int | None, action: str, subject: dict[str, Any]
) -> None:
    await conn.execute(
        "INSERT INTO audit (staff_id, action, subject) VALUES ($1, $2, $3)",
        staff_id,
        action,
        subject,
    )
