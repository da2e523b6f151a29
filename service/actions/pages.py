"""Dashboard pages for actions: a unit's actions with a form to record one, an action's
own page to change or delete it. Plain HTML forms, no JavaScript; problems show beside
the fields they are about."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER

from service.actions import service
from service.actions.schemas import Action, ActionCreate, ActionUpdate
from service.auth.controller import STAFF_HEADERS
from service.auth.guards import require
from service.auth.principal import Principal
from service.console import forms
from service.console.forms import Errors
from service.db import MAX_ID, Conn
from service.errors import DomainError, ProgramNotFound
from service.i18n import gettext
from service.programs.schemas import Program
from service.programs.service import list_programs
from service.scope.rules import in_subtree
from service.units.schemas import Unit
from service.units.service import fetch_unit
from service.web.pages import PAGE_OPT

FIELDS = ("title", "description", "started_on", "scales", "owner", "program_id")
_COMMON: dict[str, Any] = {"opt": PAGE_OPT, "include_in_schema": False,
                           "response_headers": STAFF_HEADERS}  # fmt: skip
READ: dict[str, Any] = {**_COMMON, "guards": [require(*service.ACTION_ROLES, scope="read")]}
WRITE: dict[str, Any] = {
    **_COMMON,
    "guards": [require(*service.ACTION_ROLES, scope="write")],
    "status_code": HTTP_200_OK,
}
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
ProgramParam = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]


async def _programs(conn: Conn, viewer: Principal, unit: Unit) -> list[Program]:
    """The programs the viewer sees that cover the unit."""
    return [p for p in await list_programs(conn, viewer) if in_subtree(unit.path, p.root_unit_path)]


def _pick(programs: list[Program], program_id: int | None) -> Program | None:
    if program_id is None:
        return programs[0] if programs else None
    found = next((p for p in programs if p.program_id == program_id), None)
    if found is None:
        raise ProgramNotFound(
            gettext(
                "There is no program %(id)s covering this unit. Pick one from the list.",
                id=program_id,
            )
        )
    return found


def _values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {n: forms.text(form, n, 4000) for n in FIELDS if n != "scales"}
    values["scales"] = forms.texts(form, "scales")
    return values


def _raw(values: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """The form's values as the API's fields; a date that is not one goes to `errors`."""
    raw: dict[str, Any] = {
        "title": values["title"],
        "description": values["description"],
        "scales": values["scales"],
        "owner": values["owner"] or None,
    }
    try:
        raw["started_on"] = date.fromisoformat(values["started_on"])
    except ValueError:
        errors["started_on"] = gettext("Enter the day the action began, e.g. 2031-02-01.")
    if not values["scales"]:
        errors["scales"] = gettext("Tick at least one scale the action aims to move.")
    return raw


def _place(exc: DomainError | msgspec.ValidationError) -> Errors:
    if isinstance(exc, msgspec.ValidationError):
        return {"title": forms.sentence(forms.friendly(str(exc)))}
    return forms.place(exc, FIELDS, lists=("scales",))


def _field_errors(struct: type[msgspec.Struct], raw: dict[str, Any], errors: Errors) -> Errors:
    checked = forms.check_fields(struct, {k: v for k, v in raw.items() if k not in errors})
    found = forms.errors_of(checked, FIELDS, lists=("scales",))
    return {k: forms.sentence(v) for k, v in found.items()}


async def _list_page(
    conn: Conn, viewer: Principal, unit: Unit, program: Program | None, programs: list[Program],
    status: int = HTTP_200_OK, values: dict[str, Any] | None = None, errors: Errors | None = None,
) -> Template:  # fmt: skip
    actions: list[Action] = []
    scales: list[service.ScaleChoice] = []
    if program is not None:
        actions = await service.list_unit_actions(conn, unit.unit_id, program.program_id)
        scales = await service.program_scales(conn, program)
    names = {s.key: s.name for s in scales}
    return Template(
        template_name="dashboard/actions.html",
        context={
            "viewer": viewer, "unit": unit, "program": program, "programs": programs,
            "actions": actions, "scale_names": names,
            "scale_options": [(s.key, s.name, s.instrument_title) for s in scales],
            "values": values or {"scales": []}, "errors": errors or {},
        },
        status_code=status,
    )  # fmt: skip


@get("/dashboard/units/{unit_id:int}/actions", **READ)
async def actions_page(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
    program: ProgramParam = None,
) -> Template:
    """The unit's actions in one program, and the form to record another."""
    unit = await fetch_unit(conn, principal, unit_id)
    programs = await _programs(conn, principal, unit)
    return await _list_page(conn, principal, unit, _pick(programs, program), programs)


