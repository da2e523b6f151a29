"""Server-rendered staff pages: sign in, sign out, and the landing page.

Pages need no JavaScript. Errors on these routes render as HTML for browsers (see
`error_page`); a session that has ended sends the browser back to the sign-in page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from service import i18n
from service.auth import service as auth
from service.auth.controller import (
    LOGIN_DEPENDENCIES,
    STAFF_HEADERS,
    check_same_origin,
    cleared_session_cookie,
    language_cookie,
    sign_in_cookies,
)
from service.auth.guards import SESSION_COOKIE, check_csrf, require
from service.auth.principal import ROLES, Principal
from service.config import Settings
from service.db import Conn
from service.errors import (
    CsrfFailed,
    DomainError,
    InvalidCredentials,
    NotAuthenticated,
    Problem,
    TooManyAttempts,
)
from service.i18n import gettext
from service.programs import service as programs
from service.programs.schemas import Program
from service.scope.rules import sees_unit
from service.waves import calendar
from service.waves import service as waves
from service.waves.schemas import Wave


def error_page(request: Request[Any, Any, Any], problem: Problem) -> Response[Any]:
    """The HTML face of a problem on a page route; an ended session goes back to sign-in."""
    if problem.status == NotAuthenticated.status:
        return Redirect(
            "/login",
            status_code=HTTP_303_SEE_OTHER,
            headers=STAFF_HEADERS,
            cookies=[cleared_session_cookie()],
        )
    return Template(
        template_name="error.html",
        # The title is N_-marked (service/errors.py); the page shows it in its language.
        context={"problem": problem, "title": gettext(problem.title), "viewer": None},
        status_code=problem.status,
        headers=STAFF_HEADERS,
    )


PAGE_OPT = {"error_page": error_page}


def _page(name: str, viewer: Principal | None, status_code: int = 200, **context: Any) -> Template:
    return Template(
        template_name=name,
        context={"viewer": viewer, **context},
        status_code=status_code,
    )


def _to(path: str) -> Redirect:
    return Redirect(path, status_code=HTTP_303_SEE_OTHER)


# --- sign in and out --------------------------------------------------------------------


@get(
    "/login",
    opt=PAGE_OPT,
    response_headers=STAFF_HEADERS,
    include_in_schema=False,
)
async def login_page(viewer: NamedDependency[Principal | None]) -> Response[Any]:
    if viewer is not None:
        return _to("/")
    return _page("login.html", None, email="", errors={})


@post(
    "/login",
    opt=PAGE_OPT,
    dependencies=LOGIN_DEPENDENCIES,
    response_headers=STAFF_HEADERS,
    include_in_schema=False,
)
async def login_submit(
    request: Request[Any, Any, Any], login_conn: NamedDependency[Conn]
) -> Response[Any]:
    form = await request.form()
    email = str(form.get("email") or "").strip()[:254]
    password = str(form.get("password") or "")
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = gettext("Enter the email address of your account.")
    if not password:
        errors["password"] = gettext("Enter your password.")
    if errors:
        return _page("login.html", None, 422, email=email, errors=errors)
    settings: Settings = request.app.state.settings
    try:
        check_same_origin(request)
        session_id, _csrf, principal = await auth.login(
            login_conn,
            email,
            password,
            datetime.now(UTC),
            auth.LoginPolicy.from_settings(settings),
            replaces=request.cookies.get(SESSION_COOKIE),
            unknown=request.app.state.unknown_emails,
        )
    except (InvalidCredentials, TooManyAttempts, CsrfFailed) as exc:
        # The form comes back with the email kept and the reason beside the fields.
        errors = {"title": gettext(exc.title), "form": _sign_in_error(exc)}
        page = _page("login.html", None, exc.status, email=email, errors=errors)
        if isinstance(exc, TooManyAttempts) and "retry_after" in exc.extra:
            page.headers["Retry-After"] = str(exc.extra["retry_after"])
        return page
    response = _to("/")
    for cookie in sign_in_cookies(session_id, principal, settings):
        response.set_cookie(cookie)
    return response


def _sign_in_error(exc: DomainError) -> str:
    """Why a sign-in failed, in the page's language: the lockout's wait is written in it
    where it is raised (service.auth.service._wait); the other reasons are N_-marked
    constants (auth.WRONG_CREDENTIALS, auth.BUSY, OTHER_SITE)."""
    return gettext(exc.detail)


@post(
    "/logout",
    guards=[require(*ROLES)],
    opt=PAGE_OPT,
    response_headers=STAFF_HEADERS,
    include_in_schema=False,
)
async def logout_submit(
    request: Request[Any, Any, Any], conn: NamedDependency[Conn]
) -> Response[Any]:
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        await auth.logout(conn, session_id)
    # The language cookie stays: see service.auth.controller.language_cookie.
    response = _to("/login")
    response.set_cookie(cleared_session_cookie())
    return response


@post(
    "/language",
    opt=PAGE_OPT,
    response_headers=STAFF_HEADERS,
    include_in_schema=False,
)
async def language_submit(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    viewer: NamedDependency[Principal | None],
) -> Response[Any]:
    """The header's language switch: back to the same page in the chosen language. Signed
    in, the choice is stored on the account too; signed out, only in this browser."""
    form = await request.form()
    if viewer is not None and viewer.via == "session":
        await check_csrf(request, viewer)
    else:
        check_same_origin(request)
    response = _to(_local_path(str(form.get("next") or "/")))
    chosen = i18n.pick(str(form.get("language") or ""))
    if chosen is not None:
        if viewer is not None and viewer.via == "session":
            await auth.set_language(conn, viewer, chosen)
        response.set_cookie(language_cookie(chosen))
    return response


# A path of this site: one slash, then no second one, no backslash, no control character.
LOCAL_PATH = re.compile(r"/(?![/\\])[\w\-./~%?=&+:;,]{0,2000}")


def _local_path(path: str) -> str:
    """`path` when it is a page of this site (never another host: no open redirect), else /."""
    return path if LOCAL_PATH.fullmatch(path) else "/"


# --- the landing page -------------------------------------------------------------------


@get(
    "/",
    opt=PAGE_OPT,
    response_headers=STAFF_HEADERS,
    include_in_schema=False,
)
async def landing_page(
    conn: NamedDependency[Conn], viewer: NamedDependency[Principal | None]
) -> Response[Any]:
    """The programs and waves the signed-in person may see; visitors go to sign-in."""
    if viewer is None:
        return _to("/login")
    visible = await programs.list_programs(conn, viewer)
    # One query for the waves of every visible program rather than one per program.
    by_program: dict[int, list[Wave]] = {}
    for wave in await waves.list_waves(conn, viewer):
        by_program.setdefault(wave.program_id, []).append(wave)
    listing = [
        (program, by_program.get(program.program_id, []), _units_shown(viewer, program))
        for program in visible
    ]
    return _page("home.html", viewer, listing=listing, in_words=calendar.in_words)


def _units_shown(viewer: Principal, program: Program) -> str:
    """A program rooted above a leader's unit is shown as theirs: never the names above it."""
    if sees_unit(viewer, program.root_unit_path) or viewer.scope_path is None:
        return program.root_unit_path
    return gettext("%(unit)s and below", unit=viewer.scope_path.rsplit("/", 1)[-1])


routes: list[Any] = [login_page, login_submit, logout_submit, language_submit, landing_page]
