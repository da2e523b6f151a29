"""The researcher's page (role `researcher`): their own API tokens and the exports.

Plain forms, no JavaScript. A token made here acts as its researcher: it sees the same
units (their unit and below, or the whole organisation) and can only read, so it can never
see more than the researcher. Creating and revoking write audit rows (service/auth).
The coordinator's token page (/console/tokens) stays for administrators.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER

from service.auth import service as auth
from service.auth.controller import STAFF_HEADERS
from service.auth.guards import require
from service.auth.principal import Principal
from service.auth.schemas import TokenCreate
from service.db import MAX_ID, Conn
from service.errors import Forbidden, InvalidInput, field_error
from service.i18n import N_, gettext
from service.invitations.service import public_base_url
from service.research import service
from service.web.pages import PAGE_OPT

BASE = "/research"
TokenId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
_COMMON: dict[str, Any] = {
    "opt": PAGE_OPT,
    "include_in_schema": False,
    "response_headers": STAFF_HEADERS,
}
READ: dict[str, Any] = {**_COMMON, "guards": [require("researcher", scope="read")]}
WRITE: dict[str, Any] = {
    **_COMMON,
    "guards": [require("researcher", scope="write")],
    "status_code": HTTP_200_OK,
}
FLASH = {"token-revoked": N_("The token was revoked: scripts that use it stop working now.")}
CONFIRM_MESSAGE = N_("Tick the box to confirm that the token stops working, then try again.")
DEFAULT_DAYS = 90


def utc_now() -> datetime:
    return datetime.now(UTC)


def _flash(done: str | None) -> str | None:
    message = FLASH.get(done or "")
    return gettext(message) if message else None


def _render(
    request: Request[Any, Any, Any],
    principal: Principal,
    template: str,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    return Template(
        template_name=f"research/{template}",
        context={
            "viewer": principal,
            "flash": _flash(request.query_params.get("done")),
            "errors": {},
            "values": {},
            **context,
        },
        status_code=status,
    )


async def _page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    context.setdefault("values", {"name": "", "expires_in_days": str(DEFAULT_DAYS)})
    exports = await service.list_exports(conn, principal)
    base_url = public_base_url(request.app.state.settings, str(request.base_url))
    program_id = exports[0].program.program_id if exports else 1
    return _render(
        request,
        principal,
        "index.html",
        status,
        tokens=await auth.list_tokens(conn, principal),
        exports=exports,
        now=utc_now(),
        example_command=(
            'curl -H "Authorization: Bearer $MUSTER_TOKEN" '
            f'"{base_url}/api/v1/releases.csv?program={program_id}"'
        ),
        **context,
    )


def _text(form: Any, name: str, limit: int) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _token_request(form: Any) -> tuple[dict[str, str], dict[str, str], TokenCreate | None]:
    """(values to show again, errors by field, the request when there is none)."""
    values = {
        "name": _text(form, "name", 200),
        "expires_in_days": _text(form, "expires_in_days", 20),
    }
    # Only read: the one scope a researcher may hold. A forged `write` is refused by
    # service.auth.create_token with a message beside the scope.
    scopes = [s.strip() for s in form.getall("scopes", [])] if hasattr(form, "getall") else []
    errors: dict[str, str] = {}
    if not 1 <= len(values["name"]) <= 100:
        errors["name"] = gettext(
            "Give the token a name of 1 to 100 characters, e.g. nightly export."
        )
    days = values["expires_in_days"]
    if not (days.isdigit() and 1 <= int(days) <= 365):
        errors["expires_in_days"] = gettext("Enter a whole number of days from 1 to 365, e.g. 90.")
    if errors:
        return values, errors, None
    raw = {"name": values["name"], "scopes": scopes or ["read"], "expires_in_days": int(days)}
    try:
        return values, errors, msgspec.convert(raw, type=TokenCreate)
    except msgspec.ValidationError as exc:
        problem = field_error(exc)
        where = problem.field.split("[")[0]
        errors[where if where in {"name", "scopes"} else "form"] = problem.message
        return values, errors, None


@get(BASE, **READ)
async def research_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return await _page(request, conn, principal)


@post(f"{BASE}/tokens", **WRITE)
async def create_token(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    values, errors, data = _token_request(await request.form())
    if data is not None:
        key: bytes = request.app.state.secret_key
        try:
            created = await auth.create_token(conn, principal, data, utc_now(), key)
        except Forbidden as exc:
            errors["scopes"] = exc.detail
        except InvalidInput as exc:
            for problem in exc.errors or []:
                errors.setdefault(problem.field, problem.message)
            if not exc.errors:
                errors["form"] = exc.detail
        else:
            return _render(request, principal, "token_created.html", created=created)
    return await _page(request, conn, principal, 422, values=values, errors=errors)


@get(f"{BASE}/tokens/{{token_id:int}}/revoke", **READ)
async def revoke_token_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    token_id: TokenId,
) -> Template:
    token = await auth.fetch_own_token(conn, principal, token_id)
    return _render(request, principal, "token_revoke.html", token=token)


@post(f"{BASE}/tokens/{{token_id:int}}/revoke", **WRITE)
async def revoke_token(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    token_id: TokenId,
) -> Response[Any]:
    token = await auth.fetch_own_token(conn, principal, token_id)
    form = await request.form()
    if _text(form, "confirm", 10) != "yes":
        return _render(
            request, principal, "token_revoke.html", 422, token=token,
            errors={"confirm": gettext(CONFIRM_MESSAGE)},
        )  # fmt: skip
    await auth.revoke_token(conn, principal, token_id)
    return Redirect(f"{BASE}?done=token-revoked", status_code=HTTP_303_SEE_OTHER)


routes: list[Any] = [research_page, create_token, revoke_token_page, revoke_token]
