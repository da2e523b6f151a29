"""HTTP routes of this capability: read the stored instruments."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from service.auth.guards import SECURITY, require
from service.db import Conn
from service.instruments import service
from service.instruments.schemas import VERSION_PATTERN, InstrumentRow, InstrumentSummary

READERS = require("admin", "leader", "researcher", scope="read")


@get(
    "/api/v1/instruments",
    guards=[READERS],
    tags=["instruments"],
    summary="List instruments",
    description="The latest version of every loaded instrument, with its scales.",
    security=SECURITY,
)
async def list_instruments(conn: NamedDependency[Conn]) -> list[InstrumentSummary]:
    return await service.list_instruments(conn)


@get(
    "/api/v1/instruments/{slug:str}",
    guards=[READERS],
    tags=["instruments"],
    summary="Show an instrument",
    description=(
        "The full definition of an instrument: items in answer order, option sets, scales "
        "and bands. The latest version unless `version` names another."
    ),
    security=SECURITY,
)
async def show_instrument(
    conn: NamedDependency[Conn],
    slug: FromPath[str],
    version: Annotated[
        str | None,
        QueryParameter(
            pattern=VERSION_PATTERN,
            description="The first 12 hex digits of the content hash.",
        ),
    ] = None,
) -> InstrumentRow:
    return await service.fetch_instrument(conn, slug, version)


routes: list[Any] = [list_instruments, show_instrument]
