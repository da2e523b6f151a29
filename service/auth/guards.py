"""Guards: every staff route names the roles it admits; the guard resolves who is asking.

A principal comes from the session cookie (pages and same-origin forms) or from an
`Authorization: Bearer` API token (scripts). Unsafe methods with a session cookie must
carry the session's CSRF token, in the form field `csrf_token` or the `X-CSRF-Token` header.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from service import i18n
from service.auth import queries
from service.auth.principal import Principal, Role
from service.auth.secrets import hash_api_token, hash_session_id, same
from service.errors import CsrfFailed, Forbidden, NotAuthenticated, TokenInvalid
from service.i18n import N_, gettext

SESSION_COOKIE = "__Host-muster_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Coroutine[Any, Any, None]]

# Where each role's own pages are: said in every refusal, so nobody is left at a dead end.
YOUR_PAGES: dict[Role, str] = {
    "admin": N_("Your pages start at /console."),
    "leader": N_("Your results are at /dashboard."),
    "researcher": N_("Your API tokens and exports are at /research; results are at /dashboard."),
}

# The OpenAPI security requirement of every staff route: a bearer token or a session.
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """Resolve the caller from a bearer token or the session cookie; None when neither is sent.

    An account's chosen language becomes the request's, over the cookie and Accept-Language
    (service.i18n chose from those before the router ran): the choice follows the account
    to a browser that has no cookie yet, and to a change made from another device.
    """
    principal = await _resolve(connection)
    if principal is not None and principal.language:
        i18n.prefer(principal.language)
    return principal


async def _resolve(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    now = datetime.now(UTC)
    pool = connection.app.state.pool
    header = connection.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenInvalid("Send the token as `Authorization: Bearer <token>`.")
        key: bytes = connection.app.state.secret_key
        async with pool.acquire() as conn:
            row = await queries.fetch_token_principal(conn, hash_api_token(key, token.strip()), now)
        if row is None:
            raise TokenInvalid(
                "This token is unknown, revoked or expired. Create a new one: researchers "
                "sign in at /login and use the page /research (tokens and exports); from a "
                "script, sign in with POST /api/v1/session and send POST /api/v1/tokens "
                "with the session's X-CSRF-Token header. GET /api/v1/tokens lists your "
                "tokens. If you cannot sign in, ask an administrator."
            )
        return Principal(
            staff_id=row["staff_id"],
            email=row["email"],
            role=row["role"],
            scope_unit_id=row["unit_id"],
            scope_path=row["unit_path"],
            via="token",
            scopes=frozenset(row["scopes"]),
            language=row["language"],
        )
    session_id = connection.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    async with pool.acquire() as conn:
        row = await queries.fetch_session_principal(conn, hash_session_id(session_id), now)
    if row is None:
        return None
    return Principal(
        staff_id=row["staff_id"],
        email=row["email"],
        role=row["role"],
        scope_unit_id=row["unit_id"],
        scope_path=row["unit_path"],
        via="session",
        csrf_token=row["csrf_token"],
        language=row["language"],
    )


async def check_csrf(connection: ASGIConnection[Any, Any, Any, Any], principal: Principal) -> None:
    if principal.via != "session" or connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    sent = connection.headers.get(CSRF_HEADER, "")
    if not sent and "form" in connection.headers.get("content-type", ""):
        # Reading the form here caches it on the request, so the handler can read it again.
        if isinstance(connection, Request):
            form = await connection.form()
            value = form.get(CSRF_FIELD, "")
            sent = value if isinstance(value, str) else ""
    if not principal.csrf_token or not sent or not same(sent, principal.csrf_token):
        raise CsrfFailed("Reload the page and submit the form again.")


class RoleGuard:
    """Admits the given roles (and, for API tokens, the given token scope).

    A class rather than a closure so that `roles` and `scope` can be read back: the
    route-guard test builds its table of every staff route from them.
    """

    def __init__(self, roles: frozenset[Role], scope: str | None) -> None:
        self.roles = roles
        self.scope = scope

    async def __call__(
        self, connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
    ) -> None:
        principal = await authenticate(connection)
        if principal is None:
            raise NotAuthenticated("Sign in at /login, or send an API token.")
        if principal.role not in self.roles:
            needed = gettext("This needs the role %(roles)s.", roles=", ".join(sorted(self.roles)))
            raise Forbidden(f"{needed} {gettext(YOUR_PAGES[principal.role])}")
        scope = self.scope
        if principal.via == "token" and scope is not None and scope not in principal.scopes:
            raise Forbidden(f"This token lacks the scope `{scope}`. Create one that has it.")
        await check_csrf(connection, principal)
        connection.state.principal = principal


def require(*roles: Role, scope: str | None = None) -> Guard:
    """A guard that admits the given roles (and, for API tokens, the given token scope)."""
    return RoleGuard(frozenset(roles), scope)


# Dependencies take `request` (a name Litestar reserves for the connection); any other
# name would be read as a query parameter.
async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    principal: Principal = request.state.principal
    return principal


async def provide_optional_principal(request: Request[Any, Any, Any]) -> Principal | None:
    """For pages that show a sign-in link to anonymous visitors instead of an error."""
    try:
        return await authenticate(request)
    except TokenInvalid:
        return None
