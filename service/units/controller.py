"""HTTP routes for the unit tree: /api/v1/units."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from service.auth.guards import SECURITY, require
from service.auth.principal import Principal
from service.db import MAX_ID, Conn
from service.errors import InvalidCsv
from service.units import service
from service.units.schemas import ImportReport, Unit, UnitCreate, UnitMove, UnitUpdate

BASE = "/api/v1/units"
TAGS = ["units"]
READ = [require("admin", "leader", "researcher", scope="read")]
WRITE = [require("admin", scope="write")]
# 20,000 rows of long paths and names; more than the API's general body limit.
MAX_IMPORT_BYTES = 8 * 1024 * 1024

UnitIdParam = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The unit's id.")]


@get(BASE, guards=READ, tags=TAGS, security=SECURITY)
async def list_units(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    under: Annotated[
        str | None,
        QueryParameter(
            max_length=1000,
            description="Only this unit's subtree: an id, a full path, or a unique slug.",
        ),
    ] = None,
) -> list[Unit]:
    """Units you may see, depth-first by path."""
    return await service.list_units(conn, principal, under)


@get(f"{BASE}/{{unit_id:int}}", guards=READ, tags=TAGS, security=SECURITY)
async def get_unit(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], unit_id: UnitIdParam
) -> Unit:
    """One unit."""
    return await service.fetch_unit(conn, principal, unit_id)


@post(BASE, guards=WRITE, tags=TAGS, security=SECURITY, status_code=HTTP_201_CREATED)
async def create_unit(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], data: JSONBody[UnitCreate]
) -> Unit:
    """Create a unit under `parent` (id, path or unique slug), or a new root."""
    return await service.create_unit(conn, principal, data)


@patch(f"{BASE}/{{unit_id:int}}", guards=WRITE, tags=TAGS, security=SECURITY)
async def update_unit(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: UnitIdParam,
    data: JSONBody[UnitUpdate],
) -> Unit:
    """Change name, headcount or slug; a new slug changes the paths of the whole subtree."""
    return await service.rename_unit(conn, principal, unit_id, data)


@post(
    f"{BASE}/{{unit_id:int}}/move",
    guards=WRITE,
    tags=TAGS,
    security=SECURITY,
    status_code=HTTP_200_OK,
)
async def move_unit(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: UnitIdParam,
    data: JSONBody[UnitMove],
) -> Unit:
    """Move a unit and its subtree under another parent (null: make it a root)."""
    return await service.move_unit(conn, principal, unit_id, data.parent)


@delete(
    f"{BASE}/{{unit_id:int}}",
    guards=WRITE,
    tags=TAGS,
    security=SECURITY,
    status_code=HTTP_204_NO_CONTENT,
)
async def delete_unit(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], unit_id: UnitIdParam
) -> None:
    """Delete a unit that has no children and nothing that depends on it."""
    await service.delete_unit(conn, principal, unit_id)


@post(
    f"{BASE}/import",
    guards=WRITE,
    tags=TAGS,
    security=SECURITY,
    status_code=HTTP_200_OK,
    request_max_body_size=MAX_IMPORT_BYTES,
)
async def import_units(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    request: Request[Any, Any, Any],
    dry_run: Annotated[
        bool,
        QueryParameter(description="Check the file and report what would change; write nothing."),
    ] = False,
) -> ImportReport:
    """Create or update units from a CSV body (`path,name,headcount`), all or nothing."""
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidCsv("Save the file as UTF-8 (CSV UTF-8) and send it again.") from None
    return await service.import_units_csv(conn, principal, text, dry_run=dry_run)


routes: list[Any] = [
    list_units,
    get_unit,
    create_unit,
    update_unit,
    move_unit,
    delete_unit,
    import_units,
]
