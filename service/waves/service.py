"""Wave rules: scheduling, opening, closing.

A wave moves scheduled -> open -> closed -> released and never back. Every change to a
program's waves happens while holding that program's row lock (SELECT ... FOR UPDATE),
and every transition is a conditional UPDATE on the current status, so the scheduler
running in several instances, or next to a coordinator's click, applies each change once.

Waves own the wave table, its transitions and its calendar (waves/calendar.py). Programs
call in (schedule_first_wave, reschedule_waves); waves never import programs: they read
what a program fixes on its waves with their own query (queries.fetch_schedule).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from service import db
from service.audit.service import insert_audit
from service.auth.principal import Principal
from service.db import Conn
from service.errors import CloseWaiting, ProgramNotFound, WaveNotFound, WaveTransitionRefused
from service.i18n import gettext
from service.scope.rules import sees_program, visible_root
from service.scope.service import program_not_found
from service.tokens import service as tokens
from service.waves import queries
from service.waves.calendar import parse_duration, wave_times
from service.waves.queries import ScheduleRow, WaveRow
from service.waves.schemas import FrozenSettings, Wave

log = logging.getLogger("muster")
# A safety net against a bug looping forever; catching up after years of downtime with
# the shortest cadence (P2D) takes about 3 steps per missed wave.
MAX_STEPS_PER_PROGRAM = 10_000
# Replacing a wave's relations locks their parent tables, which every submission uses, so
# it waits at most this long for each attempt (and submissions wait at most as long behind
# it), below deadlock_timeout (1 s by default) so that no deadlock error reaches anyone.
LOCK_TIMEOUT_MS = 200
LOCK_ATTEMPTS = 15
LOCK_PAUSE_S = 0.2


def _wave(row: WaveRow) -> Wave:
    return Wave(
        wave_id=row.wave_id,
        program_id=row.program_id,
        program_name=row.program_name,
        seq=row.seq,
        status=row.status,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        released_at=row.released_at,
        frozen=None if row.frozen is None else msgspec.convert(row.frozen, type=FrozenSettings),
    )


# --- reading ----------------------------------------------------------------------------


async def _fetch_schedule(
    conn: Conn, viewer: Principal | None, program_id: int, *, for_update: bool = False
) -> ScheduleRow:
    row = await queries.fetch_schedule(conn, program_id, for_update=for_update)
    if row is None or not sees_program(viewer, row.root_unit_path):
        # Outside the viewer's scope is the same answer as no such program.
        raise program_not_found(program_id)
    return row


async def list_waves(
    conn: Conn, viewer: Principal | None, program_id: int | None = None
) -> list[Wave]:
    """Waves of one program, or of every program the viewer may see, by program and seq."""
    if program_id is not None:
        await _fetch_schedule(conn, viewer, program_id)
        rows = await queries.list_waves(conn, [program_id])
    else:
        rows = await queries.list_visible_waves(conn, visible_root(viewer))
    return [_wave(row) for row in rows]


async def _fetch_row(conn: Conn, wave_id: int) -> WaveRow:
    row = await queries.fetch_wave(conn, wave_id)
    if row is None:
        raise WaveNotFound(f"There is no wave {wave_id}. List the program's waves to find its id.")
    return row


async def fetch_wave(conn: Conn, viewer: Principal | None, wave_id: int) -> Wave:
    """One wave, if the viewer may see its program; otherwise the same 404 as no such wave."""
    row = await _fetch_row(conn, wave_id)
    try:
        await _fetch_schedule(conn, viewer, row.program_id)
    except ProgramNotFound:
        raise WaveNotFound(
            f"There is no wave {wave_id}. List the program's waves to find its id."
        ) from None
    return _wave(row)


async def root_answer_total(conn: Conn, viewer: Principal | None, wave_id: int) -> int | None:
    """The wave's number of answers when its program covers the whole organisation (its
    root unit has no parent): the one exact count that may leave the service. None for a
    program rooted below the organisation's root, whose total would be a count below it."""
    wave = await fetch_wave(conn, viewer, wave_id)  # the same 404 outside the scope
    schedule = await _fetch_schedule(conn, viewer, wave.program_id)
    if "/" in schedule.root_unit_path:
        return None
    return await queries.count_wave_answers(conn, wave_id)


