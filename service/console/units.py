"""Console pages for the unit tree: list, create, edit, move, delete, CSV import."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from service.auth.principal import Principal
from service.console import forms
from service.console import service as console
from service.console.forms import Input
from service.console.page import READ, WRITE, Id, confirmation, redirect, render
from service.db import Conn
from service.errors import (
    DuplicateUnit,
    FieldError,
    InvalidCsv,
    InvalidInput,
    UnitCycle,
    UnitInUse,
    UnitNotFound,
)
from service.i18n import gettext
from service.units import service as units
from service.units.schemas import UnitCreate, UnitUpdate

# --- units -------------------------------------------------------------------------------


UNIT_FIELDS = ("slug", "name", "headcount", "parent")
UNIT_INPUTS = {"slug": Input(), "name": Input(), "headcount": Input("whole")}
NEW_UNIT_INPUTS = {**UNIT_INPUTS, "headcount": Input("whole", blank=0), "parent": Input(blank=None)}


async def _units_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    page = await console.units_page(conn, principal)
    return render(request, principal, "units.html", "units", status, **page, **context)


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
    form = forms.read(await request.form(), UnitCreate, NEW_UNIT_INPUTS, fallback="slug")
    if form.data is not None:
        try:
            unit = await units.create_unit(conn, principal, form.data)
        except (InvalidInput, DuplicateUnit, UnitNotFound) as exc:
            form.errors = forms.place(exc, UNIT_FIELDS, rename={"unit": "parent"})
        else:
            return redirect(f"/console/units/{unit.unit_id}", "unit-created")
    return await _units_page(request, conn, principal, 422, values=form.values, errors=form.errors)


async def _unit_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    unit_id: int,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    page = await console.unit_page(conn, principal, unit_id)
    page["values"] |= context.pop("values", {})
    return render(request, principal, "unit.html", "units", status, **page, **context)


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
    form = forms.read(await request.form(), UnitUpdate, UNIT_INPUTS, fallback="name")
    if form.data is not None:
        try:
            await units.rename_unit(conn, principal, unit_id, form.data)
        except (InvalidInput, DuplicateUnit) as exc:
            form.errors = forms.place(exc, UNIT_FIELDS, rename={"unit": "parent"})
        else:
            return redirect(f"/console/units/{unit_id}", "unit-updated")
    return await _unit_page(
        request, conn, principal, unit_id, 422, values=form.values, errors=form.errors
    )


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
    except (InvalidInput, DuplicateUnit, UnitCycle, UnitNotFound) as exc:
        errors = {"parent": exc.detail}
        if isinstance(exc, InvalidInput):
            errors = {"parent": forms.problem_errors(exc, ()).get("form", exc.detail)}
        return await _unit_page(
            request, conn, principal, unit_id, exc.status, values={"parent": parent}, errors=errors
        )
    return redirect(f"/console/units/{unit_id}", "unit-moved")


@get("/console/units/{unit_id:int}/delete", **READ)
async def delete_unit_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
) -> Template:
    unit = await units.fetch_unit(conn, principal, unit_id)
    return render(request, principal, "unit_delete.html", "units", unit=unit, reasons=[])


@post("/console/units/{unit_id:int}/delete", **WRITE)
async def delete_unit(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
) -> Response[Any]:
    unit = await units.fetch_unit(conn, principal, unit_id)
    errors = await confirmation(request)
    if errors:
        return render(
            request, principal, "unit_delete.html", "units", 422, unit=unit, reasons=[],
            errors=errors,
        )  # fmt: skip
    try:
        await units.delete_unit(conn, principal, unit_id)
    except UnitInUse as exc:
        return render(
            request, principal, "unit_delete.html", "units", exc.status, unit=unit,
            refused=exc.detail, reasons=exc.extra.get("reasons", []),
        )  # fmt: skip
    return redirect("/console/units", "unit-deleted")


# --- unit import -------------------------------------------------------------------------


async def _read_csv(form: Any) -> str:
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        try:
            return str(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise InvalidCsv(
                gettext("The file is not UTF-8 text. Save it as CSV UTF-8 and choose it again."),
                errors=[FieldError(field="file", message=gettext("is not UTF-8 text"))],
            ) from None
    value = form.get("csv")
    return value if isinstance(value, str) else ""


def _import_form(
    request: Request[Any, Any, Any],
    principal: Principal,
    status: int = HTTP_200_OK,
    text: str = "",
    refused: InvalidCsv | None = None,
    **context: Any,
) -> Template:
    """The import form, with what a refused file got wrong beside it."""
    if refused is not None:
        context.update(problems=refused.errors or [], errors={"csv": refused.detail})
    context.setdefault("problems", [])
    return render(
        request, principal, "units_import.html", "units", status, csv_text=text, **context
    )


@get("/console/units/import", **READ)
async def import_page(
    request: Request[Any, Any, Any], principal: NamedDependency[Principal]
) -> Template:
    return _import_form(request, principal)


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
            errors = {"csv": gettext("Choose a CSV file or paste its lines here.")}
            return _import_form(request, principal, 422, errors=errors)
        page = await console.import_preview(conn, principal, text)
    except InvalidCsv as exc:
        return _import_form(request, principal, exc.status, text, exc)
    return render(request, principal, "units_preview.html", "units", **page)


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
                gettext("There was nothing to import. Choose the file again."),
                errors=[FieldError(field="file", message=gettext("is empty"))],
            )
        report = await units.import_units_csv(conn, principal, text)
    except InvalidCsv as exc:
        # The tree changed since the preview, or the form was tampered with.
        return _import_form(request, principal, exc.status, text, exc)
    return redirect(
        "/console/units",
        "units-imported",
        created=len(report.created),
        updated=len(report.updated),
        unchanged=len(report.unchanged),
    )


routes: list[Any] = [
    units_page,
    create_unit,
    unit_page,
    update_unit,
    move_unit,
    delete_unit_page,
    delete_unit,
    import_page,
    import_preview,
    import_apply,
]
