"""Console pages for staff accounts and API tokens."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from service.auth import service as auth
from service.auth.principal import Principal
from service.auth.schemas import StaffCreate, StaffUpdate, TokenCreate
from service.auth.secrets import generate_password
from service.console import forms
from service.console import service as console
from service.console.forms import Input
from service.console.page import READ, WRITE, Id, confirmation, redirect, render, utc_now
from service.db import Conn
from service.errors import DuplicateStaff, InvalidInput, LastAdmin, UnitNotFound
from service.i18n import N_

# --- staff accounts ----------------------------------------------------------------------


STAFF_INPUTS = {"role": Input(), "unit": Input(blank=None)}
NEW_STAFF_INPUTS = {"email": Input(lower=True), **STAFF_INPUTS}


async def _staff_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    context.setdefault("values", {"role": "leader"})
    page = await console.staff_page(conn, principal)
    return render(request, principal, "staff.html", "staff", status, **page, **context)


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
    form = forms.read(await request.form(), StaffCreate, NEW_STAFF_INPUTS)
    if form.data is not None:
        try:
            created = await auth.add_staff(conn, principal, form.data)
        except (InvalidInput, DuplicateStaff, UnitNotFound) as exc:
            form.errors = forms.place(exc, form.names)
        else:
            return render(request, principal, "staff_created.html", "staff", created=created)
    return await _staff_page(request, conn, principal, 422, values=form.values, errors=form.errors)


async def _member_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    staff_id: int,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    page = await console.member_page(conn, principal, staff_id)
    return render(request, principal, "staff_member.html", "staff", status, **(page | context))


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
    form = forms.read(await request.form(), StaffUpdate, STAFF_INPUTS)
    if form.data is not None:
        try:
            await auth.update_staff(conn, principal, staff_id, form.data)
        except (InvalidInput, UnitNotFound, LastAdmin) as exc:
            form.errors = forms.place(exc, NEW_STAFF_INPUTS)
        else:
            return redirect(f"/console/staff/{staff_id}", "staff-updated")
    return await _member_page(
        request, conn, principal, staff_id, 422, values=form.values, errors=form.errors
    )


@get("/console/staff/{staff_id:int}/disable", **READ)
async def disable_staff_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    staff_id: Id,
) -> Template:
    member = await console.fetch_staff(conn, principal, staff_id)
    return render(request, principal, "staff_disable.html", "staff", member=member)


@post("/console/staff/{staff_id:int}/disable", **WRITE)
async def disable_staff(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    staff_id: Id,
) -> Response[Any]:
    member = await console.fetch_staff(conn, principal, staff_id)
    errors = await confirmation(request)
    if not errors:
        try:
            await auth.update_staff(conn, principal, staff_id, StaffUpdate(disabled=True))
        except LastAdmin as exc:
            errors["form"] = exc.detail
        else:
            return redirect(f"/console/staff/{staff_id}", "staff-disabled")
    return render(
        request, principal, "staff_disable.html", "staff", 422 if "confirm" in errors else 409,
        member=member, errors=errors,
    )  # fmt: skip


@post("/console/staff/{staff_id:int}/enable", **WRITE)
async def enable_staff(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], staff_id: Id
) -> Response[Any]:
    await console.fetch_staff(conn, principal, staff_id)
    await auth.update_staff(conn, principal, staff_id, StaffUpdate(disabled=False))
    return redirect(f"/console/staff/{staff_id}", "staff-enabled")


@post("/console/staff/{staff_id:int}/password", **WRITE)
async def reset_password(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    staff_id: Id,
) -> Response[Any]:
    """A new generated password, shown once; it also signs the person out everywhere."""
    member = await console.fetch_staff(conn, principal, staff_id)
    errors = await confirmation(request, "confirm_password")
    if errors:
        return await _member_page(request, conn, principal, staff_id, 422, errors=errors)
    password = generate_password()
    await auth.set_password(conn, principal, staff_id, password)
    return render(
        request, principal, "staff_password.html", "staff", member=member, password=password
    )


# --- API tokens --------------------------------------------------------------------------


TOKEN_INPUTS = {
    "name": Input(limit=200),
    "scopes": Input("checks", message=N_("Choose read, write or both."), limit=10),
    "expires_in_days": Input("whole", limit=20),
}


async def _tokens_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    context.setdefault("values", {"scopes": ["read"], "expires_in_days": "90"})
    page = await console.tokens_page(conn, principal, utc_now())
    return render(request, principal, "tokens.html", "tokens", status, **page, **context)


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
    form = forms.read(await request.form(), TokenCreate, TOKEN_INPUTS, lists=("scopes",))
    if form.data is not None:
        key: bytes = request.app.state.secret_key
        try:
            created = await auth.create_token(conn, principal, form.data, utc_now(), key)
        except InvalidInput as exc:
            form.errors = forms.problem_errors(exc, form.names)
        else:
            return render(request, principal, "token_created.html", "tokens", created=created)
    return await _tokens_page(request, conn, principal, 422, values=form.values, errors=form.errors)


@get("/console/tokens/{token_id:int}/revoke", **READ)
async def revoke_token_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    token_id: Id,
) -> Template:
    token = await auth.fetch_own_token(conn, principal, token_id)
    return render(request, principal, "token_revoke.html", "tokens", token=token)


@post("/console/tokens/{token_id:int}/revoke", **WRITE)
async def revoke_token(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    token_id: Id,
) -> Response[Any]:
    token = await auth.fetch_own_token(conn, principal, token_id)
    errors = await confirmation(request)
    if errors:
        return render(
            request, principal, "token_revoke.html", "tokens", 422, token=token, errors=errors
        )
    await auth.revoke_token(conn, principal, token_id)
    return redirect("/console/tokens", "token-revoked")


routes: list[Any] = [
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
]
