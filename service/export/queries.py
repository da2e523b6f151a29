"""SQL of the export: released rows in the tidy long format, and what the metadata needs.

Every function reads stored releases only; nothing here can reach a response. Values of
unpublished rows never leave the database: the SELECT turns them into NULL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from service.db import Conn
from service.scope.queries import subtree

# The columns of every export, in order. The CSV header, the Parquet schema and the JSON
# rows all follow this tuple.
EXPORT_COLUMNS: tuple[str, ...] = (
    "program_id", "program_name", "wave_id", "wave_seq", "wave_opens_at", "wave_closes_at",
    "unit_id", "unit_path", "level", "statistic", "instrument_slug", "scale", "item", "measure",
    "value", "std_error", "lower", "upper", "published", "mechanism", "noise_scale",
    "privacy_share", "instrument_version", "plan_version", "unverified",
)  # fmt: skip

# $1 program, $2 wave or NULL, $3 the viewer's scope path or NULL, $4 a unit path whose
# subtree is asked for or NULL, $5 a statistic prefix or NULL, $6 a level or NULL.
# `statistic` is 'responses', 'scale:<slug>/<scale>:<measure>' or 'item:<slug>/<item>:<value>'.
_FROM = f"""
    FROM release r
    JOIN wave w ON w.wave_id = r.wave_id
    JOIN program p ON p.program_id = w.program_id
    JOIN unit root ON root.unit_id = p.root_unit_id
    JOIN unit u ON u.unit_id = r.unit_id
    WHERE p.program_id = $1
      AND w.status = 'released'
      AND ($2::bigint IS NULL OR w.wave_id = $2)
      AND ($3::text IS NULL OR {subtree("u.path", "$3")})
      AND ($4::text IS NULL OR {subtree("u.path", "$4")})
      AND ($5::text IS NULL OR starts_with(r.statistic, $5))
      AND ($6::integer IS NULL OR u.depth - root.depth = $6)
"""
# Byte order, so that the order is the same on every server whatever its locale.
_ORDER = ' ORDER BY w.seq, u.path COLLATE "C", r.statistic COLLATE "C"'
_KEY = '(w.seq, u.path COLLATE "C", r.statistic COLLATE "C")'

_PARTS = "split_part(r.statistic, ':', 2)"
_SELECT = f"""
    SELECT p.program_id, p.name AS program_name, w.wave_id, w.seq AS wave_seq,
           w.opens_at AS wave_opens_at, w.closes_at AS wave_closes_at,
           u.unit_id, u.path AS unit_path, u.depth - root.depth AS level, r.statistic,
           CASE WHEN r.statistic <> 'responses' THEN split_part({_PARTS}, '/', 1) END
               AS instrument_slug,
           CASE WHEN starts_with(r.statistic, 'scale:') THEN split_part({_PARTS}, '/', 2) END
               AS scale,
           CASE WHEN starts_with(r.statistic, 'item:') THEN split_part({_PARTS}, '/', 2) END
               AS item,
           CASE WHEN r.statistic = 'responses' THEN 'responses'
                WHEN starts_with(r.statistic, 'item:')
                    THEN 'option:' || split_part(r.statistic, ':', 3)
                ELSE substr(r.statistic, length({_PARTS}) + 8) END AS measure,
           CASE WHEN r.published THEN r.value END AS value,
           CASE WHEN r.published THEN r.std_error END AS std_error,
           CASE WHEN r.published THEN r.lower END AS lower,
           CASE WHEN r.published THEN r.upper END AS upper,
           r.published, r.mechanism, r.noise_scale, r.privacy_share, r.instrument_version,
           r.plan_version, r.unverified
"""


def _float_text(column: str) -> str:
    """A float column as text that reads as a float: shortest exact digits (PostgreSQL >= 12
    prints those), with '.0' after a whole number, so that a reader guessing types from
    the first rows (Polars, pandas) does not take the column for integers."""
    return (
        f"CASE WHEN {column}::text ~ '^-?[0-9]+$' THEN {column}::text || '.0' "
        f"ELSE {column}::text END AS {column}"
    )


_VALUES = ", ".join(_float_text(c) for c in ("value", "std_error", "lower", "upper"))
_NOISE = ", ".join(_float_text(c) for c in ("noise_scale", "privacy_share"))
# The same columns as text the way CSV readers expect them: ISO 8601 times in UTC,
# true/false, floats always written as floats.
_CSV_SELECT = f"""
    SELECT program_id, program_name, wave_id, wave_seq,
           to_json(wave_opens_at) #>> '{{}}' AS wave_opens_at,
           to_json(wave_closes_at) #>> '{{}}' AS wave_closes_at,
           unit_id, unit_path, level, statistic, instrument_slug, scale, item, measure,
           {_VALUES}, published::text AS published, mechanism,
           {_NOISE}, instrument_version, plan_version,
           unverified::text AS unverified
