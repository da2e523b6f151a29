"""The coordinator console: server-rendered pages under /console for administrators.

Every page calls the capability services the API and the command line use, so the rules,
the scope checks and the audit trail are the same whichever door a change comes through.
Pages need no JavaScript. Forms post back with the session's CSRF token (checked by the
guard), are validated on the server and come back with the messages beside the fields and
what was typed kept; a change that worked redirects (POST-redirect-GET) to a page that
says so through a fixed message named in the query string (`?done=unit-moved`).
Destructive actions first show a confirmation page with a required "I understand" box.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from anyio import to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER

from service.auth import service as auth
from service.auth.controller import STAFF_HEADERS
from service.auth.guards import require
from service.auth.principal import ROLES, Principal
from service.auth.schemas import StaffCreate, StaffUpdate, TokenCreate
from service.auth.secrets import generate_password
from service.config import Settings
from service.console import charts, forms, program_form
from service.console import service as console
from service.console.forms import Errors
from service.db import Conn
from service.errors import (
    BudgetExhausted,
    DomainError,
    DuplicateProgram,
    DuplicateStaff,
    DuplicateUnit,
    FieldError,
    InvalidCsv,
    InvalidInput,
    LastAdmin,
    ProgramNotFound,
    UnitCycle,
    UnitInUse,
    UnitNotFound,
    UnitOutOfScope,
    WaveAlreadyReleased,
    WaveClosed,
    WaveNotFound,
    WaveTransitionRefused,
    WrongDistributionMode,
)
from service.invitations import cards
from service.invitations import service as invitations
from service.invitations.schemas import MAX_CARDS_PER_UNIT, CardBatch, OpenLinkBatch
from service.privacy import service as privacy
from service.privacy.planner import PlanReport, plan_program
from service.programs import service as programs
from service.programs.schemas import (
    ProgramCreate,
    ProgramUpdate,
)
from service.units import service as units
from service.units.schemas import UnitCreate, UnitUpdate
from service.waves import service as waves
from service.waves.schemas import Wave
from service.web.pages import PAGE_OPT

MAX_ID = 2**63 - 1
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]

_COMMON: dict[str, Any] = {"opt": PAGE_OPT, "include_in_schema": False}
READ: dict[str, Any] = {
    **_COMMON,
    "guards": [require("admin", scope="read")],
    "response_headers": STAFF_HEADERS,
}
WRITE: dict[str, Any] = {
    **_COMMON,
    "guards": [require("admin", scope="write")],
    "response_headers": STAFF_HEADERS,
    "status_code": HTTP_200_OK,
}
# Downloads set their own headers: the codes must not be kept by any cache or referrer.
DOWNLOAD: dict[str, Any] = {
    **_COMMON,
    "guards": [require("admin", scope="write")],
    "status_code": HTTP_200_OK,
}

SECTIONS = (
    ("overview", "/console", "Overview"),
    ("units", "/console/units", "Units"),
    ("programs", "/console/programs", "Programs"),
    ("waves", "/console/waves", "Waves"),
    ("planner", "/console/planner", "Budget planner"),
    ("cards", "/console/cards", "Invitation cards"),
    ("open-links", "/console/open-links", "Open links"),
    ("links", "/console/links", "Emailed links"),
    ("staff", "/console/staff", "Staff accounts"),
    ("tokens", "/console/tokens", "API tokens"),
    ("ledger", "/console/ledger", "Privacy ledger"),
    ("audit", "/console/audit", "Audit log"),
)

# The only messages a redirect can ask a page to show: nobody can put words in its mouth.
FLASH = {
    "unit-created": "The unit was created.",
    "unit-updated": "The unit was saved.",
    "unit-moved": "The unit was moved.",
    "unit-deleted": "The unit was deleted.",
    "units-imported": (
        "The import was applied: {created} created, {updated} updated, {unchanged} unchanged."
    ),
    "program-created": "The program was created and its first wave is scheduled.",
    "program-updated": "The program was saved.",
    "wave-opened": "The wave is open.",
    "wave-closed": "The wave is closed: its responses were shuffled and spent codes dropped.",
    "wave-released": "The wave was released: leaders and researchers can now see its results.",
    "staff-updated": "The account was saved.",
    "staff-disabled": "The account was disabled: its sessions and tokens no longer work.",
    "staff-enabled": "The account was enabled again. Old sessions and tokens stay revoked.",
    "token-revoked": "The token was revoked.",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
CONFIRM_MESSAGE = "Tick the box to confirm that you understand, then try again."


def _now() -> datetime:
    return datetime.now(UTC)


def _flash(request: Request[Any, Any, Any]) -> str | None:
    message = FLASH.get(request.query_params.get("done") or "")
    if message is None:
        return None

    def count(match: re.Match[str]) -> str:
        raw = request.query_params.get(match.group(1)) or "0"
        return str(int(raw)) if raw.isdigit() and len(raw) < 9 else "0"

    return _PLACEHOLDER.sub(count, message)


def _page(
    request: Request[Any, Any, Any],
    principal: Principal,
    template: str,
    section: str,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    return Template(
        template_name=f"console/{template}",
        context={
            "viewer": principal,
            "section": section,
            "sections": SECTIONS,
            "flash": _flash(request),
            "errors": {},
            "values": {},
            **context,
        },
        status_code=status,
    )


def _to(path: str, done: str | None = None, **counts: int) -> Redirect:
    query = f"?done={done}" if done else ""
    for key, value in counts.items():
        query += f"&{key}={value}"
    return Redirect(path + query, status_code=HTTP_303_SEE_OTHER)


# --- overview ----------------------------------------------------------------------------


@get("/console", **READ)
async def overview(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    every_unit = await units.list_units(conn, principal)
    every_program = await programs.list_programs(conn, principal)
    every_wave = await waves.list_waves(conn, principal)
    staff = await auth.list_staff(conn, principal)
    return _page(
        request,
        principal,
        "overview.html",
        "overview",
        unit_count=len(every_unit),
        program_count=len(every_program),
        staff_count=sum(1 for s in staff if not s.disabled),
        open_waves=[w for w in every_wave if w.status == "open"],
        closed_waves=[w for w in every_wave if w.status == "closed"],
        scheduled_waves=[w for w in every_wave if w.status == "scheduled"],
    )


# --- units -------------------------------------------------------------------------------


UNIT_FIELDS = ("slug", "name", "headcount", "parent")


def _unit_values(form: Any) -> dict[str, str]:
    return {name: forms.text(form, name, 1000) for name in UNIT_FIELDS}


def _unit_problem(exc: DomainError) -> Errors:
    if isinstance(exc, DuplicateUnit):
        return {"slug": exc.detail}
    if isinstance(exc, UnitCycle | UnitNotFound | UnitOutOfScope):
        return {"parent": exc.detail}
    return forms.problem_errors(exc, UNIT_FIELDS)


async def _units_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    listed = await units.list_units(conn, principal)
    return _page(
        request,
        principal,
        "units.html",
        "units",
        status,
        tree=console.unit_tree(listed),
        all_units=listed,
        total_headcount=sum(u.headcount for u in listed if u.parent_id is None),
        **context,
    )


@get("/console/units", **READ)
async def units_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return await _units_page(request, conn, principal, values={"headcount": "0"})


@post("/console/units", **WRITE)
async def create_unit(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Response[Any]:
    form = await request.form()
    values = _unit_values(form)
    errors: Errors = {}
    headcount = forms.number(values["headcount"] or "0", "headcount", errors, whole=True)
    raw: dict[str, Any] = {
        "slug": values["slug"],
        "name": values["name"],
        "headcount": headcount,
        "parent": values["parent"] or None,
    }
    errors.update(
        forms.errors_of(
            forms.check_fields(UnitCreate, {k: v for k, v in raw.items() if k not in errors}),
            UNIT_FIELDS,
        )
    )
    if not errors:
        try:
            data = msgspec.convert(raw, type=UnitCreate)
            unit = await units.create_unit(conn, principal, data)
        except msgspec.ValidationError as exc:
            errors = {"slug": forms.sentence(forms.friendly(str(exc)))}
        except (InvalidInput, DuplicateUnit, UnitNotFound, UnitOutOfScope) as exc:
            errors = _unit_problem(exc)
        else:
            return _to(f"/console/units/{unit.unit_id}", "unit-created")
    return await _units_page(request, conn, principal, 422, values=values, errors=errors)


async def _unit_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    unit_id: int,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    unit = await units.fetch_unit(conn, principal, unit_id)
    subtree = await units.list_units(conn, principal, str(unit.unit_id))
    parent = await units.fetch_unit(conn, principal, unit.parent_id) if unit.parent_id else None
    values = {"name": unit.name, "slug": unit.slug, "headcount": str(unit.headcount)}
    values["parent"] = parent.path if parent else ""
    context["values"] = {**values, **context.get("values", {})}
    return _page(
        request,
        principal,
        "unit.html",
        "units",
        status,
        unit=unit,
        parent=parent,
        children=[u for u in subtree if u.parent_id == unit.unit_id],
        subtree_size=len(subtree),
        **{k: v for k, v in context.items() if k != "values"},
        values=context["values"],
    )


@get("/console/units/{unit_id:int}", **READ)
async def unit_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
) -> Template:
    return await _unit_page(request, conn, principal, unit_id)


@post("/console/units/{unit_id:int}", **WRITE)
async def update_unit(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
) -> Response[Any]:
    await units.fetch_unit(conn, principal, unit_id)
    form = await request.form()
    values = _unit_values(form)
    errors: Errors = {}
    headcount = forms.number(values["headcount"], "headcount", errors, whole=True)
    raw = {"name": values["name"], "slug": values["slug"], "headcount": headcount}
    errors.update(
        forms.errors_of(
            forms.check_fields(UnitUpdate, {k: v for k, v in raw.items() if k not in errors}),
            UNIT_FIELDS,
        )
    )
    if not errors:
        try:
            data = msgspec.convert(raw, type=UnitUpdate)
            await units.rename_unit(conn, principal, unit_id, data)
        except msgspec.ValidationError as exc:
            errors = {"name": forms.sentence(forms.friendly(str(exc)))}
        except (InvalidInput, DuplicateUnit) as exc:
            errors = _unit_problem(exc)
        else:
            return _to(f"/console/units/{unit_id}", "unit-updated")
    values.pop("parent")
    return await _unit_page(request, conn, principal, unit_id, 422, values=values, errors=errors)


@post("/console/units/{unit_id:int}/move", **WRITE)
async def move_unit(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
) -> Response[Any]:
    await units.fetch_unit(conn, principal, unit_id)
    form = await request.form()
    parent = forms.text(form, "parent", 4000)
    try:
        await units.move_unit(conn, principal, unit_id, parent or None)
    except (InvalidInput, DuplicateUnit, UnitCycle, UnitNotFound, UnitOutOfScope) as exc:
        errors = {"parent": exc.detail}
        if isinstance(exc, InvalidInput):
            errors = {"parent": forms.problem_errors(exc, ()).get("form", exc.detail)}
        return await _unit_page(
            request, conn, principal, unit_id, exc.status, values={"parent": parent}, errors=errors
        )
    return _to(f"/console/units/{unit_id}", "unit-moved")


@get("/console/units/{unit_id:int}/delete", **READ)
async def delete_unit_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
) -> Template:
    unit = await units.fetch_unit(conn, principal, unit_id)
    return _page(request, principal, "unit_delete.html", "units", unit=unit, reasons=[])


@post("/console/units/{unit_id:int}/delete", **WRITE)
async def delete_unit(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
) -> Response[Any]:
    unit = await units.fetch_unit(conn, principal, unit_id)
    form = await request.form()
    if not forms.checked(form, "confirm"):
        return _page(
            request,
            principal,
            "unit_delete.html",
            "units",
            422,
            unit=unit,
            reasons=[],
            errors={"confirm": CONFIRM_MESSAGE},
        )
    try:
        await units.delete_unit(conn, principal, unit_id)
    except UnitInUse as exc:
        return _page(
            request,
            principal,
            "unit_delete.html",
            "units",
            exc.status,
            unit=unit,
            refused=exc.detail,
            reasons=exc.extra.get("reasons", []),
        )
    return _to("/console/units", "unit-deleted")


# --- unit import -------------------------------------------------------------------------


async def _read_csv(form: Any) -> str:
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        try:
            return str(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise InvalidCsv(
                "The file is not UTF-8 text. Save it as CSV UTF-8 and choose it again.",
                errors=[FieldError(field="file", message="is not UTF-8 text")],
            ) from None
    value = form.get("csv")
    return value if isinstance(value, str) else ""


@get("/console/units/import", **READ)
async def import_page(
    request: Request[Any, Any, Any], principal: NamedDependency[Principal]
) -> Template:
    return _page(request, principal, "units_import.html", "units", csv_text="", problems=[])


@post("/console/units/import", **WRITE)
async def import_preview(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    """Check the file and show what it would change; nothing is written here."""
    form = await request.form()
    text = ""
    try:
        text = await _read_csv(form)
        if not text.strip():
            return _page(
                request,
                principal,
                "units_import.html",
                "units",
                422,
                csv_text="",
                problems=[],
                errors={"csv": "Choose a CSV file or paste its lines here."},
            )
        report = await units.import_units_csv(conn, principal, text, dry_run=True)
    except InvalidCsv as exc:
        return _page(
            request,
            principal,
            "units_import.html",
            "units",
            exc.status,
            csv_text=text,
            problems=exc.errors or [],
            errors={"csv": exc.detail},
        )
    existing = await units.list_units(conn, principal)
    return _page(
        request,
        principal,
        "units_preview.html",
        "units",
        report=report,
        csv_text=text,
        created=console.import_changes(text, report.created, existing),
        updated=console.import_changes(text, report.updated, existing),
    )


@post("/console/units/import/confirm", **WRITE)
async def import_apply(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Response[Any]:
    form = await request.form()
    text = forms.text(form, "csv", 10_000_000)
    try:
        if not text:
            raise InvalidCsv(
                "There was nothing to import. Choose the file again.",
                errors=[FieldError(field="file", message="is empty")],
            )
        report = await units.import_units_csv(conn, principal, text)
    except InvalidCsv as exc:
        # The tree changed since the preview, or the form was tampered with.
        return _page(
            request,
            principal,
            "units_import.html",
            "units",
            exc.status,
            csv_text=text,
            problems=exc.errors or [],
            errors={"csv": exc.detail},
        )
    return _to(
        "/console/units",
        "units-imported",
        created=len(report.created),
        updated=len(report.updated),
        unchanged=len(report.unchanged),
    )


# --- programs ----------------------------------------------------------------------------


async def _program_form_context(conn: Conn, principal: Principal) -> dict[str, Any]:
    return {
        "instrument_choices": await console.instrument_choices(conn),
        "unit_choices": await units.list_units(conn, principal),
        "modes": program_form.MODES,
        "resource_kinds": program_form.RESOURCE_KINDS,
        "resource_rows": range(program_form.RESOURCE_ROWS),
    }


async def _previews(conn: Conn, slugs: list[str]) -> list[Any]:
    return [
        (row, console.option_labels(row.instrument))
        for row in await console.instrument_previews(conn, slugs)
    ]


@get("/console/programs", **READ)
async def programs_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return _page(
        request,
        principal,
        "programs.html",
        "programs",
        programs=await programs.list_programs(conn, principal),
    )


@get("/console/programs/new", **READ)
async def new_program_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return _page(
        request,
        principal,
        "program_new.html",
        "programs",
        values=program_form.program_values(None),
        previews=[],
        frozen=False,
        **await _program_form_context(conn, principal),
    )


@post("/console/programs/new", **WRITE)
async def create_program(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Response[Any]:
    form = await request.form()
    result = program_form.read_program_form(form, frozen=False)
    previewing = forms.text(form, "action") != "create"
    if not result.errors and not previewing:
        try:
            data = msgspec.convert(result.raw, type=ProgramCreate)
            created = await programs.create_program(conn, principal, data, _now())
        except msgspec.ValidationError as exc:
            result.errors["form"] = forms.sentence(forms.friendly(str(exc)))
        except (InvalidInput, DuplicateProgram, UnitOutOfScope) as exc:
            result.errors.update(program_form.program_problem(exc, result))
        else:
            return _to(f"/console/programs/{created.program_id}", "program-created")
    status = 422 if result.errors else HTTP_200_OK
    return _page(
        request,
        principal,
        "program_new.html",
        "programs",
        status,
        values=result.values,
        errors=result.errors,
        previews=await _previews(conn, result.values["instruments"]) if previewing else [],
        frozen=False,
        **await _program_form_context(conn, principal),
    )


async def _program_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    program_id: int,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    program = await programs.fetch_program(conn, principal, program_id)
    program_waves = await waves.list_waves(conn, principal, program_id)
    first_open = next((w for w in program_waves if w.opened_at is not None), None)
    context.setdefault("values", program_form.program_values(program))
    context.setdefault("previews", [])
    return _page(
        request,
        principal,
        "program.html",
        "programs",
        status,
        program=program,
        waves=program_waves,
        open_in_program=any(w.status == "open" for w in program_waves),
        first_open=first_open,
        frozen=program.frozen,
        **await _program_form_context(conn, principal),
        **context,
    )


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
    previewing = forms.text(form, "action") == "preview"
    if not result.errors and not previewing:
        try:
            data = msgspec.convert(result.raw, type=ProgramUpdate)
            await programs.update_program(conn, principal, program_id, data, _now())
        except msgspec.ValidationError as exc:
            result.errors["form"] = forms.sentence(forms.friendly(str(exc)))
        except DomainError as exc:
            if not isinstance(exc, InvalidInput | DuplicateProgram | UnitOutOfScope):
                # ProgramFrozen: a wave opened since the page was shown.
                result.errors["form"] = exc.detail
            else:
                result.errors.update(program_form.program_problem(exc, result))
        else:
            return _to(f"/console/programs/{program_id}", "program-updated")
    values = {**program_form.program_values(program), **result.values}
    return await _program_page(
        request,
        conn,
        principal,
        program_id,
        422 if result.errors else HTTP_200_OK,
        values=values,
        errors=result.errors,
        previews=await _previews(conn, values.get("instruments", [])) if previewing else [],
    )


# --- waves -------------------------------------------------------------------------------


@get("/console/waves", **READ)
async def waves_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    listing = []
    every_wave = await waves.list_waves(conn, principal)
    for program in await programs.list_programs(conn, principal):
        mine = [w for w in every_wave if w.program_id == program.program_id]
        listing.append((program, mine, any(w.status == "open" for w in mine)))
    return _page(request, principal, "waves.html", "waves", listing=listing)


WAVE_ACTIONS = {
    "open": ("Open", "wave-opened"),
    "close": ("Close", "wave-closed"),
    "release": ("Release", "wave-released"),
}


async def _wave_confirm(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    wave_id: int,
    action: str,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    wave = await waves.fetch_wave(conn, principal, wave_id)
    program = await programs.fetch_program(conn, principal, wave.program_id)
    ledger = await privacy.ledger_report(conn, principal, program.program_id, _now())
    policy = wave.frozen.policy if wave.frozen is not None else program.policy
    return _page(
        request,
        principal,
        "wave_confirm.html",
        "waves",
        status,
        wave=wave,
        program=program,
        action=action,
        verb=WAVE_ACTIONS[action][0],
        ledger=ledger,
        policy=policy,
        **context,
    )


async def _wave_transition(
    request: Request[Any, Any, Any], conn: Conn, principal: Principal, wave_id: int, action: str
) -> Response[Any]:
    wave = await waves.fetch_wave(conn, principal, wave_id)
    form = await request.form()
    if not forms.checked(form, "confirm"):
        return await _wave_confirm(
            request, conn, principal, wave_id, action, 422, errors={"confirm": CONFIRM_MESSAGE}
        )
    now = _now()
    try:
        if action == "open":
            await waves.open_wave(conn, principal, wave_id, now)
        elif action == "close":
            await waves.close_wave(conn, principal, wave_id, now)
        else:
            await privacy.release_wave(conn, principal, wave_id, now)
    except BudgetExhausted as exc:
        return await _wave_confirm(
            request, conn, principal, wave_id, action, exc.status, refused=exc.detail,
            budget=exc.extra,
        )  # fmt: skip
    except (WaveTransitionRefused, WaveAlreadyReleased) as exc:
        return await _wave_confirm(
            request, conn, principal, wave_id, action, exc.status, refused=exc.detail
        )
    return _to(f"/console/programs/{wave.program_id}", WAVE_ACTIONS[action][1])


@get("/console/waves/{wave_id:int}/open", **READ)
async def open_wave_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Template:
    return await _wave_confirm(request, conn, principal, wave_id, "open")


@post("/console/waves/{wave_id:int}/open", **WRITE)
async def open_wave(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Response[Any]:
    return await _wave_transition(request, conn, principal, wave_id, "open")


@get("/console/waves/{wave_id:int}/close", **READ)
async def close_wave_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Template:
    return await _wave_confirm(request, conn, principal, wave_id, "close")


@post("/console/waves/{wave_id:int}/close", **WRITE)
async def close_wave(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Response[Any]:
    return await _wave_transition(request, conn, principal, wave_id, "close")


@get("/console/waves/{wave_id:int}/release", **READ)
async def release_wave_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Template:
    return await _wave_confirm(request, conn, principal, wave_id, "release")


@post("/console/waves/{wave_id:int}/release", **WRITE)
async def release_wave(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Response[Any]:
    return await _wave_transition(request, conn, principal, wave_id, "release")


# --- the budget planner ------------------------------------------------------------------


@get("/console/planner", **READ)
async def planner_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program: Annotated[str | None, QueryParameter(max_length=20)] = None,
    participation: Annotated[str | None, QueryParameter(max_length=20)] = None,
    epsilon: Annotated[str | None, QueryParameter(max_length=20)] = None,
) -> Template:
    """Which units a release could publish, from public headcounts only, before a wave opens."""
    every_program = await programs.list_programs(conn, principal)
    errors: Errors = {}
    chosen = None
    if program:
        if not program.isdigit() or len(program) > 18:
            errors["program"] = "Choose a program from the list."
        else:
            chosen = next((p for p in every_program if p.program_id == int(program)), None)
            if chosen is None:
                errors["program"] = "Choose a program from the list."
    elif every_program:
        chosen = every_program[0]
    values = {
        "program": str(chosen.program_id) if chosen else (program or ""),
        "participation": participation if participation is not None else "60",
        "epsilon": epsilon if epsilon is not None else "",
    }
    share = forms.number(values["participation"], "participation", errors)
    if share is not None and not 0 < share <= 100:
        errors["participation"] = "Enter a percentage above 0 and at most 100."
    eps = forms.number(values["epsilon"], "epsilon", errors) if values["epsilon"] else None
    if eps is not None and not 0 < eps <= 10:
        errors["epsilon"] = "Enter an ε above 0 and at most 10, or leave it empty."
    report: PlanReport | None = None
    if chosen is not None and not errors and share is not None:
        try:
            report = await plan_program(
                conn, principal, chosen.program_id, participation=share / 100, epsilon=eps
            )
        except InvalidInput as exc:
            errors = forms.problem_errors(exc, ("participation", "epsilon"))
    return _page(
        request,
        principal,
        "planner.html",
        "planner",
        422 if errors else HTTP_200_OK,
        programs=every_program,
        program=chosen,
        report=report,
        values=values,
        errors=errors,
    )


# --- invitation cards and open links -----------------------------------------------------


INVITATION_FIELDS = ("wave", "unit", "count", "include_subtree", "format", "paper")


async def _wave_choices(conn: Conn, principal: Principal, mode: str) -> list[tuple[Wave, str]]:
    modes = {p.program_id: p.mode for p in await programs.list_programs(conn, principal)}
    out = []
    for wave in await waves.list_waves(conn, principal):
        if wave.status not in ("scheduled", "open"):
            continue
        wave_mode = wave.frozen.mode if wave.frozen is not None else modes.get(wave.program_id)
        if wave_mode == mode:
            out.append((wave, f"{wave.program_name}: wave {wave.seq} ({wave.status})"))
    return out


async def _invitations_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    kind: str,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    mode = "cards" if kind == "cards" else "open"
    context.setdefault(
        "values", {"count": "40", "format": "pdf", "paper": "a4", "include_subtree": False}
    )
    return _page(
        request,
        principal,
        "invitations.html",
        kind,
        status,
        kind=kind,
        wave_choices=await _wave_choices(conn, principal, mode),
        unit_choices=await units.list_units(conn, principal),
        max_per_unit=MAX_CARDS_PER_UNIT,
        **context,
    )


def _base_url(request: Request[Any, Any, Any]) -> str:
    settings: Settings = request.app.state.settings
    return invitations.public_base_url(settings, f"{request.url.scheme}://{request.url.netloc}")


async def _download(
    request: Request[Any, Any, Any], batch: CardBatch | OpenLinkBatch, fmt: Any, paper: Any
) -> Response[bytes]:
    # As the API does: render off the event loop, inside the request's transaction, so a
    # sheet that fails to render leaves no codes behind. The body is the codes' only copy.
    base_url = _base_url(request)
    content, media_type = await to_thread.run_sync(cards.cards_file, batch, fmt, paper, base_url)
    return Response(
        content,
        status_code=HTTP_200_OK,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{cards.file_name(batch, fmt)}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


async def _invitations_submit(
    request: Request[Any, Any, Any], conn: Conn, principal: Principal, kind: str
) -> Response[Any]:
    form = await request.form()
    values: dict[str, Any] = {
        name: forms.text(form, name, 1000) for name in ("wave", "unit", "count", "format", "paper")
    }
    values["include_subtree"] = forms.checked(form, "include_subtree")
    errors: Errors = {}
    wave_id = int(values["wave"]) if values["wave"].isdigit() and len(values["wave"]) < 19 else 0
    if not wave_id:
        errors["wave"] = "Choose a wave."
    if not values["unit"]:
        errors["unit"] = "Choose a unit."
    count = 1
    if kind == "cards":
        number = forms.number(values["count"], "count", errors, whole=True)
        count = int(number) if number is not None else 0
        if number is not None and not 1 <= count <= MAX_CARDS_PER_UNIT:
            errors["count"] = f"Enter a number of cards from 1 to {MAX_CARDS_PER_UNIT}."
    if values["format"] not in cards.MEDIA_TYPES:
        errors["format"] = "Choose PDF, HTML or CSV."
    if values["paper"] not in ("a4", "letter"):
        errors["paper"] = "Choose A4 or US Letter."
    if not errors:
        try:
            batch: CardBatch | OpenLinkBatch
            if kind == "cards":
                batch = await invitations.generate_cards(
                    conn,
                    principal,
                    wave_id,
                    values["unit"],
                    count,
                    include_subtree=values["include_subtree"],
                )
            else:
                batch = await invitations.create_open_links(
                    conn,
                    principal,
                    wave_id,
                    values["unit"],
                    include_subtree=values["include_subtree"],
                )
        except (WaveNotFound, WaveClosed, WrongDistributionMode) as exc:
            errors["wave"] = exc.detail
        except (UnitNotFound, UnitOutOfScope) as exc:
            errors["unit"] = exc.detail
        except InvalidInput as exc:
            errors = forms.problem_errors(exc, INVITATION_FIELDS)
        else:
            return await _download(request, batch, values["format"], values["paper"])
    return await _invitations_page(
        request, conn, principal, kind, 422, values=values, errors=errors
    )


@get("/console/cards", **READ)
async def cards_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return await _invitations_page(request, conn, principal, "cards")


@post("/console/cards", **DOWNLOAD)
async def cards_download(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Response[Any]:
    response = await _invitations_submit(request, conn, principal, "cards")
    if isinstance(response, Template):
        response.headers.update(STAFF_HEADERS)
    return response


@get("/console/open-links", **READ)
async def open_links_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return await _invitations_page(request, conn, principal, "open-links")


@post("/console/open-links", **DOWNLOAD)
async def open_links_download(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Response[Any]:
    response = await _invitations_submit(request, conn, principal, "open-links")
    if isinstance(response, Template):
        response.headers.update(STAFF_HEADERS)
    return response


# --- staff accounts ----------------------------------------------------------------------


STAFF_FIELDS = ("email", "role", "unit")


def _staff_problem(exc: DomainError) -> Errors:
    if isinstance(exc, DuplicateStaff):
        return {"email": exc.detail}
    if isinstance(exc, UnitNotFound):
        return {"unit": exc.detail}
    if isinstance(exc, LastAdmin):
        return {"role": exc.detail}
    return forms.problem_errors(exc, STAFF_FIELDS)


async def _staff_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    context.setdefault("values", {"role": "leader"})
    return _page(
        request,
        principal,
        "staff.html",
        "staff",
        status,
        staff=await auth.list_staff(conn, principal),
        unit_choices=await units.list_units(conn, principal),
        roles=ROLES,
        **context,
    )


@get("/console/staff", **READ)
async def staff_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return await _staff_page(request, conn, principal)


@post("/console/staff", **WRITE)
async def add_staff(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    form = await request.form()
    values = {name: forms.text(form, name, 1000) for name in STAFF_FIELDS}
    values["email"] = values["email"].lower()
    raw = {"email": values["email"], "role": values["role"], "unit": values["unit"] or None}
    errors = forms.errors_of(forms.check_fields(StaffCreate, raw), STAFF_FIELDS)
    if not errors:
        try:
            created = await auth.add_staff(conn, principal, msgspec.convert(raw, type=StaffCreate))
        except (InvalidInput, DuplicateStaff, UnitNotFound) as exc:
            errors = _staff_problem(exc)
        else:
            return _page(request, principal, "staff_created.html", "staff", created=created)
    return await _staff_page(request, conn, principal, 422, values=values, errors=errors)


async def _member_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    staff_id: int,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    member = await console.fetch_staff(conn, principal, staff_id)
    context.setdefault("values", {"role": member.role, "unit": member.unit_path or ""})
    return _page(
        request,
        principal,
        "staff_member.html",
        "staff",
        status,
        member=member,
        unit_choices=await units.list_units(conn, principal),
        roles=ROLES,
        **context,
    )


@get("/console/staff/{staff_id:int}", **READ)
async def staff_member_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    staff_id: Id,
) -> Template:
    return await _member_page(request, conn, principal, staff_id)


@post("/console/staff/{staff_id:int}", **WRITE)
async def update_staff(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    staff_id: Id,
) -> Response[Any]:
    await console.fetch_staff(conn, principal, staff_id)
    form = await request.form()
    values = {name: forms.text(form, name, 1000) for name in ("role", "unit")}
    raw = {"role": values["role"], "unit": values["unit"] or None}
    errors = forms.errors_of(forms.check_fields(StaffUpdate, raw), STAFF_FIELDS)
    if not errors:
        try:
            await auth.update_staff(
                conn, principal, staff_id, msgspec.convert(raw, type=StaffUpdate)
            )
        except (InvalidInput, UnitNotFound, LastAdmin) as exc:
            errors = _staff_problem(exc)
        else:
            return _to(f"/console/staff/{staff_id}", "staff-updated")
    return await _member_page(request, conn, principal, staff_id, 422, values=values, errors=errors)


@get("/console/staff/{staff_id:int}/disable", **READ)
async def disable_staff_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    staff_id: Id,
) -> Template:
    member = await console.fetch_staff(conn, principal, staff_id)
    return _page(request, principal, "staff_disable.html", "staff", member=member)


@post("/console/staff/{staff_id:int}/disable", **WRITE)
async def disable_staff(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    staff_id: Id,
) -> Response[Any]:
    member = await console.fetch_staff(conn, principal, staff_id)
    form = await request.form()
    errors: Errors = {}
    if not forms.checked(form, "confirm"):
        errors["confirm"] = CONFIRM_MESSAGE
    else:
        try:
            await auth.update_staff(conn, principal, staff_id, StaffUpdate(disabled=True))
        except LastAdmin as exc:
            errors["form"] = exc.detail
        else:
            return _to(f"/console/staff/{staff_id}", "staff-disabled")
    return _page(
        request, principal, "staff_disable.html", "staff", 422 if "confirm" in errors else 409,
        member=member, errors=errors,
    )  # fmt: skip


@post("/console/staff/{staff_id:int}/enable", **WRITE)
async def enable_staff(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], staff_id: Id
) -> Response[Any]:
    await console.fetch_staff(conn, principal, staff_id)
    await auth.update_staff(conn, principal, staff_id, StaffUpdate(disabled=False))
    return _to(f"/console/staff/{staff_id}", "staff-enabled")


@post("/console/staff/{staff_id:int}/password", **WRITE)
async def reset_password(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    staff_id: Id,
) -> Response[Any]:
    """A new generated password, shown once; it also signs the person out everywhere."""
    member = await console.fetch_staff(conn, principal, staff_id)
    form = await request.form()
    if not forms.checked(form, "confirm_password"):
        return await _member_page(
            request, conn, principal, staff_id, 422,
            errors={"confirm_password": CONFIRM_MESSAGE},
        )  # fmt: skip
    password = generate_password()
    await auth.set_password(conn, principal, staff_id, password)
    return _page(
        request, principal, "staff_password.html", "staff", member=member, password=password
    )


# --- API tokens --------------------------------------------------------------------------


TOKEN_FIELDS = ("name", "scopes", "expires_in_days")


async def _tokens_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    context.setdefault("values", {"scopes": ["read"], "expires_in_days": "90"})
    return _page(
        request,
        principal,
        "tokens.html",
        "tokens",
        status,
        tokens=await auth.list_tokens(conn, principal),
        now=_now(),
        **context,
    )


@get("/console/tokens", **READ)
async def tokens_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return await _tokens_page(request, conn, principal)


@post("/console/tokens", **WRITE)
async def create_token(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    form = await request.form()
    values: dict[str, Any] = {
        "name": forms.text(form, "name", 200),
        "scopes": forms.texts(form, "scopes", 10),
        "expires_in_days": forms.text(form, "expires_in_days", 20),
    }
    errors: Errors = {}
    days = forms.number(values["expires_in_days"], "expires_in_days", errors, whole=True)
    if not values["scopes"]:
        errors["scopes"] = "Choose read, write or both."
    raw = {"name": values["name"], "scopes": values["scopes"], "expires_in_days": days}
    problems = forms.check_fields(TokenCreate, {k: v for k, v in raw.items() if k not in errors})
    for problem in forms.errors_of(problems, TOKEN_FIELDS, lists=("scopes",)).items():
        errors.setdefault(*problem)
    if not errors:
        key: bytes = request.app.state.secret_key
        try:
            created = await auth.create_token(
                conn, principal, msgspec.convert(raw, type=TokenCreate), _now(), key
            )
        except InvalidInput as exc:
            errors = forms.problem_errors(exc, TOKEN_FIELDS)
        else:
            return _page(request, principal, "token_created.html", "tokens", created=created)
    return await _tokens_page(request, conn, principal, 422, values=values, errors=errors)


@get("/console/tokens/{token_id:int}/revoke", **READ)
async def revoke_token_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    token_id: Id,
) -> Template:
    token = await console.fetch_own_token(conn, principal, token_id)
    return _page(request, principal, "token_revoke.html", "tokens", token=token)


@post("/console/tokens/{token_id:int}/revoke", **WRITE)
async def revoke_token(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    token_id: Id,
) -> Response[Any]:
    token = await console.fetch_own_token(conn, principal, token_id)
    form = await request.form()
    if not forms.checked(form, "confirm"):
        return _page(
            request, principal, "token_revoke.html", "tokens", 422, token=token,
            errors={"confirm": CONFIRM_MESSAGE},
        )  # fmt: skip
    await auth.revoke_token(conn, principal, token_id)
    return _to("/console/tokens", "token-revoked")


# --- the privacy ledger ------------------------------------------------------------------


@get("/console/ledger", **READ)
async def ledger_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program: Annotated[str | None, QueryParameter(max_length=20)] = None,
) -> Template:
    now = _now()
    every_program = await programs.list_programs(conn, principal)
    summaries = [
        (p, await privacy.ledger_report(conn, principal, p.program_id, now)) for p in every_program
    ]
    chosen = None
    if program and program.isdigit():
        chosen = next((s for s in summaries if s[0].program_id == int(program)), None)
        if chosen is None:
            raise ProgramNotFound(f"There is no program {program}. Choose one from the list.")
    elif summaries:
        chosen = next((s for s in summaries if s[1].entries), summaries[0])
    chart = seqs = None
    in_year: set[int] = set()
    if chosen is not None:
        chosen_program, report = chosen
        chart = charts.ledger_chart(report, chosen_program.policy.delta, now, chosen_program.name)
        in_year = {e.entry_id for e in charts.year_entries(report, now)}
        seqs = {
            w.wave_id: w.seq
            for w in await waves.list_waves(conn, principal, chosen_program.program_id)
        }
    return _page(
        request,
        principal,
        "ledger.html",
        "ledger",
        summaries=summaries,
        chosen=chosen,
        chart=chart,
        seqs=seqs or {},
        in_year=in_year,
    )


# --- the audit log -----------------------------------------------------------------------


@get("/console/audit", **READ)
async def audit_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    page: Annotated[int, QueryParameter(ge=1, le=1_000_000)] = 1,
) -> Template:
    return _page(
        request,
        principal,
        "audit.html",
        "audit",
        log=await console.audit_page(conn, principal, page),
    )


routes: list[Any] = [
    overview,
    units_page,
    create_unit,
    import_page,
    import_preview,
    import_apply,
    unit_page,
    update_unit,
    move_unit,
    delete_unit_page,
    delete_unit,
    programs_page,
    new_program_page,
    create_program,
    program_page,
    update_program,
    waves_page,
    open_wave_page,
    open_wave,
    close_wave_page,
    close_wave,
    release_wave_page,
    release_wave,
    planner_page,
    cards_page,
    cards_download,
    open_links_page,
    open_links_download,
    staff_page,
    add_staff,
    staff_member_page,
    update_staff,
    disable_staff_page,
    disable_staff,
    enable_staff,
    reset_password,
    tokens_page,
    create_token,
    revoke_token_page,
    revoke_token,
    ledger_page,
    audit_page,
]