# --- the transitions: each in one place ---------------------------------------------------


async def open_wave_row(conn: Conn, program: ScheduleRow, wave: WaveRow, now: datetime) -> bool:
    """scheduled -> open: fix the program's mode, policy and instrument versions on the wave.

    From here on nothing about the wave's anonymity or privacy can change, whatever
    happens to the program. `opens_at` becomes `now` when the wave opens early.
    Returns False (and changes nothing) when the wave was no longer scheduled.
    """
    pinned = await queries.list_frozen_instruments(conn, program.program_id)
    frozen = {
        "mode": program.mode,
        "policy": program.policy,
        "instruments": msgspec.to_builtins(pinned),
    }
    opened = await queries.update_wave_opened(
        conn, wave.wave_id, now, min(wave.opens_at, now), frozen
    )
    if opened:
        await queries.insert_wave_instruments(conn, wave.wave_id, [p.instrument_id for p in pinned])
        if program.mode == "links":
            # The wave's own signing key, made now and dropped with the wave at its close.
            await tokens.create_wave_key(conn, wave.wave_id)
    return opened


async def close_wave_rows(conn: Conn, wave_id: int, now: datetime) -> bool:
    """open -> closed: THE single place where a wave closes.

    Both the scheduler (advance_waves) and a coordinator (close_wave, from the API, the
    console or the CLI) close waves through this function, inside the caller's transaction
    and under the program's row lock. The UPDATE waits for every submission in flight and
    turns later ones away. Once that transaction commits, `forget_wave` replaces the wave's
    relations (DESIGN.md §4): registered here, it runs after the commit whatever the entry
    point (db.transaction). `closes_at` becomes min(closes_at, now).
    Returns False (and changes nothing) when the wave was not open.
    """
    closed = await queries.update_wave_closed(conn, wave_id, now)
    if closed:
        await db.after_commit(conn, functools.partial(forget_wave, wave_id=wave_id))
    return closed


async def forget_wave(conn: Conn, *, wave_id: int) -> bool:
    """Leave nothing of a closed wave that links or dates an answer; False if nothing to do.

    In one transaction, outside any other: write the wave's responses into a new relation
    in random order, drop its response, code, spent-code and link relations, and attach the
    new one in their place; PostgreSQL removes the dropped files at commit. Then end the
    WAL segment and checkpoint, so the segments that held its submissions can be removed.
    The parents' locks are taken with a short lock_timeout and retried; when another
    transaction keeps them longer, raises CloseWaiting naming it, and changes nothing (the
    scheduler tries again on its next tick). Idempotent.
    """
    if conn.is_in_transaction():
        raise RuntimeError("forget_wave runs outside any transaction, after the close commits")
    async with conn.transaction():
        # One forgetting per wave at a time (the scheduler of every instance tries too);
        # an advisory lock, because a lock on the wave's row would make late submissions
        # wait for it while holding the tables the swap needs.
        if not await queries.try_lock_wave_storage(conn, wave_id):
            return False
        wave = await queries.fetch_wave(conn, wave_id)
        storage = await queries.list_wave_storage(conn, wave_id)
        if wave is None or wave.status not in ("closed", "released"):
            return False
        if not any(row.exists and row.at_close == "drop" for row in storage):
            return False
        copies = {
            row.parent: await queries.create_shuffled_copy(conn, row, wave_id)
            for row in storage
            if row.exists and row.at_close == "shuffle"
        }
        await _replace_storage(conn, wave, storage, copies)
    try:
        await queries.remove_old_wal(conn)
    except asyncpg.InsufficientPrivilegeError:
        # The start-up linkage check says which grant is missing.
        log.warning("wave closed; this role cannot checkpoint, so old WAL stays until the next")
    return True


async def _replace_storage(
    conn: Conn, wave: WaveRow, storage: list[queries.StorageRow], copies: dict[str, str]
) -> None:
    holders: list[int] = []
    for attempt in range(LOCK_ATTEMPTS):
        try:
            async with conn.transaction():
                await queries.set_local_lock_timeout(conn, LOCK_TIMEOUT_MS)
                await queries.replace_wave_storage(conn, wave.wave_id, storage, copies)
            return
        except asyncpg.LockNotAvailableError:
            holders = await queries.list_lock_holders(
                conn, [row.parent for row in storage] + [row.relation for row in storage]
            )
            if attempt + 1 < LOCK_ATTEMPTS:
                await asyncio.sleep(LOCK_PAUSE_S)
    who = f"pid {holders[0]}" if holders else "another session"
    raise CloseWaiting(
        f"Wave {wave.seq} of '{wave.program_name}' is closed and takes no more answers, but "
        f"erasing its codes is waiting for a long-running transaction ({who}) to finish. "
        "End that transaction or let it finish: the scheduler finishes the close on its "
        "next tick.",
        pids=holders,
    )


