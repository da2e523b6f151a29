"""The coordinator console: server-rendered pages under /console for administrators.

Every page calls the capability services the API and the command line use, so the rules,
the scope checks and the audit trail are the same whichever door a change comes through.
Pages need no JavaScript. Forms post back with the session's CSRF token (checked by the
guard), are validated on the server and come back with the messages beside the fields and
what was typed kept; a change that worked redirects (POST-redirect-GET) to a page that
says so through a fixed message named in the query string (`?done=unit-moved`).
Destructive actions first show a confirmation page with a required "I understand" box.

This module holds the overview and the audit log and gathers every section's routes; each
section has its own module (`units`, `programs`, `waves` with the planner and the ledger,
`invitations`, `links`, `accounts`), and `page` holds what they share.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from service.auth.principal import Principal
from service.console import accounts
from service.console import invitations as invitation_pages
from service.console import links as link_pages
from service.console import programs as program_pages
from service.console import service as console
from service.console import units as unit_pages
from service.console import waves as wave_pages
from service.console.page import READ, render
from service.db import Conn

# --- overview ----------------------------------------------------------------------------


@get("/console", **READ)
async def overview(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    page = await console.overview_page(conn, principal)
    return render(request, principal, "overview.html", "overview", **page)


# --- the audit log -----------------------------------------------------------------------


@get("/console/audit", **READ)
async def audit_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    page: Annotated[int, QueryParameter(ge=1, le=1_000_000)] = 1,
) -> Template:
    return render(
        request,
        principal,
        "audit.html",
        "audit",
        log=await console.audit_page(conn, principal, page),
    )


routes: list[Any] = [
    overview,
    *unit_pages.routes,
    *program_pages.routes,
    *wave_pages.routes,
    *invitation_pages.routes,
    *link_pages.routes,
    *accounts.routes,
    audit_page,
]
