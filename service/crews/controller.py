"""Routes for the crews' page and the handout.

Staff (leaders in their subtree, admins) preview the crews' page, manage its links, and
open the handout as a page to print or as a PDF. The public link `/crews/<token>` needs
no account and follows the survey routes' rules (service/responses/middleware.py, whatever
the status): no cookie, `Referrer-Policy: no-referrer` (the token never leaves in a Referer
header), not indexed or cached; its errors are pages, and a failure is counted, never
logged (its path holds the token).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER

from service.actions.service import ACTION_ROLES
from service.auth.controller import STAFF_HEADERS
from service.auth.guards import require
from service.auth.principal import Principal
from service.console import forms
from service.console.forms import Errors
from service.crews import service
from service.crews.handout import Paper, handout_pdf
from service.crews.service import CrewsReport
from service.db import MAX_ID, Conn
from service.errors import INTERNAL_PROBLEM, DomainError, exception_to_problem, status_of
from service.i18n import gettext
from service.invitations.service import public_base_url
from service.metrics import controller as metrics
from service.responses.middleware import CREWS_HEADERS
from service.web.pages import PAGE_OPT

_PAGE: dict[str, Any] = {"opt": PAGE_OPT, "include_in_schema": False}
READ: dict[str, Any] = {**_PAGE, "guards": [require(*ACTION_ROLES, scope="read")],
                        "response_headers": STAFF_HEADERS}  # fmt: skip
WRITE: dict[str, Any] = {**_PAGE, "guards": [require(*ACTION_ROLES, scope="write")],
                         "response_headers": STAFF_HEADERS, "status_code": HTTP_200_OK}  # fmt: skip


def public_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """An error on the public crews' page: a page with the public headers. A 500 is counted
    like a survey route's failure, never logged: the request's path holds the token."""
    if status_of(exc) >= 500:
        metrics.record_respondent_failure(request.app.state, exc)
        problem = INTERNAL_PROBLEM
    else:
        problem, _ = exception_to_problem(exc)
    return Template(
        template_name="error.html",
        context={"problem": problem, "viewer": None, "public_page": True},
        status_code=problem.status,
        headers=CREWS_HEADERS,
    )


PUBLIC: dict[str, Any] = {"include_in_schema": False, "response_headers": CREWS_HEADERS,
                          "exception_handlers": {Exception: public_error}}  # fmt: skip

Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
ProgramParam = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
WaveParam = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
PaperParam = Annotated[Paper, QueryParameter(description="a4 or letter")]
Token = Annotated[str, PathParameter(max_length=100)]


def _key(request: Request[Any, Any, Any]) -> bytes:
    key: bytes = request.app.state.secret_key
    return key


def _pdf(report: CrewsReport, paper: Paper, headers: dict[str, str]) -> Response[bytes]:
    name = f"handout-{report.unit.slug}-wave-{report.wave.seq if report.wave else 0}.pdf"
    return Response(
        content=handout_pdf(report, paper),
        media_type="application/pdf",
        headers={**headers, "Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _staff_report(
    conn: Conn, viewer: Principal, unit_id: int, program: int | None, wave: int | None
) -> CrewsReport:
    # The viewer must see the unit (404 otherwise); the report is the unit's own view.
    await service.list_shares(conn, viewer, unit_id)
    return await service.crews_report(conn, unit_id, program, wave)


async def _crews_page(
    request: Request[Any, Any, Any], conn: Conn, viewer: Principal, unit_id: int,
    program: int | None, wave: int | None, status: int = HTTP_200_OK, **extra: Any,
) -> Template:  # fmt: skip
    report = await _staff_report(conn, viewer, unit_id, program, wave)
    shares = await service.list_shares(conn, viewer, unit_id)
    # The link leaders hand to crews: the public address, not whatever Host this request
    # came with (behind a proxy that may be an internal or spoofed name).
    base = public_base_url(request.app.state.settings, str(request.base_url))
    return Template(
        template_name="dashboard/crews.html",
        context={"viewer": viewer, "report": report, "shares": shares, "base": base,
                 "errors": {}, "values": {}, **extra},
        status_code=status,
    )  # fmt: skip


@get("/dashboard/units/{unit_id:int}/crews", **READ)
async def crews_preview(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
    program: ProgramParam = None,
    wave: WaveParam = None,
) -> Template:
    """The crews' page as crews will see it, and the links that show it."""
    return await _crews_page(request, conn, principal, unit_id, program, wave)


