"""HTTP routes for actions: /api/v1/actions. Leaders (in their subtree) and admins."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from service.actions import service
from service.actions.schemas import Action, ActionCreate, ActionUpdate
from service.auth.guards import SECURITY, require
from service.auth.principal import Principal
from service.db import MAX_ID, Conn
from service.openapi import api_problems

BASE = "/api/v1/actions"
TAGS = ["actions"]
# Researchers read released numbers, not leadership's plans: actions are leaders' own data.
READ = [require(*service.ACTION_ROLES, scope="read")]
WRITE = [require(*service.ACTION_ROLES, scope="write")]

ActionIdParam = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The action's id.")]


@get(BASE, guards=READ, tags=TAGS, security=SECURITY, responses=api_problems(404))
async def list_actions(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Annotated[int, QueryParameter(ge=1, le=MAX_ID, description="The unit's id.")],
    program_id: Annotated[
        int | None,
        QueryParameter(ge=1, le=MAX_ID, description="Only this program's actions."),
    ] = None,
) -> list[Action]:
    """A unit's actions, oldest start first."""
    return await service.list_actions(conn, principal, unit_id, program_id)


@get(f"{BASE}/{{action_id:int}}", guards=READ, tags=TAGS, security=SECURITY,
     responses=api_problems(404))  # fmt: skip
async def get_action(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], action_id: ActionIdParam
) -> Action:
    """One action."""
    return await service.fetch_action(conn, principal, action_id)


@post(BASE, guards=WRITE, tags=TAGS, security=SECURITY, status_code=HTTP_201_CREATED,
      responses=api_problems(404))  # fmt: skip
async def create_action(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    data: JSONBody[ActionCreate],
) -> Action:
    """Record an action for a unit: what was done, from when, and the scales it aims to move
    (scales of the program's instruments)."""
    return await service.record_action(conn, principal, data)


@patch(f"{BASE}/{{action_id:int}}", guards=WRITE, tags=TAGS, security=SECURITY,
       responses=api_problems(404))  # fmt: skip
async def update_action(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    action_id: ActionIdParam,
    data: JSONBody[ActionUpdate],
) -> Action:
    """Change an action's title, description, start date, target scales or owner."""
    return await service.update_action(conn, principal, action_id, data)


@delete(f"{BASE}/{{action_id:int}}", guards=WRITE, tags=TAGS, security=SECURITY,
        status_code=HTTP_204_NO_CONTENT, responses=api_problems(404))  # fmt: skip
async def delete_action(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], action_id: ActionIdParam
) -> None:
    """Delete an action."""
    await service.delete_action(conn, principal, action_id)


routes: list[Any] = [list_actions, get_action, create_action, update_action, delete_action]
