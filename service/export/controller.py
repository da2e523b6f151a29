"""HTTP routes of the researcher export: /api/v1/releases (JSON pages, CSV, Parquet, metadata)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, get
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream

from service.auth.guards import SECURITY, require
from service.auth.principal import Principal
from service.db import MAX_ID, Conn
from service.export import formats, service
from service.export.schemas import ExportMetadata, Format, ReleasePage, problem_responses
from service.export.service import DEFAULT_PAGE, MAX_LEVEL, MAX_PAGE, SCALE_PATTERN

BASE = "/api/v1/releases"
TAGS = ["export"]
READ = [require("admin", "leader", "researcher", scope="read")]
PROBLEMS = problem_responses(401, 403, 404, 422, 429)
RATE_LIMIT_HEADERS = [
    ResponseHeader(
        name="RateLimit",
        documentation_only=True,
        description='API tokens only: what is left of the quota, e.g. `"default";r=599;t=60`.',
    ),
    ResponseHeader(
        name="RateLimit-Policy",
        documentation_only=True,
        description='API tokens only: the quota policy, e.g. `"default";q=600;w=60`.',
    ),
]

ProgramQuery = Annotated[
    int, QueryParameter(ge=1, le=MAX_ID, description="The program whose releases to export.")
]
WaveQuery = Annotated[
    int | None,
    QueryParameter(ge=1, le=MAX_ID, description="Only this wave (one of the program's waves)."),
]
UnitQuery = Annotated[
    str | None,
    QueryParameter(
        min_length=1,
        max_length=1000,
        description="Only this unit and its subtree: an id, a full path or a unique slug.",
    ),
]
ScaleQuery = Annotated[
    str | None,
    QueryParameter(
        pattern=SCALE_PATTERN,
        description="Only this scale's statistics: <instrument>/<scale>, "
        "e.g. openness/psych_safety.",
    ),
]
LevelQuery = Annotated[
    int | None,
    QueryParameter(ge=0, le=MAX_LEVEL, description="Only units this deep below the root (0)."),
]
LimitQuery = Annotated[
    int, QueryParameter(ge=1, le=MAX_PAGE, description="Rows per page (at most 10,000).")
]
CursorQuery = Annotated[
    str | None,
    QueryParameter(
        min_length=1, max_length=4000, description="`next_cursor` of the previous page."
    ),
]


async def _download(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    fmt: Format,
    program: int,
    *,
    wave: int | None,
    unit: str | None,
    scale: str | None,
    level: int | None,
) -> Stream:
    """Every matching row as one streamed file, with its metadata (both formats)."""
    flt = await service.prepare_export(
        conn, principal, program, wave_id=wave, unit=unit, scale=scale, level=level
    )
    metadata = await service.build_metadata(
        conn, principal, flt, datetime.now(UTC), unit=unit, scale=scale
    )
    name = service.export_filename(flt, fmt)
    return Stream(
        service.stream_export(request.app.state.pool, flt, fmt, metadata),
        media_type=formats.MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Link": f'<{service.metadata_url(flt)}>; rel="describedby"',
            "Cache-Control": "no-store",
        },
    )


def _file_response(media_type: str, what: str) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(
            data_container=bytes,
            media_type=media_type,
            description=what,
            generate_examples=False,
        ),
        **PROBLEMS,
    }


@get(
    BASE,
    guards=READ,
    tags=TAGS,
    security=SECURITY,
    responses=PROBLEMS,
    response_headers=RATE_LIMIT_HEADERS,
)
async def list_releases(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program: ProgramQuery,
    wave: WaveQuery = None,
    unit: UnitQuery = None,
    scale: ScaleQuery = None,
    level: LevelQuery = None,
    limit: LimitQuery = DEFAULT_PAGE,
    cursor: CursorQuery = None,
) -> ReleasePage:
    """Released values, one row per (wave, unit, statistic), in a stable order (wave seq,
    unit path, statistic). Unpublished values are null with `published = false`. Follow
    `next_cursor` for more; the privacy metadata is at `metadata`."""
    flt = await service.prepare_export(
        conn, principal, program, wave_id=wave, unit=unit, scale=scale, level=level
    )
    return await service.list_releases(conn, flt, limit=limit, cursor=cursor)


@get(
    f"{BASE}.csv",
    guards=READ,
    tags=TAGS,
    security=SECURITY,
    media_type=formats.MEDIA_TYPES["csv"],
    responses=_file_response(
        formats.MEDIA_TYPES["csv"],
        "Every matching row as CSV (header line first), streamed; the metadata is at the "
        "`Link` rel=describedby address.",
    ),
    response_headers=RATE_LIMIT_HEADERS,
)
async def download_csv(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program: ProgramQuery,
    wave: WaveQuery = None,
    unit: UnitQuery = None,
    scale: ScaleQuery = None,
    level: LevelQuery = None,
) -> Stream:
    """The same rows as GET /api/v1/releases, all of them, as one CSV download."""
    return await _download(
        request, conn, principal, "csv", program, wave=wave, unit=unit, scale=scale, level=level
    )


@get(
    f"{BASE}.parquet",
    guards=READ,
    tags=TAGS,
    security=SECURITY,
    media_type=formats.MEDIA_TYPES["parquet"],
    responses=_file_response(
        formats.MEDIA_TYPES["parquet"],
        "Every matching row as one Parquet file, streamed row group by row group; the "
        "metadata is in the schema metadata under the key `muster`.",
    ),
    response_headers=RATE_LIMIT_HEADERS,
)
async def download_parquet(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program: ProgramQuery,
    wave: WaveQuery = None,
    unit: UnitQuery = None,
    scale: ScaleQuery = None,
    level: LevelQuery = None,
) -> Stream:
    """The same rows as GET /api/v1/releases, all of them, as one Parquet download."""
    return await _download(
        request, conn, principal, "parquet", program, wave=wave, unit=unit, scale=scale, level=level
    )


@get(
    f"{BASE}/metadata",
    guards=READ,
    tags=TAGS,
    security=SECURITY,
    responses=PROBLEMS,
    response_headers=RATE_LIMIT_HEADERS,
)
async def release_metadata(
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    program: ProgramQuery,
    wave: WaveQuery = None,
) -> ExportMetadata:
    """What a researcher needs to read the export: the privacy unit and guarantee, ε, δ and
    ρ per wave and over the rolling year, mechanism, consistency, publish rule, intervals,
    the instruments with their items and scoring, the columns, and a citation line."""
    flt = await service.prepare_export(conn, principal, program, wave_id=wave)
    return await service.build_metadata(conn, principal, flt, datetime.now(UTC))


routes: list[Any] = [list_releases, download_csv, download_parquet, release_metadata]