@post("/dashboard/units/{unit_id:int}/crews/links", **WRITE)
async def create_link(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
) -> Template:
    form = await request.form()
    program_id = forms.text(form, "program_id", 20)
    wave_id = forms.text(form, "wave_id", 20)
    errors: Errors = {}
    if not (program_id.isdigit() and wave_id.isdigit()):
        errors["form"] = gettext("Open the crews' page from the unit's dashboard and try again.")
    else:
        try:
            share, token = await service.create_share(
                conn, principal, _key(request), unit_id, int(program_id), int(wave_id)
            )
        except DomainError as exc:
            errors["form"] = exc.detail
        else:
            return await _crews_page(request, conn, principal, unit_id, share.program_id,
                                     share.wave_id, new_token=token)  # fmt: skip
    return await _crews_page(request, conn, principal, unit_id, None, None, 422, errors=errors)


@post("/dashboard/crews-links/{share_id:int}/revoke", **WRITE)
async def revoke_link(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], share_id: Id
) -> Response[Any]:
    share = await service.revoke_share(conn, principal, share_id)
    return Redirect(
        f"/dashboard/units/{share.unit_id}/crews?program={share.program_id}&wave={share.wave_id}",
        status_code=HTTP_303_SEE_OTHER,
    )


@get("/dashboard/units/{unit_id:int}/handout", **READ)
async def handout_page(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
    program: ProgramParam = None,
    wave: WaveParam = None,
) -> Template:
    """The handout, laid out to print on one or two pages."""
    report = await _staff_report(conn, principal, unit_id, program, wave)
    pdf = f"/dashboard/units/{unit_id}/handout.pdf?" + _query(report)
    return Template(template_name="crews/handout.html",
                    context={"viewer": principal, "report": report, "pdf_link": pdf})  # fmt: skip


@get("/dashboard/units/{unit_id:int}/handout.pdf", **READ)
async def handout_download(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: Id,
    program: ProgramParam = None,
    wave: WaveParam = None,
    paper: PaperParam = "a4",
) -> Response[bytes]:
    report = await _staff_report(conn, principal, unit_id, program, wave)
    return _pdf(report, paper, STAFF_HEADERS)


def _query(report: CrewsReport) -> str:
    program = report.context.program
    parts = [f"program={program.program_id}"] if program is not None else []
    if report.wave is not None:
        parts.append(f"wave={report.wave.wave_id}")
    return "&".join(parts)


async def _public_report(request: Request[Any, Any, Any], conn: Conn, token: str) -> CrewsReport:
    share = await service.resolve_share(conn, _key(request), token)
    return await service.crews_report(conn, share.unit_id, share.program_id, share.wave_id)


@get("/crews/{token:str}", **PUBLIC)
async def crews_page(
    request: Request[Any, Any, Any], conn: NamedDependency[Conn], token: Token
) -> Template:
    """You said, we did: the page a leader shared with their crews. No account needed."""
    report = await _public_report(request, conn, token)
    return Template(template_name="crews/public.html",
                    context={"viewer": None, "report": report, "token": token,
                             "public_page": True})  # fmt: skip


@get("/crews/{token:str}/handout.pdf", **PUBLIC)
async def crews_handout(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    token: Token,
    paper: PaperParam = "a4",
) -> Response[bytes]:
    report = await _public_report(request, conn, token)
    return _pdf(report, paper, CREWS_HEADERS)


routes: list[Any] = [crews_preview, create_link, revoke_link, handout_page, handout_download,
                     crews_page, crews_handout]  # fmt: skip
