"""The leader dashboard: server-rendered pages over stored releases. No JavaScript needed.

Filters live in the query string (`program`, `wave`, `scale`), so every view is a URL
that can be shared. Errors render as HTML pages for browsers and as problem documents
for everything else (service/errors.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from service.auth.controller import STAFF_HEADERS
from service.auth.guards import require
from service.auth.principal import Principal
from service.dashboard import service, views
from service.db import MAX_ID, Conn
from service.privacy import participation
from service.programs.service import list_programs
from service.web.pages import PAGE_OPT

# Everyone with a staff role reads the dashboard within their scope: leaders and
# researchers with a unit see its subtree, admins and unscoped researchers everything.
READERS = require("admin", "leader", "researcher", scope="read")

ProgramParam = Annotated[
    int | None, QueryParameter(ge=1, le=MAX_ID, description="The program's id.")
]
WaveParam = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, description="A released wave.")]
ScaleParam = Annotated[
    str | None,
    QueryParameter(max_length=200, description="One scale, as '<instrument>/<scale>'."),
]
UnitIdParam = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The unit's id.")]


def _page(name: str, viewer: Principal, **context: Any) -> Template:
    return Template(template_name=name, context={"viewer": viewer, **context})


@get(
    "/dashboard",
    guards=[READERS],
    opt=PAGE_OPT,
    response_headers=STAFF_HEADERS,
    include_in_schema=False,
)
async def overview_page(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program: ProgramParam = None,
    wave: WaveParam = None,
    scale: ScaleParam = None,
) -> Response[Any]:
    """The viewer's top unit and its units in one released wave."""
    data = await service.overview(conn, principal, program, wave, scale or None)
    shown = data.context.program
    current = (
        await participation.current_estimate(conn, principal, shown.program_id) if shown else None
    )
    return _page(
        "dashboard/overview.html", principal, **views.overview_context(data), current=current
    )


@get(
    "/dashboard/units/{unit_id:int}",
    guards=[READERS],
    opt=PAGE_OPT,
    response_headers=STAFF_HEADERS,
    include_in_schema=False,
)
async def unit_page(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: UnitIdParam,
    program: ProgramParam = None,
    wave: WaveParam = None,
    scale: ScaleParam = None,
) -> Response[Any]:
    """One unit over every released wave, compared with its parent and the organisation."""
    data = await service.unit_page(conn, principal, unit_id, program, wave, scale or None)
    return _page("dashboard/unit.html", principal, **views.unit_context(data))


@get(
    "/dashboard/units/{unit_id:int}/questions",
    guards=[READERS],
    opt=PAGE_OPT,
    response_headers=STAFF_HEADERS,
    include_in_schema=False,
)
async def questions_page(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    unit_id: UnitIdParam,
    program: ProgramParam = None,
    wave: WaveParam = None,
) -> Response[Any]:
    """How the unit answered each question in one wave, where the release published it."""
    data = await service.unit_questions(conn, principal, unit_id, program, wave)
    return _page("dashboard/questions.html", principal, **views.questions_context(data))


@get(
    "/dashboard/about",
    guards=[READERS],
    opt=PAGE_OPT,
    response_headers=STAFF_HEADERS,
    include_in_schema=False,
)
async def about_page(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal]
) -> Response[Any]:
    """What the numbers mean, for a chief: noise, ranges, small units, the privacy budget
    (each visible program's own ε per person per year and waves a year)."""
    programs = await list_programs(conn, principal)
    return _page("dashboard/about.html", principal, programs=programs)


routes: list[Any] = [overview_page, unit_page, questions_page, about_page]
