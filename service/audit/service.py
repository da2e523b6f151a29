"""The audit trail: one row for every staff action that changes something.

Responders never appear here. `actor` is the principal who acted, or None for the
operator at the command line (recorded as via "cli"). The SQL is audit/queries.py.
"""

from __future__ import annotations

from typing import Any, Protocol

from service.audit import queries
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
    await queries.insert_audit(
        conn,
        actor.staff_id if actor is not None else None,
        action,
        {"via": actor.via if actor is not None else "cli", **subject},
    )
