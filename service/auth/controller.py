"""HTTP routes of this capability: sessions, the caller, staff accounts, API tokens."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import Request, Response, delete, get, patch, post
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from service.auth import service
from service.auth.guards import SECURITY, SESSION_COOKIE, require
from service.auth.principal import ROLES, Principal
from service.auth.schemas import (
    Me,
    MeUpdate,
    SessionCreate,
    SessionCreated,
    Staff,
    StaffCreate,
    StaffCreated,
    StaffUpdate,
    Token,
    TokenCreate,
    TokenCreated,
)
from service.config import Settings
from service.db import MAX_ID, Conn, Pool
from service.errors import CsrfFailed
from service.i18n import LANGUAGE_COOKIE, N_
from service.openapi import api_problems

# Sent with every staff response: nothing cached, framed, sniffed or leaked in a Referer.
STAFF_HEADERS: dict[str, str] = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
}
ANY_STAFF = ROLES
StaffIdParam = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The account's id.")]
TokenIdParam = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The token's id.")]


# --- pieces the pages share -------------------------------------------------------------


async def provide_login_connection(state: State) -> AsyncGenerator[Conn, None]:
    """A connection without the per-request transaction.

    A failed sign-in raises, and the request transaction would roll the failure count back
    with it; `service.login` commits its own work instead.
    """
    pool: Pool[Any] = state.pool
    async with pool.acquire() as conn:
        yield conn


LOGIN_DEPENDENCIES = {"login_conn": Provide(provide_login_connection)}


def session_cookie(session_id: str, settings: Settings) -> Cookie:
    # __Host-: Secure, Path=/ and no Domain, so no sibling host can set or read it.
    return Cookie(
        key=SESSION_COOKIE,
        value=session_id,
        max_age=settings.session_hours * 3600,
        path="/",
        domain=None,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def cleared_session_cookie() -> Cookie:
    # Browsers ignore a __Host- cookie without Secure and Path=/, even one that deletes.
    return Cookie(
        key=SESSION_COOKIE,
        value="",
        max_age=0,
        expires=0,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )


# A year: a choice of language outlives any session.
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def language_cookie(language: str) -> Cookie:
    """The staff pages' language for this browser (service.i18n reads it on every request).

    Attributes as the session cookie's (__Host-, Secure, Path=/, HttpOnly: no script needs
    it), but SameSite=Lax: it says nothing about who is signed in, and a link followed from
    an email should open in the chosen language. Signing out leaves it: it holds one of a
    few language codes, the same for everyone who chose that language, so it identifies
    nobody, and the sign-in page that follows stays in the language just used. The next
    person to sign in on that browser gets their own account's language, if they chose one.
    """
    return Cookie(
        key=LANGUAGE_COOKIE,
        value=language,
        max_age=LANGUAGE_COOKIE_SECONDS,
        path="/",
        domain=None,
        secure=True,
        httponly=True,
        samesite="lax",
    )


def sign_in_cookies(session_id: str, principal: Principal, settings: Settings) -> list[Cookie]:
    """The session cookie, and the account's language cookie when it chose a language."""
    cookies = [session_cookie(session_id, settings)]
    if principal.language:
        cookies.append(language_cookie(principal.language))
    return cookies


# Marked N_: the sign-in page shows it in its own language (service/web/pages.py).
OTHER_SITE = N_("Sign in from this site's own sign-in page.")


def check_same_origin(request: Request[Any, Any, Any]) -> None:
    """Refuse sign-ins posted from another site (login CSRF), which no session token can stop."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in {"same-origin", "none"}:
        raise CsrfFailed(OTHER_SITE)
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise CsrfFailed(OTHER_SITE)


def me_of(principal: Principal) -> Me:
    scopes = principal.scopes if principal.via == "token" else service.ROLE_SCOPES[principal.role]
    return Me(
        staff_id=principal.staff_id,
        email=principal.email,
        role=principal.role,
        unit_id=principal.scope_unit_id,
        unit_path=principal.scope_path,
        via=principal.via,
        scopes=sorted(scopes),
        csrf_token=principal.csrf_token if principal.via == "session" else None,
        language=principal.language,
    )


def _now() -> datetime:
    return datetime.now(UTC)


# --- sessions ---------------------------------------------------------------------------


@post(
    "/api/v1/session",
    dependencies=LOGIN_DEPENDENCIES,
    response_headers=STAFF_HEADERS,
    tags=["sessions"],
    status_code=HTTP_201_CREATED,
    security=[],
    responses=api_problems(),
)
async def create_session(
    request: Request[Any, Any, Any],
    login_conn: NamedDependency[Conn],
    data: JSONBody[SessionCreate],
) -> Response[SessionCreated]:
    """Sign in for a session cookie (scripts and the pages use the same rules)."""
    check_same_origin(request)
    settings: Settings = request.app.state.settings
    now = _now()
    session_id, csrf, principal = await service.login(
        login_conn,
        data.email,
        data.password,
        now,
        service.LoginPolicy.from_settings(settings),
        replaces=request.cookies.get(SESSION_COOKIE),
        unknown=request.app.state.unknown_emails,
    )
    body = SessionCreated(
        me=me_of(principal),
        csrf_token=csrf,
        expires_at=now + service.LoginPolicy.from_settings(settings).session_lifetime,
    )
    return Response(
        body,
        status_code=HTTP_201_CREATED,
        cookies=sign_in_cookies(session_id, principal, settings),
    )


@delete(
    "/api/v1/session",
    guards=[require(*ANY_STAFF)],
    response_headers=STAFF_HEADERS,
    tags=["sessions"],
    status_code=HTTP_204_NO_CONTENT,
    # A 204 has no body: declared as `None`, the document promises no content type.
    response_cookies=[cleared_session_cookie()],
    responses=api_problems(),
    security=SECURITY,
)
async def delete_session(request: Request[Any, Any, Any], conn: NamedDependency[Conn]) -> None:
    """Sign out: the session ends on the server, not only in the browser."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        await service.logout(conn, session_id)


