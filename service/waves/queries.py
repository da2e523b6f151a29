"""SQL for waves. Every transition is a conditional UPDATE on the current status, so applying
one twice changes nothing the second time."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from service.db import Conn
from service.db import to_struct as _to
from service.scope.queries import program_in_scope
from service.waves.schemas import FrozenInstrument, FrozenSettings, Mode, WaveStatus

_WAVE_COLUMNS = """
    w.wave_id, w.program_id, p.name AS program_name, w.seq, w.status, w.opens_at, w.closes_at,
    w.opened_at, w.closed_at, w.released_at, w.frozen
"""


class WaveRow(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    program_id: int
    program_name: str
    seq: int
    status: WaveStatus
    opens_at: datetime
    closes_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    released_at: datetime | None
    frozen: dict[str, Any] | None


class ScheduleRow(msgspec.Struct, frozen=True, kw_only=True):
    """A program as its waves see it: their calendar, and the settings each wave fixes when
    it opens (the program's own reading is programs/queries.py's ProgramRow)."""

    program_id: int
    name: str
    root_unit_path: str
    cadence: str
    open_window: str
    starts_at: datetime
    mode: Mode
    policy: dict[str, Any]


class NextWaveRow(msgspec.Struct, frozen=True, kw_only=True):
    program_id: int
    wave_id: int
    seq: int
    opens_at: datetime
    closes_at: datetime


# --- a program's schedule ---------------------------------------------------------------


async def fetch_schedule(
    conn: Conn, program_id: int, *, for_update: bool = False
) -> ScheduleRow | None:
    """The program's schedule; `for_update` locks its row, which serialises every change to
    its waves."""
    lock = "FOR UPDATE OF p" if for_update else ""
    row = await conn.fetchrow(
        f"""
        SELECT p.program_id, p.name, u.path AS root_unit_path, p.cadence, p.open_window,
               p.starts_at, p.mode, p.policy
        FROM program p JOIN unit u ON u.unit_id = p.root_unit_id
        WHERE p.program_id = $1
        {lock}
        """,  # noqa: S608 - only constant fragments are interpolated
        program_id,
    )
    return None if row is None else _to(row, ScheduleRow)


async def list_frozen_instruments(conn: Conn, program_id: int) -> list[FrozenInstrument]:
    """The instrument versions the program pins now, in order: what a wave fixes as it opens."""
    rows = await conn.fetch(
        """
        SELECT i.slug, i.version, pi.instrument_id
        FROM program_instrument pi JOIN instrument i ON i.instrument_id = pi.instrument_id
        WHERE pi.program_id = $1
        ORDER BY pi.position
        """,
        program_id,
    )
    return [_to(row, FrozenInstrument) for row in rows]


# --- waves ------------------------------------------------------------------------------


async def fetch_wave(conn: Conn, wave_id: int) -> WaveRow | None:
    row = await conn.fetchrow(
        f"""
        SELECT {_WAVE_COLUMNS}
        FROM wave w JOIN program p ON p.program_id = w.program_id
        WHERE w.wave_id = $1
        """,  # noqa: S608 - only constant fragments are interpolated
        wave_id,
    )
    return None if row is None else _to(row, WaveRow)


async def count_wave_answers(conn: Conn, wave_id: int) -> int:
    """Every response of the wave, in all its units: the total at the program's root."""
    total: int = await conn.fetchval("SELECT count(*) FROM response WHERE wave_id = $1", wave_id)
    return total


async def list_waves(conn: Conn, program_ids: list[int]) -> list[WaveRow]:
    rows = await conn.fetch(
        f"""
        SELECT {_WAVE_COLUMNS}
        FROM wave w JOIN program p ON p.program_id = w.program_id
        WHERE w.program_id = ANY($1::bigint[])
        ORDER BY w.program_id, w.seq
        """,  # noqa: S608 - only constant fragments are interpolated
        program_ids,
    )
    return [_to(row, WaveRow) for row in rows]


class WaveForRelease(msgspec.Struct, frozen=True):
    """What privacy needs of a wave to release it (privacy.service.release_wave)."""

    wave_id: int
    program_id: int
    seq: int
    status: str
    root_unit_id: int
    frozen: FrozenSettings | None


