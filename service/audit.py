"""The audit trail: one row for every staff action that changes something.

Responders never appear here. `actor` is the principal who acted, or None for the
operator at the command line.
"""

from __future__ import annotations

from typing import Any

from service.auth.principal import Principal
from service.db import Conn


async def insert_audit(
    conn: Conn, actor: Principal | None, action: str, subject: dict[str, Any]
) -> None:
    await conn.execute(
        "INSERT INTO audit (staff_id, action, subject) VALUES ($1, $2, $3)",
        actor.staff_id if actor is not None else None,
        action,
        {"via": actor.via if actor is not None else "cli", **subject},
    )
