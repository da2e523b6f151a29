"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import get
from litestar.datastructures import State

from service import migrate
from service.errors import NotReady


class Health(msgspec.Struct):
    status: str


@get("/healthz", exclude_from_auth=True, tags=["health"], sync_to_thread=False)
def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@get("/readyz", tags=["health"])
async def readyz(state: State) -> Health:
    """The database answers and every migration is applied."""
    try:
        async with state.pool.acquire(timeout=2) as conn:
            missing = await migrate.pending(conn)
    except migrate.MigrationError as exc:
        raise NotReady(str(exc)) from None
    except Exception:
        raise NotReady("The database does not answer. Check MUSTER_DATABASE_URL.") from None
    if missing:
        raise NotReady(f"Migrations not applied: {', '.join(missing)}. Run `muster migrate`.")
    return Health(status="ready")


routes: list[Any] = [healthz, readyz]