async def fetch_wave_for_release(conn: Conn, wave_id: int) -> WaveForRelease | None:
    row = await conn.fetchrow(
        """
        SELECT w.wave_id, w.program_id, w.seq, w.status, p.root_unit_id, w.frozen
        FROM wave w JOIN program p USING (program_id)
        WHERE w.wave_id = $1
        """,
        wave_id,
    )
    return None if row is None else _to(row, WaveForRelease)


async def fetch_survey_key(conn: Conn, wave_id: int) -> str | None:
    survey_key: str | None = await conn.fetchval(
        "SELECT survey_key FROM wave WHERE wave_id = $1", wave_id
    )
    return survey_key


async def list_wave_instrument_ids(conn: Conn, wave_id: int) -> list[int]:
    """The instruments the wave fixed when it opened, in order."""
    rows = await conn.fetch(
        "SELECT instrument_id FROM wave_instrument WHERE wave_id = $1 ORDER BY position", wave_id
    )
    return [row["instrument_id"] for row in rows]


async def list_visible_waves(conn: Conn, scope_path: str | None) -> list[WaveRow]:
    """The waves of every program visible from `scope_path` (None: every program)."""
    rows = await conn.fetch(
        f"""
        SELECT {_WAVE_COLUMNS}
        FROM wave w
        JOIN program p ON p.program_id = w.program_id
        JOIN unit u ON u.unit_id = p.root_unit_id
        WHERE {program_in_scope("u.path", "$1")}
        ORDER BY w.program_id, w.seq
        """,  # noqa: S608 - only constant fragments are interpolated
        scope_path,
    )
    return [_to(row, WaveRow) for row in rows]


async def list_next_waves(conn: Conn, program_ids: list[int]) -> list[NextWaveRow]:
    """Each program's earliest wave that is still scheduled."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT ON (program_id) program_id, wave_id, seq, opens_at, closes_at
        FROM wave
        WHERE program_id = ANY($1::bigint[]) AND status = 'scheduled'
        ORDER BY program_id, seq
        """,
        program_ids,
    )
    return [_to(row, NextWaveRow) for row in rows]


async def fetch_latest_wave(conn: Conn, program_id: int) -> WaveRow | None:
    row = await conn.fetchrow(
        f"""
        SELECT {_WAVE_COLUMNS}
        FROM wave w JOIN program p ON p.program_id = w.program_id
        WHERE w.program_id = $1
        ORDER BY w.seq DESC
        LIMIT 1
        """,  # noqa: S608 - only constant fragments are interpolated
        program_id,
    )
    return None if row is None else _to(row, WaveRow)


async def fetch_open_wave(conn: Conn, program_id: int) -> WaveRow | None:
    row = await conn.fetchrow(
        f"""
        SELECT {_WAVE_COLUMNS}
        FROM wave w JOIN program p ON p.program_id = w.program_id
        WHERE w.program_id = $1 AND w.status = 'open'
        ORDER BY w.seq
        LIMIT 1
        """,  # noqa: S608 - only constant fragments are interpolated
        program_id,
    )
    return None if row is None else _to(row, WaveRow)


async def list_scheduled_waves(conn: Conn, program_id: int) -> list[WaveRow]:
    rows = await conn.fetch(
        f"""
        SELECT {_WAVE_COLUMNS}
        FROM wave w JOIN program p ON p.program_id = w.program_id
        WHERE w.program_id = $1 AND w.status = 'scheduled'
        ORDER BY w.seq
        """,  # noqa: S608 - only constant fragments are interpolated
        program_id,
    )
    return [_to(row, WaveRow) for row in rows]


async def list_programs_to_advance(conn: Conn, now: datetime) -> list[int]:
    """Programs with a wave due to open or close, or without a scheduled next wave.

    Their rows are locked; rows another transaction holds are skipped, so two schedulers
    running at once never work on the same program.
    """
    rows = await conn.fetch(
        """
        SELECT p.program_id
        FROM program p
        WHERE EXISTS (
                SELECT 1 FROM wave w
                WHERE w.program_id = p.program_id
                  AND ((w.status = 'scheduled' AND w.opens_at <= $1)
                       OR (w.status = 'open' AND w.closes_at <= $1))
              )
           OR NOT EXISTS (
                SELECT 1 FROM wave w WHERE w.program_id = p.program_id AND w.status = 'scheduled'
              )
        ORDER BY p.program_id
        FOR UPDATE OF p SKIP LOCKED
        """,
        now,
    )
    return [row["program_id"] for row in rows]