async def forget_closed_waves(conn: Conn) -> None:
    """Finish every close whose relations are still there (the scheduler, every tick)."""
    for wave_id in await queries.list_waves_to_forget(conn):
        try:
            await forget_wave(conn, wave_id=wave_id)
        except CloseWaiting as exc:
            log.warning("%s", exc.detail)


async def _ensure_next_wave(conn: Conn, program: ScheduleRow) -> bool:
    """Keep one scheduled wave ahead: add wave n+1 once wave n has left 'scheduled'."""
    latest = await queries.fetch_latest_wave(conn, program.program_id)
    if latest is not None and latest.status == "scheduled":
        return False
    seq = 1 if latest is None else latest.seq + 1
    opens_at, closes_at = wave_times(
        program.starts_at,
        parse_duration(program.cadence, "cadence"),
        parse_duration(program.open_window, "window"),
        seq,
    )
    return await queries.insert_wave(conn, program.program_id, seq, opens_at, closes_at) is not None


async def _advance_program(conn: Conn, program: ScheduleRow, now: datetime) -> None:
    """Bring one (locked) program's waves up to `now`, one step at a time.

    A scheduled wave whose whole window passed while no scheduler ran (the service was
    down) is opened and then closed in the same tick: it shows as closed, with
    opened_at = closed_at = the tick's time and no responses, so the timeline says
    honestly that the wave happened on paper and collected nothing. Later waves follow
    the cadence from starts_at and are not shifted.
    """
    for _ in range(MAX_STEPS_PER_PROGRAM):
        current = await queries.fetch_open_wave(conn, program.program_id)
        if current is not None and current.closes_at <= now:
            if await close_wave_rows(conn, current.wave_id, now):
                missed = current.opened_at is not None and current.opened_at >= current.closes_at
                await _audit_schedule(conn, "wave.closed", current, missed)
            continue
        if await _ensure_next_wave(conn, program):
            continue
        upcoming = await queries.fetch_latest_wave(conn, program.program_id)
        if (
            current is None
            and upcoming is not None
            and upcoming.status == "scheduled"
            and upcoming.opens_at <= now
        ):
            if await open_wave_row(conn, program, upcoming, now):
                await _audit_schedule(conn, "wave.opened", upcoming, upcoming.closes_at <= now)
            continue
        return
    log.error("program %s: wave schedule did not settle", program.program_id)


async def _audit_schedule(conn: Conn, action: str, wave: WaveRow, missed: bool) -> None:
    subject: dict[str, Any] = {
        "wave_id": wave.wave_id,
        "program_id": wave.program_id,
        "seq": wave.seq,
        "by": "schedule",
        # audit.insert_audit stamps actor-less rows as via "cli" today; this says which.
        "via": "schedule",
    }
    if missed:
        subject["missed"] = True
    await insert_audit(conn, None, action, subject)


async def advance_waves(conn: Conn, now: datetime) -> None:
    """Open and close every wave that is due at `now`, and schedule the next waves.

    For each program: close the open wave once closes_at <= now; keep exactly one
    scheduled wave ahead (wave n opens at starts_at + (n-1)·cadence); open the scheduled
    wave once opens_at <= now. Idempotent: running it twice at the same `now` changes
    nothing the second time. Safe concurrently: programs are locked with
    FOR UPDATE SKIP LOCKED (another runner skips them), transitions are conditional
    UPDATEs, and new waves are inserted ON CONFLICT DO NOTHING.
    """
    async with conn.transaction():
        for program_id in await queries.list_programs_to_advance(conn, now):
            program = await queries.fetch_schedule(conn, program_id)
            if program is not None:
                await _advance_program(conn, program, now)


# --- the calendar of a program that changes (programs.service) ---------------------------


