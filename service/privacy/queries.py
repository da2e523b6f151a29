"""SQL of the release engine: the one aggregation pass, the ledger and the release rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from service.db import Conn
from service.privacy.plan import ItemSpec, ScaleSpec
from service.privacy.schemas import LedgerEntry


class UnitRow(msgspec.Struct, frozen=True):
    unit_id: int
    parent_id: int | None
    path: str


async def list_subtree_units(conn: Conn, root_id: int) -> list[UnitRow]:
    """The complete public list of units under the root: every one gets noise, data or not."""
    rows = await conn.fetch(
        """
        SELECT u.unit_id, u.parent_id, u.path
        FROM unit u, unit r
        WHERE r.unit_id = $1
          AND (u.unit_id = r.unit_id
               OR (u.path ~>=~ (r.path || '/') AND u.path ~<~ (r.path || '0')))
        ORDER BY u.depth, u.path
        """,
        root_id,
    )
    return [UnitRow(r["unit_id"], r["parent_id"], r["path"]) for r in rows]


def aggregation_sql(depth: int, scales: list[ScaleSpec], items: list[ItemSpec]) -> str:
    """One pass over a wave's responses: integer aggregates for every node at every level.

    $1 = wave_id, $2 = root unit_id. Every identifier and number in the text comes from
    the instrument definitions and the tree depth, never from input.
    """
    levels = [f"l{i}" for i in range(depth + 1)]
    lateral: list[str] = []
    scored: list[str] = []
    aggregates = ["count(*) AS n"]
    for k, s in enumerate(scales):
        answered = " + ".join(f"(a[{p}] > 0)::int" for p in s.positions)
        total = " + ".join(
            f"CASE WHEN a[{p}] > 0 THEN {s.low + s.high} - a[{p}] ELSE 0 END"
            if reverse
            else f"CASE WHEN a[{p}] > 0 THEN a[{p}] ELSE 0 END"
            for p, reverse in zip(s.positions, s.reverse, strict=True)
        )
        lateral.append(f"{answered} AS n{k}, {total} AS t{k}")
        bands = " ".join(
            f"WHEN t{k}::float8 / n{k} < {upper!r} THEN {j}"
            for j, (_, _, upper) in enumerate(s.bands[:-1])
        )
        scored.append(
            f"CASE WHEN n{k} >= {s.required} THEN "
            f"round(100.0 * t{k} / n{k})::int - {s.midpoint_hundredths} END AS q{k}"
        )
        scored.append(
            f"CASE WHEN n{k} >= {s.required} THEN CASE {bands} ELSE {len(s.bands) - 1} END "
            f"END AS b{k}"
        )
        aggregates.append(f"coalesce(sum(q{k}), 0)::bigint AS sum{k}")
        aggregates.extend(
            f"count(*) FILTER (WHERE b{k} = {j}) AS band{k}_{j}" for j in range(len(s.bands))
        )
    for k, item in enumerate(items):
        aggregates.extend(
            f"count(*) FILTER (WHERE a[{item.position}] = {v}) AS item{k}_{v}" for v in item.values
        )
    ancestors = ", ".join(f"s.anc[{i + 1}] AS {name}" for i, name in enumerate(levels))
    sets = ", ".join(f"({', '.join(levels[: i + 1])})" for i in range(depth + 1))
    lateral_sql = ", ".join(lateral) if lateral else "1 AS unused"
    scored_sql = "".join(f", {expression}" for expression in scored)
    return f"""
        WITH RECURSIVE sub AS (
            SELECT unit_id, ARRAY[unit_id] AS anc FROM unit WHERE unit_id = $2
            UNION ALL
            SELECT u.unit_id, sub.anc || u.unit_id FROM unit u JOIN sub ON u.parent_id = sub.unit_id
        ),
        scored AS (
            SELECT {ancestors}, a{scored_sql}
            FROM (SELECT unit_id, answers AS a FROM response WHERE wave_id = $1) r
            JOIN sub s ON s.unit_id = r.unit_id
            CROSS JOIN LATERAL (SELECT {lateral_sql}) t
        )
        SELECT GROUPING({", ".join(levels)}) AS g, {", ".join(levels)}, {", ".join(aggregates)}
        FROM scored
        GROUP BY GROUPING SETS ({sets})
    """  # noqa: S608 - built from instrument definitions only; values are bound as $1, $2


async def fetch_aggregates(
    conn: Conn, sql: str, wave_id: int, root_id: int
) -> list[asyncpg.Record]:
    return await conn.fetch(sql, wave_id, root_id)


# --- ledger -----------------------------------------------------------------------------


async def lock_program(conn: Conn, program_id: int) -> None:
    """Serialise everything that spends a program's budget: one release at a time."""
    await conn.execute("SELECT 1 FROM program WHERE program_id = $1 FOR UPDATE", program_id)


