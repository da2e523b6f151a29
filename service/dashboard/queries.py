"""SQL for the leader dashboard: stored releases, units, programs and released waves.

Nothing here reads the response table: every number a leader sees comes from `release`
rows written once per wave by the release engine (see docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from service.db import Conn
from service.units.schemas import Unit

_UNIT_COLUMNS = "unit_id, parent_id, slug, name, headcount, path, depth"


class ProgramRow(msgspec.Struct, frozen=True, kw_only=True):
    program_id: int
    name: str
    root_unit_id: int
    root_path: str


class ReleasedWaveRow(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    program_id: int
    seq: int
    opens_at: datetime
    closes_at: datetime
    released_at: datetime | None
    frozen: dict[str, Any] | None


class ReleaseRow(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    unit_id: int
    statistic: str
    value: float | None
    std_error: float | None
    lower: float | None
    upper: float | None
    published: bool
    mechanism: str
    noise_scale: float | None
    privacy_share: float | None
    instrument_version: str | None
    unverified: bool


def _unit(row: asyncpg.Record) -> Unit:
    return Unit(
        unit_id=row["unit_id"],
        parent_id=row["parent_id"],
        slug=row["slug"],
        name=row["name"],
        headcount=row["headcount"],
        path=row["path"],
        depth=row["depth"],
    )


def _release(row: asyncpg.Record) -> ReleaseRow:
    return ReleaseRow(
        wave_id=row["wave_id"],
        unit_id=row["unit_id"],
        statistic=row["statistic"],
        value=row["value"],
        std_error=row["std_error"],
        lower=row["lower"],
        upper=row["upper"],
        published=row["published"],
        mechanism=row["mechanism"],
        noise_scale=row["noise_scale"],
        privacy_share=row["privacy_share"],
        instrument_version=row["instrument_version"],
        unverified=row["unverified"],
    )


async def list_programs(conn: Conn) -> list[ProgramRow]:
    """Every program with its root unit's path; callers keep those the viewer may see."""
    rows = await conn.fetch(
        """
        SELECT p.program_id, p.name, p.root_unit_id, u.path AS root_path
        FROM program p JOIN unit u ON u.unit_id = p.root_unit_id
        ORDER BY p.program_id
        """
    )
    return [
        ProgramRow(
            program_id=r["program_id"],
            name=r["name"],
            root_unit_id=r["root_unit_id"],
            root_path=r["root_path"],
        )
        for r in rows
    ]


async def fetch_program(conn: Conn, program_id: int) -> ProgramRow | None:
    row = await conn.fetchrow(
        """
        SELECT p.program_id, p.name, p.root_unit_id, u.path AS root_path
        FROM program p JOIN unit u ON u.unit_id = p.root_unit_id
        WHERE p.program_id = $1
        """,
        program_id,
    )
    if row is None:
        return None
    return ProgramRow(
        program_id=row["program_id"],
        name=row["name"],
        root_unit_id=row["root_unit_id"],
        root_path=row["root_path"],
    )


async def list_released_waves(conn: Conn, program_id: int) -> list[ReleasedWaveRow]:
    """The program's released waves, oldest first."""
    rows = await conn.fetch(
        """
        SELECT wave_id, program_id, seq, opens_at, closes_at, released_at, frozen
        FROM wave
        WHERE program_id = $1 AND status = 'released'
        ORDER BY seq
        """,
        program_id,
    )
    return [msgspec.convert(dict(r), type=ReleasedWaveRow) for r in rows]


async def fetch_next_wave(conn: Conn, program_id: int) -> ReleasedWaveRow | None:
    """The program's earliest wave that is not released yet (for the empty state)."""
    row = await conn.fetchrow(
        """
        SELECT wave_id, program_id, seq, opens_at, closes_at, released_at, frozen
        FROM wave
        WHERE program_id = $1 AND status <> 'released'
        ORDER BY seq
        LIMIT 1
        """,
        program_id,
    )
    return None if row is None else msgspec.convert(dict(row), type=ReleasedWaveRow)


async def fetch_unit(conn: Conn, unit_id: int) -> Unit | None:
    row = await conn.fetchrow(
        f"SELECT {_UNIT_COLUMNS} FROM unit WHERE unit_id = $1",  # noqa: S608 - constant columns
        unit_id,
    )
    return None if row is None else _unit(row)


async def fetch_unit_by_path(conn: Conn, path: str) -> Unit | None:
    row = await conn.fetchrow(
        f"SELECT {_UNIT_COLUMNS} FROM unit WHERE path = $1",  # noqa: S608 - constant columns
        path,
    )
    return None if row is None else _unit(row)


async def list_units_by_paths(conn: Conn, paths: Sequence[str]) -> list[Unit]:
    """The units at these paths, shallowest first (a breadcrumb's ancestors)."""
    rows = await conn.fetch(
        f"SELECT {_UNIT_COLUMNS} FROM unit WHERE path = ANY($1::text[]) ORDER BY depth",  # noqa: S608
        list(paths),
    )
    return [_unit(r) for r in rows]


async def list_children(conn: Conn, unit_id: int) -> list[Unit]:
    """The unit's direct children, by name."""
    rows = await conn.fetch(
        f"SELECT {_UNIT_COLUMNS} FROM unit WHERE parent_id = $1 ORDER BY name, path",  # noqa: S608
        unit_id,
    )
    return [_unit(r) for r in rows]


async def list_release_rows(
    conn: Conn,
    wave_ids: Sequence[int],
    unit_ids: Sequence[int],
    *,
    items_wave_id: int | None = None,
) -> list[ReleaseRow]:
    """Released rows of these waves and units.

    Item histograms (`item:` statistics) are many rows per unit; they come back only for
    `items_wave_id` (none when it is None).
    """
    rows = await conn.fetch(
        """
        SELECT wave_id, unit_id, statistic, value, std_error, lower, upper, published,
               mechanism, noise_scale, privacy_share, instrument_version, unverified
        FROM release
        WHERE wave_id = ANY($1::bigint[]) AND unit_id = ANY($2::bigint[])
          AND (statistic NOT LIKE 'item:%' OR wave_id = $3)
        """,
        list(wave_ids),
        list(unit_ids),
        items_wave_id,
    )
    return [_release(r) for r in rows]


async def list_waves_with_rows(conn: Conn, wave_ids: Sequence[int], unit_id: int) -> set[int]:
    """The waves among these whose release covered the unit (a release writes a response
    count row for every unit it covers)."""
    rows = await conn.fetch(
        """
        SELECT wave_id FROM release
        WHERE wave_id = ANY($1::bigint[]) AND unit_id = $2 AND statistic = 'responses'
        """,
        list(wave_ids),
        unit_id,
    )
    return {r["wave_id"] for r in rows}


async def fetch_has_published_items(conn: Conn, wave_id: int, unit_id: int) -> bool:
    """Whether the wave published any item histogram for the unit."""
    return await _has_published(conn, wave_id, unit_id, "item:%")


async def fetch_has_published_means(conn: Conn, wave_id: int, unit_id: int) -> bool:
    """Whether the wave published any scale mean for the unit."""
    return await _has_published(conn, wave_id, unit_id, "scale:%:mean")


async def _has_published(conn: Conn, wave_id: int, unit_id: int, statistic: str) -> bool:
    found: bool = await conn.fetchval(
        """
        SELECT EXISTS (
            SELECT 1 FROM release
            WHERE wave_id = $1 AND unit_id = $2 AND statistic LIKE $3 AND published
        )
        """,
        wave_id,
        unit_id,
        statistic,
    )
    return found
