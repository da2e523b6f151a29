"""HTTP routes of this capability: /api/v1/waves and /api/v1/programs/{id}/waves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from service.auth.guards import SECURITY, require
from service.auth.principal import Principal
from service.db import MAX_ID, Conn
from service.waves import service
from service.waves.schemas import Wave

BASE = "/api/v1/waves"
TAGS = ["waves"]
READ = [require("admin", "leader", "researcher", scope="read")]
WRITE = [require("admin", scope="write")]

WaveIdParam = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The wave's id.")]
ProgramIdParam = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The program's id.")]


@get(BASE, guards=READ, tags=TAGS, security=SECURITY)
async def list_waves(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program: Annotated[
        int | None,
        QueryParameter(ge=1, le=MAX_ID, description="Only this program's waves."),
    ] = None,
) -> list[Wave]:
    """Waves of the programs you may see, by program and sequence."""
    return await service.list_waves(conn, principal, program)


@get("/api/v1/programs/{program_id:int}/waves", guards=READ, tags=TAGS, security=SECURITY)
async def list_program_waves(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program_id: ProgramIdParam,
) -> list[Wave]:
    """One program's waves, by sequence."""
    return await service.list_waves(conn, principal, program_id)


@get(f"{BASE}/{{wave_id:int}}", guards=READ, tags=TAGS, security=SECURITY)
async def fetch_wave(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], wave_id: WaveIdParam
) -> Wave:
    """One wave."""
    return await service.fetch_wave(conn, principal, wave_id)


@post(
    f"{BASE}/{{wave_id:int}}/open",
    guards=WRITE,
    tags=TAGS,
    security=SECURITY,
    status_code=HTTP_200_OK,
)
async def open_wave(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], wave_id: WaveIdParam
) -> Wave:
    """Open a scheduled wave now; its anonymity and privacy settings are fixed from here on."""
    return await service.open_wave(conn, principal, wave_id, datetime.now(UTC))


@post(
    f"{BASE}/{{wave_id:int}}/close",
    guards=WRITE,
    tags=TAGS,
    security=SECURITY,
    status_code=HTTP_200_OK,
)
async def close_wave(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], wave_id: WaveIdParam
) -> Wave:
    """Close an open wave now; its window ends now if it was planned to end later."""
    return await service.close_wave(conn, principal, wave_id, datetime.now(UTC))


routes: list[Any] = [list_waves, list_program_waves, fetch_wave, open_wave, close_wave]
