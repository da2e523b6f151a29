"""SQL of the release engine: the answers stream, the ledger and the release rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from service.db import Conn, to_struct
from service.privacy.schemas import LedgerEntry
from service.scope.queries import subtree


class UnitRow(msgspec.Struct, frozen=True):
    unit_id: int
    parent_id: int | None
    path: str
    headcount: int = 0


async def list_subtree_units(conn: Conn, root_id: int) -> list[UnitRow]:
    """The complete public list of units under the root: every one gets noise, data or not."""
    rows = await conn.fetch(
        f"""
        SELECT u.unit_id, u.parent_id, u.path, u.headcount
        FROM unit u, unit r
        WHERE r.unit_id = $1 AND {subtree("u.path", "r.path")}
        ORDER BY u.depth, u.path
        """,  # noqa: S608 - only constant fragments are interpolated
        root_id,
    )
    return [UnitRow(r["unit_id"], r["parent_id"], r["path"], r["headcount"]) for r in rows]


# --- the aggregation pass -------------------------------------------------------------------


class UnitAnswersRow(msgspec.Struct, frozen=True):
    unit_id: int
    n: int  # responses
    answers: bytes  # their answers, `width` bytes each, laid end to end


# The first block of a relation, and past the last block any relation can have.
FIRST_BLOCK, END_OF_RELATION = 0, 2**32 - 1


async def count_wave_blocks(conn: Conn, wave_id: int) -> int:
    """The blocks of the wave's response relation (0 when it has none): `response_w<id>`,
    the wave's partition (migrations/0005)."""
    blocks: int = await conn.fetchval(
        """
        SELECT coalesce(pg_relation_size(to_regclass(quote_ident('response_w' || $1::bigint)))
                        / current_setting('block_size')::bigint, 0)
        """,
        wave_id,
    )
    return blocks


async def list_unit_answers(
    conn: Conn, wave_id: int, width: int, first: int = FIRST_BLOCK, end: int = END_OF_RELATION
) -> list[UnitAnswersRow]:
    """Per unit with responses in blocks first..end - 1 of the wave's relation (all of it by
    default): their number and their answers' first `width` bytes, as one byte string (rows
    in no particular order). Rows shorter than `width` are left out.

    Nothing is computed per answer here: PostgreSQL only concatenates each row's bytes
    (service/privacy/aggregate.py counts them).
    """
    rows = await conn.fetch(
        """
        SELECT unit_id, count(*) AS n,
               string_agg(substring(answers FROM 1 FOR $2), ''::bytea) AS answers
        FROM response
        WHERE wave_id = $1 AND length(answers) >= $2
          AND ctid >= $3::tid AND ctid < $4::tid
        GROUP BY unit_id
        """,
        wave_id,
        width,
        (first, 0),  # (block, line pointer)
        (end, 0),
    )
    return [UnitAnswersRow(r["unit_id"], r["n"], r["answers"]) for r in rows]


# --- ledger -----------------------------------------------------------------------------


class ProgramPolicyRow(msgspec.Struct, frozen=True, kw_only=True):
    """What privacy reads of a program: its root, its policy and its pinned instruments."""

    program_id: int
    root_unit_id: int
    root_unit_path: str
    policy: dict[str, Any]
    # In the order they were pinned.
    instrument_ids: list[int]


async def fetch_program_policy(conn: Conn, program_id: int) -> ProgramPolicyRow | None:
    row = await conn.fetchrow(
        """
        SELECT p.program_id, p.root_unit_id, u.path AS root_unit_path, p.policy,
               ARRAY(
                   SELECT pi.instrument_id FROM program_instrument pi
                   WHERE pi.program_id = p.program_id ORDER BY pi.position
               ) AS instrument_ids
        FROM program p JOIN unit u ON u.unit_id = p.root_unit_id
        WHERE p.program_id = $1
        """,
        program_id,
    )
    return None if row is None else to_struct(row, ProgramPolicyRow)


async def lock_program(conn: Conn, program_id: int) -> None:
    """Serialise everything that spends a program's budget: one release at a time."""
    await conn.execute("SELECT 1 FROM program WHERE program_id = $1 FOR UPDATE", program_id)


async def list_ledger(
    conn: Conn, program_id: int, since: datetime | None = None
) -> list[LedgerEntry]:
    rows = await conn.fetch(
        """
        SELECT entry_id, program_id, wave_id, mechanism, rho, epsilon, delta, at, kind
        FROM ledger
        WHERE program_id = $1 AND ($2::timestamptz IS NULL OR at > $2)
        ORDER BY at, entry_id
        """,
        program_id,
        since,
    )
    return [LedgerEntry(**dict(row)) for row in rows]