@get(
    "/api/v1/me",
    guards=[require(*ANY_STAFF, scope="read")],
    response_headers=STAFF_HEADERS,
    tags=["sessions"],
    responses=api_problems(),
    security=SECURITY,
)
async def get_me(principal: NamedDependency[Principal]) -> Me:
    """Who is asking, with what role, scope, language and (for sessions) CSRF token."""
    return me_of(principal)


@patch(
    "/api/v1/me",
    guards=[require(*ANY_STAFF, scope="write")],
    response_headers=STAFF_HEADERS,
    tags=["sessions"],
    responses=api_problems(),
    security=SECURITY,
)
async def patch_me(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], data: JSONBody[MeUpdate]
) -> Response[Me]:
    """Choose your own language for the staff pages (null: follow the browser's
    Accept-Language). A session also gets the language cookie, so the next page follows."""
    me = await service.set_language(conn, principal, data.language)
    cookies = [language_cookie(me.language)] if me.language and me.via == "session" else []
    return Response(me_of(me), cookies=cookies)


# --- staff accounts ---------------------------------------------------------------------


@get(
    "/api/v1/staff",
    guards=[require("admin", scope="read")],
    response_headers=STAFF_HEADERS,
    tags=["staff"],
    responses=api_problems(),
    security=SECURITY,
)
async def get_staff_list(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal]
) -> list[Staff]:
    return await service.list_staff(conn, principal)


@post(
    "/api/v1/staff",
    guards=[require("admin", scope="write")],
    response_headers=STAFF_HEADERS,
    tags=["staff"],
    status_code=HTTP_201_CREATED,
    responses=api_problems(404, 409),
    security=SECURITY,
)
async def post_staff(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], data: JSONBody[StaffCreate]
) -> StaffCreated:
    """Add an account; without a password, one is generated and returned this once."""
    return await service.add_staff(conn, principal, data)


@patch(
    "/api/v1/staff/{staff_id:int}",
    guards=[require("admin", scope="write")],
    response_headers=STAFF_HEADERS,
    tags=["staff"],
    responses=api_problems(404, 409),
    security=SECURITY,
)
async def patch_staff(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    staff_id: StaffIdParam,
    data: JSONBody[StaffUpdate],
) -> Staff:
    """Change role, unit or disabled; disabling ends the account's sessions and tokens."""
    return await service.update_staff(conn, principal, staff_id, data)


# --- API tokens -------------------------------------------------------------------------


@get(
    "/api/v1/tokens",
    guards=[require(*ANY_STAFF, scope="read")],
    response_headers=STAFF_HEADERS,
    tags=["tokens"],
    responses=api_problems(),
    security=SECURITY,
)
async def get_tokens(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal]
) -> list[Token]:
    """Your own tokens, without the tokens themselves."""
    return await service.list_tokens(conn, principal)


@post(
    "/api/v1/tokens",
    guards=[require(*ANY_STAFF, scope="write")],
    response_headers=STAFF_HEADERS,
    tags=["tokens"],
    status_code=HTTP_201_CREATED,
    responses=api_problems(),
    security=SECURITY,
)
async def post_token(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    data: JSONBody[TokenCreate],
) -> TokenCreated:
    """Create a token for scripts. `token` in the answer is shown this once only."""
    key: bytes = request.app.state.secret_key
    return await service.create_token(conn, principal, data, _now(), key)


@delete(
    "/api/v1/tokens/{token_id:int}",
    guards=[require(*ANY_STAFF, scope="write")],
    response_headers=STAFF_HEADERS,
    tags=["tokens"],
    status_code=HTTP_204_NO_CONTENT,
    responses=api_problems(404),
    security=SECURITY,
)
async def delete_token(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], token_id: TokenIdParam
) -> None:
    """Revoke one of your tokens (administrators: anyone's)."""
    await service.revoke_token(conn, principal, token_id)


routes: list[Any] = [
    create_session,
    delete_session,
    get_me,
    patch_me,
    get_staff_list,
    post_staff,
    patch_staff,
    get_tokens,
    post_token,
    delete_token,
]
