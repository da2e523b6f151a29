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
from service.console import charts, forms
from service.console.forms import Errors
from service.console.page import CONFIRM_MESSAGE, READ, WRITE, Id, redirect, render, utc_now
from service.db import Conn
from service.errors import (
    BudgetExhausted,
    InvalidInput,
    ProgramNotFound,
    WaveAlreadyReleased,
    WaveTransitionRefused,
)
from service.privacy import service as privacy
from service.privacy.planner import plan_program
from service.privacy.schemas import PlanReport
from service.programs import service as programs
from service.waves import service as waves

# --- waves -------------------------------------------------------------------------------


@get("/console/waves", **READ)
async def waves_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    listing = []
    every_wave = await waves.list_waves(conn, principal)
    for program in await programs.list_programs(conn, principal):
        mine = [w for w in every_wave if w.program_id == program.program_id]
        listing.append((program, mine, any(w.status == "open" for w in mine)))
    return render(request, principal, "waves.html", "waves", listing=listing)


WAVE_ACTIONS = {
    "open": ("Open", "wave-opened"),
    "close": ("Close", "wave-closed"),
    "release": ("Release", "wave-released"),
}


async def _wave_confirm(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    wave_id: int,
    action: str,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    wave = await waves.fetch_wave(conn, principal, wave_id)
    program = await programs.fetch_program(conn, principal, wave.program_id)
    ledger = await privacy.ledger_report(conn, principal, program.program_id, utc_now())
    policy = wave.frozen.policy if wave.frozen is not None else program.policy
    return render(
        request,
        principal,
        "wave_confirm.html",
        "waves",
        status,
        wave=wave,
        program=program,
        action=action,
        verb=WAVE_ACTIONS[action][0],
        ledger=ledger,
        policy=policy,
        **context,
    )


async def _wave_transition(
    request: Request[Any, Any, Any], conn: Conn, principal: Principal, wave_id: int, action: str
) -> Response[Any]:
    wave = await waves.fetch_wave(conn, principal, wave_id)
    form = await request.form()
    if not forms.checked(form, "confirm"):
        return await _wave_confirm(
            request, conn, principal, wave_id, action, 422, errors={"confirm": CONFIRM_MESSAGE}
        )
    now = utc_now()
    try:
        if action == "open":
            await waves.open_wave(conn, principal, wave_id, now)
        elif action == "close":
            await waves.close_wave(conn, principal, wave_id, now)
        else:
            await privacy.release_wave(conn, principal, wave_id, now)
    except BudgetExhausted as exc:
        return await _wave_confirm(
            request, conn, principal, wave_id, action, exc.status, refused=exc.detail,
            budget=exc.extra,
        )  # fmt: skip
    except (WaveTransitionRefused, WaveAlreadyReleased) as exc:
        return await _wave_confirm(
            request, conn, principal, wave_id, action, exc.status, refused=exc.detail
        )
    return redirect(f"/console/programs/{wave.program_id}", WAVE_ACTIONS[action][1])


@get("/console/waves/{wave_id:int}/open", **READ)
async def open_wave_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Template:
    return await _wave_confirm(request, conn, principal, wave_id, "open")


@post("/console/waves/{wave_id:int}/open", **WRITE)
async def open_wave(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Response[Any]:
    return await _wave_transition(request, conn, principal, wave_id, "open")


@get("/console/waves/{wave_id:int}/close", **READ)
async def close_wave_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Template:
    return await _wave_confirm(request, conn, principal, wave_id, "close")


@post("/console/waves/{wave_id:int}/close", **WRITE)
async def close_wave(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Response[Any]:
    return await _wave_transition(request, conn, principal, wave_id, "close")


@get("/console/waves/{wave_id:int}/release", **READ)
async def release_wave_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Template:
    return await _wave_confirm(request, conn, principal, wave_id, "release")


@post("/console/waves/{wave_id:int}/release", **WRITE)
async def release_wave(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: Id,
) -> Response[Any]:
    return await _wave_transition(request, conn, principal, wave_id, "release")


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
    every_program = await programs.list_programs(conn, principal)
    errors: Errors = {}
    chosen = None
    if program:
        if not program.isdigit() or len(program) > 18:
            errors["program"] = "Choose a program from the list."
        else:
            chosen = next((p for p in every_program if p.program_id == int(program)), None)
            if chosen is None:
                errors["program"] = "Choose a program from the list."
    elif every_program:
        chosen = every_program[0]
    values = {
        "program": str(chosen.program_id) if chosen else (program or ""),
        "participation": participation if participation is not None else "60",
        "epsilon": epsilon if epsilon is not None else "",
    }
    share = forms.number(values["participation"], "participation", errors)
    if share is not None and not 0 < share <= 100:
        errors["participation"] = "Enter a percentage above 0 and at most 100."
    eps = forms.number(values["epsilon"], "epsilon", errors) if values["epsilon"] else None
    if eps is not None and not 0 < eps <= 40:
        errors["epsilon"] = "Enter an ε per year above 0 and at most 40, or leave it empty."
    report: PlanReport | None = None
    if chosen is not None and not errors and share is not None:
        try:
            report = await plan_program(
                conn, principal, chosen.program_id, participation=share / 100, epsilon=eps
            )
        except InvalidInput as exc:
            errors = forms.problem_errors(exc, ("participation", "epsilon"))
    return render(
        request,
        principal,
        "planner.html",
        "planner",
        422 if errors else HTTP_200_OK,
        programs=every_program,
        program=chosen,
        report=report,
        values=values,
        errors=errors,
    )


# --- the privacy ledger ------------------------------------------------------------------


@get("/console/ledger", **READ)
async def ledger_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program: Annotated[str | None, QueryParameter(max_length=20)] = None,
) -> Template:
    now = utc_now()
    every_program = await programs.list_programs(conn, principal)
    summaries = [
        (p, await privacy.ledger_report(conn, principal, p.program_id, now)) for p in every_program
    ]
    chosen = None
    if program and program.isdigit():
        chosen = next((s for s in summaries if s[0].program_id == int(program)), None)
        if chosen is None:
            raise ProgramNotFound(f"There is no program {program}. Choose one from the list.")
    elif summaries:
        chosen = next((s for s in summaries if s[1].entries), summaries[0])
    chart = seqs = None
    in_year: set[int] = set()
    if chosen is not None:
        chosen_program, report = chosen
        chart = charts.ledger_chart(report, chosen_program.policy.delta, now, chosen_program.name)
        in_year = {e.entry_id for e in charts.year_entries(report, now)}
        seqs = {
            w.wave_id: w.seq
            for w in await waves.list_waves(conn, principal, chosen_program.program_id)
        }
    return render(
        request,
        principal,
        "ledger.html",
        "ledger",
        summaries=summaries,
        chosen=chosen,
        chart=chart,
        seqs=seqs or {},
        in_year=in_year,
    )


routes: list[Any] = [
    waves_page,
    open_wave_page,
    open_wave,
    close_wave_page,
    close_wave,
    release_wave_page,
    release_wave,
    planner_page,
    ledger_page,
]
