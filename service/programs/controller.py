"""HTTP routes of this capability: /api/v1/programs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_201_CREATED

from service.auth.guards import SECURITY, require
from service.auth.principal import Principal
from service.db import MAX_ID, Conn
from service.programs import service
from service.programs.schemas import Program, ProgramCreate, ProgramUpdate

BASE = "/api/v1/programs"
TAGS = ["programs"]
READ = [require("admin", "leader", "researcher", scope="read")]
WRITE = [require("admin", scope="write")]

ProgramIdParam = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The program's id.")]


@get(BASE, guards=READ, tags=TAGS, security=SECURITY)
async def list_programs(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal]
) -> list[Program]:
    """Programs you may see; leaders see those that cover any unit of their subtree."""
    return await service.list_programs(conn, principal)


@post(BASE, guards=WRITE, tags=TAGS, security=SECURITY, status_code=HTTP_201_CREATED)
async def create_program(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    data: JSONBody[ProgramCreate],
) -> Program:
    """Create a program: the latest version of each instrument is pinned, wave 1 scheduled."""
    return await service.create_program(conn, principal, data, datetime.now(UTC))


@get(f"{BASE}/{{program_id:int}}", guards=READ, tags=TAGS, security=SECURITY)
async def fetch_program(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program_id: ProgramIdParam,
) -> Program:
    """One program."""
    return await service.fetch_program(conn, principal, program_id)


@patch(f"{BASE}/{{program_id:int}}", guards=WRITE, tags=TAGS, security=SECURITY)
async def update_program(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program_id: ProgramIdParam,
    data: JSONBody[ProgramUpdate],
) -> Program:
    """Change a program. Once a wave has opened only name and resources may change (409)."""
    return await service.update_program(conn, principal, program_id, data, datetime.now(UTC))


routes: list[Any] = [list_programs, create_program, fetch_program, update_program]
