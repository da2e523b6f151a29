"""The audit trail: one row for every staff action that changes something.

Responders never appear here. `actor` is the principal who acted, or None for the
operator at the command line.
"""

from __future__ import annotations

from typing import Any, Protocol

from service.db import Conn


class Actor(Protocol):
    """What the trail records of who acted (an auth Principal), without importing auth,
    which records its own actions here."""

    @property
    def staff_id(self) -> int: ...

    @property
    def via(self) -> str: ...


async def insert_audit(
    conn: Conn, actor: Actor | None, action: str, subject: dict[str, Any]
) -> None:
    await conn.execute(
        "INSERT INTO audit (staff_id, action, subject) VALUES ($1, $2, $3)",
        actor.staff_id if actor is not None else None,
        action,
        {"via": actor.via if actor is not None else "cli", **subject},
    )
