"""HTTP routes of releases and the privacy ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from service.auth.guards import SECURITY, require
from service.auth.principal import Principal
from service.db import MAX_ID, Conn
from service.openapi import api_problems
from service.privacy import participation, planner, service
from service.privacy.participation import ParticipationReport
from service.privacy.schemas import LedgerReport, PlanReport, ReleaseSummary

TAGS = ["releases"]

WaveIdParam = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The wave's id.")]
ProgramIdParam = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The program's id.")]


@post(
    "/api/v1/waves/{wave_id:int}/release",
    guards=[require("admin", scope="write")],
    tags=TAGS,
    security=SECURITY,
    status_code=HTTP_201_CREATED,
    responses=api_problems(404, 409),
)
async def release_wave(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], wave_id: WaveIdParam
) -> ReleaseSummary:
    """Release a closed wave once: noisy, consistent estimates for every unit, charged to the
    program's privacy ledger. A second request gets `wave-already-released`; a release over
    the rolling-year cap gets `budget-exhausted` with what is left."""
    return await service.release_wave(conn, principal, wave_id, datetime.now(UTC))


@get(
    "/api/v1/programs/{program_id:int}/ledger",
    guards=[require("admin", "researcher", scope="read")],
    tags=TAGS,
    security=SECURITY,
    responses=api_problems(404),
)
async def ledger(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], program_id: ProgramIdParam
) -> LedgerReport:
    """Every privacy charge of a program and what is left of its rolling-year budget."""
    return await service.ledger_report(conn, principal, program_id, datetime.now(UTC))


@get(
    "/api/v1/programs/{program_id:int}/plan",
    guards=[require("admin", "leader", scope="read")],
    tags=TAGS,
    security=SECURITY,
    responses=api_problems(404),
)
async def plan(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program_id: ProgramIdParam,
    participation: Annotated[
        float, QueryParameter(gt=0, le=1, description="Expected share of people who answer.")
    ] = 0.6,
    epsilon: Annotated[
        float | None,
        QueryParameter(
            gt=0,
            le=10,
            description="Budget per wave to try.",
            # Litestar leaves a bound of 0 out of an optional parameter's schema: said again.
            schema_extra={"exclusiveMinimum": 0},
        ),
    ] = None,
) -> PlanReport:
    """Before a wave opens: which units will be publishable with this budget? Predicted from
    public headcounts and the policy only, never from responses; with level shares that
    would make the most units publishable."""
    return await planner.plan_program(
        conn, principal, program_id, participation=participation, epsilon=epsilon
    )


@get(
    "/api/v1/waves/{wave_id:int}/participation",
    guards=[require(*participation.ESTIMATE_ROLES, scope="read")],
    tags=TAGS,
    security=SECURITY,
    responses=api_problems(404),
)
async def wave_participation(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], wave_id: WaveIdParam
) -> ParticipationReport:
    """While a wave is open: a differentially private estimate of how many people of each
    unit have answered, with its 95% interval, refreshed at most once a day from a small
    part of the wave's privacy budget. Units whose estimate would be too imprecise for their
    headcount show none. Superseded by the release once the wave is released."""
    return await participation.participation_report(conn, principal, wave_id)


routes: list[Any] = [release_wave, ledger, plan, wave_participation]
