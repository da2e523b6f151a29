"""Console pages for programs: list, create (with instrument previews) and edit."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from service.auth.principal import Principal
from service.console import forecast, forms, program_form
from service.console import service as console
from service.console.page import READ, WRITE, Id, redirect, render, utc_now
from service.db import Conn
from service.errors import (
    DomainError,
    DuplicateProgram,
    InvalidInput,
)
from service.programs import service as programs
from service.programs.schemas import (
    ProgramCreate,
    ProgramUpdate,
)
from service.waves import calendar

# --- programs ----------------------------------------------------------------------------


@get("/console/programs", **READ)
async def programs_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return render(
        request,
        principal,
        "programs.html",
        "programs",
        programs=await programs.list_programs(conn, principal),
        in_words=calendar.in_words,
    )


@get("/console/programs/new", **READ)
async def new_program_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return render(
        request,
        principal,
        "program_new.html",
        "programs",
        values=program_form.program_values(None),
        previews=[],
        forecast=None,
        frozen=False,
        **await console.program_form_choices(conn, principal),
    )


@post("/console/programs/new", **WRITE)
async def create_program(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Response[Any]:
    form = await request.form()
    result = program_form.read_program_form(form, frozen=False)
    action = forms.text(form, "action")
    # The questionnaire preview; the forecast and "use the planner's shares" only re-render.
    showing = action == "preview"
    if not result.errors and action == "create":
        try:
            data = msgspec.convert(result.raw, type=ProgramCreate)
            created = await programs.create_program(conn, principal, data, utc_now())
        except msgspec.ValidationError as exc:
            result.errors["form"] = forms.sentence(forms.friendly(str(exc)))
        except (InvalidInput, DuplicateProgram) as exc:
            result.errors.update(program_form.program_problem(exc, result))
        else:
            return redirect(f"/console/programs/{created.program_id}", "program-created")
    status = 422 if result.errors else HTTP_200_OK
    return render(
        request,
        principal,
        "program_new.html",
        "programs",
        status,
        values=result.values,
        errors=result.errors,
        previews=await console.previews(conn, result.values["instruments"]) if showing else [],
        forecast=await forecast.form_forecast(conn, principal, result),
        frozen=False,
        **await console.program_form_choices(conn, principal),
    )


async def _program_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    program_id: int,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    page = await console.program_page(conn, principal, program_id)
    context = {"previews": [], "in_words": calendar.in_words, **page, **context}
    return render(request, principal, "program.html", "programs", status, **context)


@get("/console/programs/{program_id:int}", **READ)
async def program_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program_id: Id,
) -> Template:
    return await _program_page(request, conn, principal, program_id)


@post("/console/programs/{program_id:int}", **WRITE)
async def update_program(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program_id: Id,
) -> Response[Any]:
    program = await programs.fetch_program(conn, principal, program_id)
    form = await request.form()
    result = program_form.read_program_form(form, frozen=program.frozen)
    action = forms.text(form, "action")
    showing = action == "preview"
    saving = action not in ("preview", "forecast") and not forms.text(form, "apply_shares")
    if not result.errors and saving:
        try:
            data = msgspec.convert(result.raw, type=ProgramUpdate)
            await programs.update_program(conn, principal, program_id, data, utc_now())
        except msgspec.ValidationError as exc:
            result.errors["form"] = forms.sentence(forms.friendly(str(exc)))
        except DomainError as exc:
            if not isinstance(exc, InvalidInput | DuplicateProgram):
                # ProgramFrozen: a wave opened since the page was shown.
                result.errors["form"] = exc.detail
            else:
                result.errors.update(program_form.program_problem(exc, result))
        else:
            return redirect(f"/console/programs/{program_id}", "program-updated")
    values = {**program_form.program_values(program), **result.values}
    return await _program_page(
        request,
        conn,
        principal,
        program_id,
        422 if result.errors else HTTP_200_OK,
        values=values,
        errors=result.errors,
        previews=await console.previews(conn, values.get("instruments", [])) if showing else [],
        forecast=None if program.frozen else await forecast.form_forecast(conn, principal, result),
    )


routes: list[Any] = [
    programs_page,
    new_program_page,
    create_program,
    program_page,
    update_program,
]