async def insert_wave(
    conn: Conn, program_id: int, seq: int, opens_at: datetime, closes_at: datetime
) -> int | None:
    """The new wave's id, or None when the program already has a wave with this seq."""
    wave_id: int | None = await conn.fetchval(
        """
        INSERT INTO wave (program_id, seq, opens_at, closes_at)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (program_id, seq) DO NOTHING
        RETURNING wave_id
        """,
        program_id,
        seq,
        opens_at,
        closes_at,
    )
    return wave_id


async def update_wave_schedule(
    conn: Conn, wave_id: int, opens_at: datetime, closes_at: datetime
) -> None:
    await conn.execute(
        """
        UPDATE wave SET opens_at = $2, closes_at = $3
        WHERE wave_id = $1 AND status = 'scheduled'
        """,
        wave_id,
        opens_at,
        closes_at,
    )


async def update_wave_opened(
    conn: Conn, wave_id: int, now: datetime, opens_at: datetime, frozen: dict[str, Any]
) -> bool:
    """scheduled -> open; False when the wave was not scheduled (nothing changes then)."""
    done = await conn.fetchval(
        """
        UPDATE wave SET status = 'open', opened_at = $2, opens_at = $3, frozen = $4
        WHERE wave_id = $1 AND status = 'scheduled'
        RETURNING true
        """,
        wave_id,
        now,
        opens_at,
        frozen,
    )
    return bool(done)


async def update_wave_released(conn: Conn, wave_id: int, at: datetime) -> bool:
    """closed -> released (the release is recorded by privacy in the same transaction);
    False when the wave was not closed."""
    done = await conn.fetchval(
        """
        UPDATE wave SET status = 'released', released_at = $2
        WHERE wave_id = $1 AND status = 'closed'
        RETURNING true
        """,
        wave_id,
        at,
    )
    return bool(done)


async def insert_wave_instruments(conn: Conn, wave_id: int, instrument_ids: list[int]) -> None:
    await conn.executemany(
        "INSERT INTO wave_instrument (wave_id, position, instrument_id) VALUES ($1, $2, $3)",
        [(wave_id, position, iid) for position, iid in enumerate(instrument_ids, start=1)],
    )


async def update_wave_closed(conn: Conn, wave_id: int, now: datetime) -> bool:
    """open -> closed, the window ending no later than `now`; False when it was not open."""
    # The table wants closes_at > opens_at: a wave closed at the instant it opened keeps
    # a window of one microsecond.
    done = await conn.fetchval(
        """
        UPDATE wave
        SET status = 'closed', closed_at = $2,
            closes_at = greatest(least(closes_at, $2), opens_at + interval '1 microsecond')
        WHERE wave_id = $1 AND status = 'open'
        RETURNING true
        """,
        wave_id,
        now,
    )
    return bool(done)


# --- each wave's own relations (migrations/0005_partition_collection.sql) ----------------------


class StorageRow(msgspec.Struct, frozen=True, kw_only=True):
    # The partitioned table, and what becomes of the wave's partition of it at close.
    parent: str
    at_close: Literal["drop", "shuffle"]
    # The wave's partition of it, <parent>_w<wave_id>, and whether it exists now.
    relation: str
    exists: bool


async def list_wave_storage(conn: Conn, wave_id: int) -> list[StorageRow]:
    """The wave's relation in every per-wave table of wave_storage, by parent name."""
    rows = await conn.fetch(
        """
        SELECT s.parent, s.at_close, s.parent || '_w' || $1::bigint AS relation,
               to_regclass(quote_ident(s.parent || '_w' || $1::bigint)) IS NOT NULL AS exists
        FROM wave_storage s
        ORDER BY s.parent
        """,
        wave_id,
    )
    return [_to(row, StorageRow) for row in rows]


FORGET_LOCK_KEY = 0x6D75_7374  # any constant, the same in every instance


async def try_lock_wave_storage(conn: Conn, wave_id: int) -> bool:
    """A transaction-level advisory lock on the wave's relations; False when another
    session holds it. Wave ids beyond 2**31 share keys, which only serialises them."""
    locked: bool = await conn.fetchval(
        "SELECT pg_try_advisory_xact_lock($1, ($2 % 2147483647)::integer)",
        FORGET_LOCK_KEY,
        wave_id,
    )
    return locked


async def try_lock_for_transaction(conn: Conn, key: int) -> bool:
    """A transaction-level advisory lock on `key` (the scheduler's tick); False when another
    session holds it."""
    locked: bool = await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", key)
    return locked