async def schedule_first_wave(
    conn: Conn, program_id: int, starts_at: datetime, cadence: str, window: str
) -> None:
    """Put wave 1 of a new program on its calendar; the scheduler opens it when it is due."""
    opens_at, closes_at = wave_times(starts_at, parse_duration(cadence), parse_duration(window), 1)
    await queries.insert_wave(conn, program_id, 1, opens_at, closes_at)


async def reschedule_waves(
    conn: Conn, program_id: int, starts_at: datetime, cadence: str, window: str
) -> None:
    """Move every scheduled wave of a program to its new calendar. The caller holds the
    program's row lock and has checked that no wave has opened yet."""
    cadence_d, window_d = parse_duration(cadence), parse_duration(window)
    for wave in await queries.list_scheduled_waves(conn, program_id):
        opens_at, closes_at = wave_times(starts_at, cadence_d, window_d, wave.seq)
        await queries.update_wave_schedule(conn, wave.wave_id, opens_at, closes_at)


# --- by hand ----------------------------------------------------------------------------


async def _lock(conn: Conn, actor: Principal | None, wave_id: int) -> tuple[ScheduleRow, WaveRow]:
    """The wave, read again after locking its program so its status cannot move under us."""
    row = await _fetch_row(conn, wave_id)
    program = await _fetch_schedule(conn, actor, row.program_id, for_update=True)
    return program, await _fetch_row(conn, wave_id)


def _refuse(wave: WaveRow, action: str) -> WaveTransitionRefused:
    """Refuse to open ("open") or close ("close") a wave whose status does not allow it."""
    # The status in words ("ouverte"): the staff pages translate the four statuses.
    status = gettext(wave.status)
    values = {"seq": wave.seq, "program": repr(wave.program_name), "status": status}
    message = (
        gettext(
            "Wave %(seq)s of %(program)s is %(status)s; only a scheduled wave can be opened. "
            "Waves go scheduled -> open -> closed -> released, never back.",
            **values,
        )
        if action == "open"
        else gettext(
            "Wave %(seq)s of %(program)s is %(status)s; only an open wave can be closed. "
            "Waves go scheduled -> open -> closed -> released, never back.",
            **values,
        )
    )
    return WaveTransitionRefused(message, status_now=wave.status)


async def open_wave(conn: Conn, actor: Principal | None, wave_id: int, now: datetime) -> Wave:
    """Open a scheduled wave now. Opening before opens_at moves opens_at to now; the wave
    still closes at its planned closes_at. One open wave per program at a time."""
    program, wave = await _lock(conn, actor, wave_id)
    if wave.status != "scheduled":
        raise _refuse(wave, "open")
    current = await queries.fetch_open_wave(conn, program.program_id)
    if current is not None:
        raise WaveTransitionRefused(
            gettext(
                "Wave %(seq)s (id %(id)s) of %(program)s is still open; close it first: a "
                "program has one open wave at a time.",
                seq=current.seq,
                id=current.wave_id,
                program=repr(program.name),
            ),
            status_now=wave.status,
        )
    if wave.closes_at <= now:
        raise WaveTransitionRefused(
            gettext(
                "Wave %(seq)s's window ended at %(closes_at)s; it can no longer open. The "
                "scheduler records it as missed.",
                seq=wave.seq,
                closes_at=wave.closes_at.isoformat(),
            ),
            status_now=wave.status,
        )
    await open_wave_row(conn, program, wave, now)
    await insert_audit(
        conn,
        actor,
        "wave.opened",
        {"wave_id": wave.wave_id, "program_id": program.program_id, "seq": wave.seq, "by": "hand"},
    )
    await _ensure_next_wave(conn, program)
    return _wave(await _fetch_row(conn, wave_id))


async def close_wave(conn: Conn, actor: Principal | None, wave_id: int, now: datetime) -> Wave:
    """Close an open wave now; closes_at becomes min(closes_at, now)."""
    program, wave = await _lock(conn, actor, wave_id)
    if wave.status != "open":
        raise _refuse(wave, "close")
    await close_wave_rows(conn, wave.wave_id, now)
    await insert_audit(
        conn,
        actor,
        "wave.closed",
        {"wave_id": wave.wave_id, "program_id": program.program_id, "seq": wave.seq, "by": "hand"},
    )
    return _wave(await _fetch_row(conn, wave_id))