"""


class Filter(msgspec.Struct, frozen=True, kw_only=True):
    """What an export covers, already checked against the viewer (see service.py)."""

    program_id: int
    wave_id: int | None = None
    # The viewer's subtree: None for the whole organisation.
    scope_path: str | None = None
    # The subtree asked for with `unit=`.
    unit_path: str | None = None
    statistic_prefix: str | None = None
    level: int | None = None

    def args(self) -> tuple[Any, ...]:
        return (
            self.program_id,
            self.wave_id,
            self.scope_path,
            self.unit_path,
            self.statistic_prefix,
            self.level,
        )


async def set_local_utc(conn: Conn) -> None:
    """Timestamps in UTC until the transaction ends (the export's snapshot)."""
    await conn.execute("SET LOCAL TimeZone = 'UTC'")


async def iter_release_rows(
    conn: Conn, flt: Filter, size: int
) -> AsyncIterator[list[asyncpg.Record]]:
    """release_rows_sql()'s rows through a cursor, `size` at a time (inside a transaction)."""
    cursor = await conn.cursor(release_rows_sql(), *flt.args())
    while True:
        batch = await cursor.fetch(size)
        if not batch:
            return
        yield batch


def release_rows_sql() -> str:
    """Every row the filter covers, in the export order ($1..$6 as in _FROM)."""
    return _SELECT + _FROM + _ORDER


def release_csv_sql() -> str:
    """The same rows and order, every column as CSV text (for COPY ... TO STDOUT)."""
    return f"{_CSV_SELECT} FROM ({_SELECT + _FROM + _ORDER}) AS rows"


async def list_release_page(
    conn: Conn, flt: Filter, after: tuple[int, str, str] | None, limit: int
) -> list[asyncpg.Record]:
    """One page in the export order, starting after the key (wave seq, unit path, statistic)."""
    sql = (
        _SELECT
        + _FROM
        + f" AND ($7::integer IS NULL OR {_KEY} > ($7, $8::text, $9::text))"
        + _ORDER
        + " LIMIT $10"
    )
    seq, path, statistic = after if after is not None else (None, None, None)
    return await conn.fetch(sql, *flt.args(), seq, path, statistic, limit)


async def count_release_rows(conn: Conn, flt: Filter) -> int:
    count: int = await conn.fetchval("SELECT count(*)" + _FROM, *flt.args())
    return count


async def copy_release_csv(
    conn: Conn, flt: Filter, sink: Callable[[bytes], Coroutine[Any, Any, None]]
) -> None:
    """COPY the rows as CSV with a header line into `sink`, chunk by chunk as PostgreSQL
    sends them; asyncpg waits for `sink` before reading on, so a slow reader slows the copy."""
    await conn.copy_from_query(
        release_csv_sql(), *flt.args(), output=sink, format="csv", header=True
    )


# --- metadata --------------------------------------------------------------------------


class ReleasedWaveRow(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    seq: int
    opens_at: datetime
    closes_at: datetime
    released_at: datetime | None
    frozen: dict[str, Any]
    plan_versions: list[str]
    unverified: bool
    rows: int
    # The ledger entry of the wave's release.
    mechanism: str | None
    rho: float | None
    epsilon: float | None
    delta: float | None
    charged_at: datetime | None


async def list_released_waves(
    conn: Conn, program_id: int, wave_id: int | None
) -> list[ReleasedWaveRow]:
    rows = await conn.fetch(
        """
        SELECT w.wave_id, w.seq, w.opens_at, w.closes_at, w.released_at, w.frozen,
               coalesce(s.plan_versions, '{}') AS plan_versions,
               coalesce(s.unverified, false) AS unverified, coalesce(s.rows, 0) AS rows,
               l.mechanism, l.rho, l.epsilon, l.delta, l.at AS charged_at
        FROM wave w
        LEFT JOIN ledger l ON l.wave_id = w.wave_id
        LEFT JOIN LATERAL (
            SELECT array_agg(DISTINCT r.plan_version ORDER BY r.plan_version) AS plan_versions,
                   bool_or(r.unverified) AS unverified, count(*) AS rows
            FROM release r WHERE r.wave_id = w.wave_id
        ) s ON true
        WHERE w.program_id = $1 AND w.status = 'released'
          AND ($2::bigint IS NULL OR w.wave_id = $2)
        ORDER BY w.seq
        """,
        program_id,
        wave_id,
    )
    return [msgspec.convert(dict(row), type=ReleasedWaveRow) for row in rows]


async def fetch_wave_program(conn: Conn, wave_id: int) -> int | None:
    program_id: int | None = await conn.fetchval(
        "SELECT program_id FROM wave WHERE wave_id = $1", wave_id
    )
    return program_id


async def fetch_deepest_level(conn: Conn, program_id: int) -> int:
    """How many levels the program's unit tree goes below its root (0: the root alone).

    The tree is public structure, not a count of anything anyone answered.
    """
    deepest: int = await conn.fetchval(
        f"""
        SELECT coalesce(max(u.depth - root.depth), 0)
        FROM program p
        JOIN unit root ON root.unit_id = p.root_unit_id
        JOIN unit u ON {subtree("u.path", "root.path")}
        WHERE p.program_id = $1
        """,  # noqa: S608 - only constant fragments are interpolated
        program_id,
    )
    return deepest