async def list_waves_to_forget(conn: Conn) -> list[int]:
    """Closed waves whose collecting relations (codes, spent codes, links) still exist."""
    rows = await conn.fetch(
        """
        SELECT w.wave_id FROM wave w
        WHERE w.status IN ('closed', 'released')
          AND EXISTS (
              SELECT 1 FROM wave_storage s
              WHERE s.at_close = 'drop'
                AND to_regclass(quote_ident(s.parent || '_w' || w.wave_id)) IS NOT NULL
          )
        ORDER BY w.wave_id
        """
    )
    return [row["wave_id"] for row in rows]


SHUFFLE_WORK_MEM = "32MB"


def _ident(name: str) -> str:
    # Relation names come from wave_storage and a wave id, never from a request.
    return '"' + name.replace('"', '""') + '"'


async def create_shuffled_copy(conn: Conn, storage: StorageRow, wave_id: int) -> str:
    """A new relation holding the wave's rows in random order, ready to be attached in
    place of its partition: the parent's columns and constraints, and its partition bound
    as a constraint (so attaching needs no scan). A 'shuffle' table has no foreign keys
    and no indexes (see the migration): attaching would build or lock them while holding
    the parent. Returns its name."""
    copy = f"{storage.relation}_shuffled"
    parent, old, new = _ident(storage.parent), _ident(storage.relation), _ident(copy)
    await conn.execute(f"DROP TABLE IF EXISTS {new}")
    # The partition bound as a constraint, checked as rows go in: ATTACH then needs no scan.
    await conn.execute(
        f"CREATE TABLE {new} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS,"
        f" CHECK (wave_id = {int(wave_id)}))"
    )
    # Sorting 1,000,000 rows of 30 answers in runs of 32 MB, which stay in the CPU's
    # caches, took 1.5x a plain copy; 4 MB (the default) and 1 GB (all in memory) took 1.9x
    # (bench/close.py, docs/anonymity.md). Only for this transaction.
    await conn.execute("SELECT set_config('work_mem', $1, true)", SHUFFLE_WORK_MEM)
    await conn.execute(f"INSERT INTO {new} SELECT * FROM {old} ORDER BY random()")  # noqa: S608
    targets = await conn.fetch(
        """
        SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attstattarget = 0
        """,
        storage.parent,
    )
    for row in targets:
        await conn.execute(
            f"ALTER TABLE {new} ALTER COLUMN {_ident(row['attname'])} SET STATISTICS 0"
        )
    return copy


async def set_local_lock_timeout(conn: Conn, milliseconds: int) -> None:
    await conn.execute("SELECT set_config('lock_timeout', $1, true)", f"{int(milliseconds)}ms")


async def replace_wave_storage(
    conn: Conn, wave_id: int, storage: list[StorageRow], copies: dict[str, str]
) -> None:
    """Drop the wave's relations and attach its shuffled copies in their place.

    Dropping a partition locks its parent ACCESS EXCLUSIVE until commit: keep the rest of
    the transaction short. PostgreSQL removes the dropped relations' files at commit.
    """
    for row in storage:
        if row.exists:
            await conn.execute(f"DROP TABLE {_ident(row.relation)}")
    for row in storage:
        copy = copies.get(row.parent)
        if copy is not None:
            await conn.execute(
                f"ALTER TABLE {_ident(row.parent)} ATTACH PARTITION {_ident(copy)} "
                f"FOR VALUES IN ({int(wave_id)})"
            )
            await conn.execute(f"ALTER TABLE {_ident(copy)} RENAME TO {_ident(row.relation)}")


async def list_lock_holders(conn: Conn, relations: list[str]) -> list[int]:
    """Other sessions holding a lock on any of these relations, longest-running first."""
    rows = await conn.fetch(
        """
        SELECT l.pid FROM pg_locks l
        LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
          AND l.relation = ANY (
              SELECT to_regclass(quote_ident(r))::oid FROM unnest($1::text[]) AS r
          )
        GROUP BY l.pid
        ORDER BY min(a.xact_start) NULLS LAST, l.pid
        """,
        relations,
    )
    return [row["pid"] for row in rows]


async def remove_old_wal(conn: Conn) -> None:
    """End the current WAL segment and checkpoint, so that the segments written before it
    (and the files of dropped relations) can be removed. Outside a transaction."""
    await conn.execute("SELECT pg_switch_wal()")
    await conn.execute("CHECKPOINT")