class CoverCharge(msgspec.Struct, frozen=True):
    """A ledger entry with the path of the unit its program covers (all of that subtree)."""

    root_path: str
    mechanism: str
    rho: float | None
    epsilon: float


async def list_overlapping_charges(conn: Conn, root_id: int, since: datetime) -> list[CoverCharge]:
    """Charges since `since` of every program whose subtree overlaps the one at root_id."""
    rows = await conn.fetch(
        f"""
        SELECT u.path AS root_path, l.mechanism, l.rho, l.epsilon
        FROM ledger l
        JOIN program p USING (program_id)
        JOIN unit u ON u.unit_id = p.root_unit_id
        JOIN unit r ON r.unit_id = $1
        WHERE l.at > $2
          AND ({subtree("r.path", "u.path")} OR {subtree("u.path", "r.path")})
        """,  # noqa: S608 - only constant fragments are interpolated
        root_id,
        since,
    )
    return [CoverCharge(**dict(row)) for row in rows]


async def insert_ledger(
    conn: Conn,
    program_id: int,
    wave_id: int,
    charge: Any,
    measurement: dict[str, Any],
    staff_id: int | None,
    at: datetime,
    kind: str = "release",
) -> int:
    entry_id: int = await conn.fetchval(
        """
        INSERT INTO ledger (program_id, wave_id, mechanism, rho, epsilon, delta, measurement,
                            staff_id, at, kind)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
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
        kind,
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


# --- the participation estimate of open waves (participation.py) ------------------------


async def fetch_participation_wave(conn: Conn, wave_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        """
        SELECT w.wave_id, w.program_id, w.status, p.root_unit_id, u.path AS root_path,
               w.opened_at, w.opens_at, w.closes_at, w.frozen
        FROM wave w JOIN program p USING (program_id) JOIN unit u ON u.unit_id = p.root_unit_id
        WHERE w.wave_id = $1
        """,
        wave_id,
    )
    return None if row is None else dict(row)


async def count_refreshes(conn: Conn, wave_id: int) -> tuple[int, datetime | None]:
    """The participation refreshes a wave was charged for, and when the last one was."""
    row = await conn.fetchrow(
        "SELECT count(*) AS n, max(at) AS last FROM ledger "
        "WHERE wave_id = $1 AND kind = 'participation'",
        wave_id,
    )
    assert row is not None  # noqa: S101 - an aggregate always returns a row
    return int(row["n"]), row["last"]


async def count_responses_by_unit(conn: Conn, wave_id: int) -> dict[int, int]:
    """Exact responses per unit of an open wave: read only to be measured with noise."""
    rows = await conn.fetch(
        "SELECT unit_id, count(*) AS n FROM response WHERE wave_id = $1 GROUP BY unit_id",
        wave_id,
    )
    return {row["unit_id"]: int(row["n"]) for row in rows}


async def insert_participation(conn: Conn, rows: list[tuple[Any, ...]]) -> None:
    await conn.executemany(
        """
        INSERT INTO participation (wave_id, refresh, unit_id, headcount, value, std_error,
                                   lower, upper, published, at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """,
        rows,
    )


async def list_participation(conn: Conn, wave_id: int, refresh: int) -> list[Any]:
    return list(
        await conn.fetch(
            """
            SELECT p.unit_id, u.path, p.headcount, p.value, p.lower, p.upper, p.published
            FROM participation p JOIN unit u USING (unit_id)
            WHERE p.wave_id = $1 AND p.refresh = $2
            ORDER BY u.depth, u.path
            """,
            wave_id,
            refresh,
        )
    )


async def list_open_waves(conn: Conn) -> list[int]:
    rows = await conn.fetch("SELECT wave_id FROM wave WHERE status = 'open' ORDER BY wave_id")
    return [row["wave_id"] for row in rows]


async def fetch_current_wave(conn: Conn, program_id: int) -> Any:
    """A program's open wave, or its closed one not yet released (wave_id, seq)."""
    return await conn.fetchrow(
        "SELECT wave_id, seq FROM wave WHERE program_id = $1 AND status IN ('open', 'closed') "
        "ORDER BY seq DESC LIMIT 1",
        program_id,
    )
