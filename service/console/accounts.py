"""Console pages for staff accounts and API tokens."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from service.auth import service as auth
from service.auth.principal import ROLES, Principal
from service.auth.schemas import StaffCreate, StaffUpdate, TokenCreate
from service.auth.secrets import generate_password
from service.console import forms
from service.console import service as console
from service.console.forms import Errors
from service.console.page import CONFIRM_MESSAGE, READ, WRITE, Id, redirect, render, utc_now
from service.db import Conn
from service.errors import (
    DuplicateStaff,
    InvalidInput,
    LastAdmin,
    UnitNotFound,
)
from service.units import service as units

# --- staff accounts ----------------------------------------------------------------------


STAFF_FIELDS = ("email", "role", "unit")


async def _staff_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    context.setdefault("values", {"role": "leader"})
    return render(
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
            errors = forms.place(exc, STAFF_FIELDS)
        else:
            return render(request, principal, "staff_created.html", "staff", created=created)
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
    return render(
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
            errors = forms.place(exc, STAFF_FIELDS)
        else:
            return redirect(f"/console/staff/{staff_id}", "staff-updated")
    return await _member_page(request, conn, principal, staff_id, 422, values=values, errors=errors)


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
    form = await request.form()
    if not forms.checked(form, "confirm_password"):
        return await _member_page(
            request, conn, principal, staff_id, 422,
            errors={"confirm_password": CONFIRM_MESSAGE},
        )  # fmt: skip
    password = generate_password()
    await auth.set_password(conn, principal, staff_id, password)
    return render(
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
    return render(
        request,
        principal,
        "tokens.html",
        "tokens",
        status,
        tokens=await auth.list_tokens(conn, principal),
        now=utc_now(),
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
                conn, principal, msgspec.convert(raw, type=TokenCreate), utc_now(), key
            )
        except InvalidInput as exc:
            errors = forms.problem_errors(exc, TOKEN_FIELDS)
        else:
            return render(request, principal, "token_created.html", "tokens", created=created)
    return await _tokens_page(request, conn, principal, 422, values=values, errors=errors)


@get("/console/tokens/{token_id:int}/revoke", **READ)
async def revoke_token_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    token_id: Id,
) -> Template:
    token = await console.fetch_own_token(conn, principal, token_id)
    return render(request, principal, "token_revoke.html", "tokens", token=token)


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
        return render(
            request, principal, "token_revoke.html", "tokens", 422, token=token,
            errors={"confirm": CONFIRM_MESSAGE},
        )  # fmt: skip
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