def _unit_link(action: Action) -> str:
    return f"/dashboard/units/{action.unit_id}?program={action.program_id}#actions"


@post("/dashboard/units/{unit_id:int}/actions", **WRITE)
async def record_action(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
) -> Response[Any]:
    unit = await fetch_unit(conn, principal, unit_id)
    programs = await _programs(conn, principal, unit)
    values = _values(await request.form())
    program_id = int(values["program_id"]) if values["program_id"].isdigit() else None
    program = _pick(programs, program_id if program_id and program_id <= MAX_ID else None)
    errors: Errors = {}
    raw = _raw(values, errors)
    errors.update(_field_errors(ActionCreate, raw, errors))
    if program is None:
        errors["form"] = gettext(
            "No survey program covers this unit: there is nothing to measure against."
        )
    if not errors and program is not None:
        try:
            data = msgspec.convert(
                {**raw, "unit_id": unit.unit_id, "program_id": program.program_id}, ActionCreate
            )
            action = await service.record_action(conn, principal, data)
        except (DomainError, msgspec.ValidationError) as exc:
            errors = _place(exc)
        else:
            return Redirect(_unit_link(action), status_code=HTTP_303_SEE_OTHER)
    return await _list_page(conn, principal, unit, program, programs, 422, values, errors)


async def _edit_page(
    conn: Conn, viewer: Principal, action: Action, status: int = HTTP_200_OK,
    values: dict[str, Any] | None = None, errors: Errors | None = None,
) -> Template:  # fmt: skip
    unit = await fetch_unit(conn, viewer, action.unit_id)
    programs = await _programs(conn, viewer, unit)
    program = next((p for p in programs if p.program_id == action.program_id), None)
    scales = await service.program_scales(conn, program) if program is not None else []
    current = {
        "title": action.title, "description": action.description,
        "started_on": action.started_on.isoformat(), "scales": action.scales,
        "owner": action.owner or "",
    }  # fmt: skip
    return Template(
        template_name="dashboard/action.html",
        context={
            "viewer": viewer, "unit": unit, "program": program, "action": action,
            "scale_options": [(s.key, s.name, s.instrument_title) for s in scales],
            "values": values or current, "errors": errors or {},
        },
        status_code=status,
    )  # fmt: skip


@get("/dashboard/actions/{action_id:int}", **READ)
async def action_page(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], action_id: Id
) -> Template:
    """One action, to change or delete."""
    return await _edit_page(conn, principal, await service.fetch_action(conn, principal, action_id))


@post("/dashboard/actions/{action_id:int}", **WRITE)
async def change_action(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    action_id: Id,
) -> Response[Any]:
    action = await service.fetch_action(conn, principal, action_id)
    values = _values(await request.form())
    errors: Errors = {}
    raw = _raw(values, errors)
    errors.update(_field_errors(ActionUpdate, raw, errors))
    if not errors:
        try:
            data = msgspec.convert(raw, ActionUpdate)
            changed = await service.update_action(conn, principal, action_id, data)
        except (DomainError, msgspec.ValidationError) as exc:
            errors = _place(exc)
        else:
            return Redirect(_unit_link(changed), status_code=HTTP_303_SEE_OTHER)
    return await _edit_page(conn, principal, action, 422, values, errors)


@post("/dashboard/actions/{action_id:int}/delete", **WRITE)
async def delete_action(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], action_id: Id
) -> Response[Any]:
    action = await service.fetch_action(conn, principal, action_id)
    await service.delete_action(conn, principal, action_id)
    return Redirect(_unit_link(action), status_code=HTTP_303_SEE_OTHER)


routes: list[Any] = [actions_page, record_action, action_page, change_action, delete_action]