async def list_ledger(
    conn: Conn, program_id: int, since: datetime | None = None
) -> list[LedgerEntry]:
    rows = await conn.fetch(
        """
        SELECT entry_id, program_id, wave_id, mechanism, rho, epsilon, delta, at
        FROM ledger
        WHERE program_id = $1 AND ($2::timestamptz IS NULL OR at > $2)
        ORDER BY at, entry_id
        """,
        program_id,
        since,
    )
    return [LedgerEntry(**dict(row)) for row in rows]


async def insert_ledger(
    conn: Conn,
    program_id: int,
    wave_id: int,
    charge: Any,
    measurement: dict[str, Any],
    staff_id: int | None,
    at: datetime,
) -> int:
    entry_id: int = await conn.fetchval(
        """
        INSERT INTO ledger (program_id, wave_id, mechanism, rho, epsilon, delta, measurement,
                            staff_id, at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        RETURNING entry_id
        """,
        program_id,
        wave_id,
        charge.mechanism,
        charge.rho,
        charge.epsilon,
        charge.delta,
        measurement,
        staff_id,
        at,
    )
    return entry_id


# --- release rows -----------------------------------------------------------------------

RELEASE_COLUMNS = (
    "wave_id", "unit_id", "statistic", "value", "std_error", "lower", "upper", "published",
    "mechanism", "noise_scale", "privacy_share", "instrument_version", "plan_version",
    "unverified",
)  # fmt: skip


async def insert_release_rows(conn: Conn, rows: list[tuple[Any, ...]]) -> None:
    await conn.copy_records_to_table("release", records=rows, columns=list(RELEASE_COLUMNS))


class StoredValue(msgspec.Struct, frozen=True):
    wave_id: int
    unit_id: int
    statistic: str
    value: float | None
    std_error: float | None
    published: bool


async def list_released_values(
    conn: Conn, wave_ids: list[int], statistic_suffix: str
) -> list[StoredValue]:
    rows = await conn.fetch(
        """
        SELECT wave_id, unit_id, statistic, value, std_error, published
        FROM release
        WHERE wave_id = ANY($1::bigint[]) AND statistic LIKE '%' || $2
        """,
        wave_ids,
        statistic_suffix,
    )
    return [StoredValue(**dict(row)) for row in rows]


async def list_previous_released_waves(
    conn: Conn, program_id: int, before_seq: int, limit: int
) -> list[int]:
    rows = await conn.fetch(
        """
        SELECT wave_id FROM wave
        WHERE program_id = $1 AND seq < $2 AND status = 'released'
        ORDER BY seq DESC
        LIMIT $3
        """,
        program_id,
        before_seq,
        limit,
    )
    return [row["wave_id"] for row in rows]


async def list_waves_to_release(conn: Conn) -> list[int]:
    """Closed waves whose frozen policy asks to be released as soon as they close."""
    rows = await conn.fetch(
        """
        SELECT wave_id FROM wave
        WHERE status = 'closed' AND (frozen -> 'policy' ->> 'release_on_close')::boolean
        ORDER BY closes_at, wave_id
        """
    )
    return [row["wave_id"] for row in rows]
