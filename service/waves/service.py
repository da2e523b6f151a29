"""Wave rules: scheduling, opening, closing."""

from __future__ import annotations

from datetime import datetime

from service.db import Conn


async def advance_waves(conn: Conn, now: datetime) -> None:
    """Open and close every wave that is due at `now`, and schedule the next waves."""
