"""Console pages for waves: the list, open/close/release with confirmation, the budget
planner and the privacy ledger."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from service.auth.principal import Principal
from service.console import service as console
from service.console.page import READ, WRITE, Id, confirmation, redirect, render, utc_now
from service.db import Conn
from service.errors import BudgetExhausted, WaveAlreadyReleased, WaveTransitionRefused
from service.waves import calendar

# --- waves -------------------------------------------------------------------------------


@get("/console/waves", **READ)
async def waves_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    page = await console.waves_page(conn, principal)
    return render(request, principal, "waves.html", "waves", in_words=calendar.in_words, **page)


# Each transition and the notice its redirect shows (the page words live in the template).
WAVE_ACTIONS = {"open": "wave-opened", "close": "wave-closed", "release": "wave-released"}


async def _wave_confirm(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    wave_id: int,
    action: str,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    return render(
        request,
        principal,
        "wave_confirm.html",
        "waves",
        status,
        action=action,
        # What the POST was refused for, when it was, says more than the page's own check.
        **{
            **await console.wave_confirm_page(conn, principal, wave_id, utc_now(), action),
            **context,
        },
    )


async def _wave_transition(
    request: Request[Any, Any, Any], conn: Conn, principal: Principal, wave_id: int, action: str
) -> Response[Any]:
    errors = await confirmation(request)
    if errors:
        return await _wave_confirm(request, conn, principal, wave_id, action, 422, errors=errors)
    try:
        wave = await console.transition_wave(conn, principal, wave_id, action, utc_now())
    except (BudgetExhausted, WaveTransitionRefused, WaveAlreadyReleased) as exc:
        budget = {"budget": exc.extra} if isinstance(exc, BudgetExhausted) else {}
        return await _wave_confirm(
            request, conn, principal, wave_id, action, exc.status, refused=exc.detail, **budget
        )
    return redirect(f"/console/programs/{wave.program_id}", WAVE_ACTIONS[action])


def _transition_routes(action: str) -> list[Any]:
    """The confirmation page of one transition, and the form that carries it out."""
    path = f"/console/waves/{{wave_id:int}}/{action}"

    @get(path, name=f"{action}_wave_page", **READ)
    async def confirm_page(
        request: Request[Any, Any, Any],
        conn: NamedDependency[Conn],
        principal: NamedDependency[Principal],
        wave_id: Id,
    ) -> Template:
        return await _wave_confirm(request, conn, principal, wave_id, action)

    @post(path, name=f"{action}_wave", **WRITE)
    async def transition(
        request: Request[Any, Any, Any],
        conn: NamedDependency[Conn],
        principal: NamedDependency[Principal],
        wave_id: Id,
    ) -> Response[Any]:
        return await _wave_transition(request, conn, principal, wave_id, action)

    return [confirm_page, transition]


# --- the budget planner ------------------------------------------------------------------


@get("/console/planner", **READ)
async def planner_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program: Annotated[str | None, QueryParameter(max_length=20)] = None,
    participation: Annotated[str | None, QueryParameter(max_length=20)] = None,
    epsilon: Annotated[str | None, QueryParameter(max_length=20)] = None,
) -> Template:
    """Which units a release could publish, from public headcounts only, before a wave opens."""
    page = await console.planner_page(conn, principal, program, participation, epsilon)
    status = 422 if page["errors"] else HTTP_200_OK
    return render(request, principal, "planner.html", "planner", status, **page)


# --- the privacy ledger ------------------------------------------------------------------


@get("/console/ledger", **READ)
async def ledger_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program: Annotated[str | None, QueryParameter(max_length=20)] = None,
) -> Template:
    page = await console.ledger_page(conn, principal, program, utc_now())
    return render(request, principal, "ledger.html", "ledger", **page)


routes: list[Any] = [
    waves_page,
    *(route for action in WAVE_ACTIONS for route in _transition_routes(action)),
    planner_page,
    ledger_page,
]
