"""Closing a wave leaves nothing that links or dates an answer, as an attacker with the
server's files would check: raw bytes of every relation file, pg_statistic, and (on an
embedded server the test starts) pg_wal and a pg_basebackup taken after the close.

Submissions go through the real HTTP path; the close comes from every entry point.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from service import db, scheduler
from service.auth.guards import SESSION_COOKIE
from service.cli import main
from service.waves import queries as wave_queries
from service.waves import service as waves
from tests import attacker
from tests.factories import (
    T0,
    Survey,
    make_cards,
    make_session,
    make_staff,
    make_survey,
    make_token,
)

N = 50
FORM_KEY = re.compile(r'name="form_key" value="([A-Za-z0-9_-]{43})"')
HTML = {"Accept": "text/html,application/xhtml+xml"}


def submit_all(client: TestClient[Any], survey: Survey, codes: list[str]) -> list[bytes]:
    """Each code answered once through /s/<key>; returns the form-key hashes sent."""
    sent = []
    for code in codes:
        page = client.get(f"/s/{survey.survey_key}")
        found = FORM_KEY.search(page.text)
        assert found is not None
        response = client.post(
            f"/s/{survey.survey_key}",
            data={"code": code, "form_key": found.group(1), "send_empty": "yes"},
        )
        assert response.status_code == 200, response.text
        sent.append(hashlib.sha256(found.group(1).encode()).digest())
    return sent


def answered(client: TestClient[Any], seed: Any, count: int) -> Survey:
    """An open wave with `count` cards, each answered once through the real HTTP path."""

    async def setup(conn: Any) -> tuple[Survey, list[str]]:
        survey = await make_survey(conn)
        return survey, await make_cards(conn, survey.wave_id, survey.unit_id, count)

    made: tuple[Survey, list[str]] = seed(setup)
    submit_all(client, *made)
    return made[0]


async def _secrets(conn: Any, wave_id: int) -> list[bytes]:
    rows = await conn.fetch(
        """
        SELECT code_hash FROM invitation WHERE wave_id = $1
        UNION ALL SELECT code_hash FROM spent_invitation WHERE wave_id = $1
        UNION ALL SELECT submission FROM spent_invitation WHERE wave_id = $1
        """,
        wave_id,
    )
    return sorted({bytes(row[0]) for row in rows})


async def _scan(conn: Any, survey: Survey, secrets: list[bytes]) -> tuple[int, list[Any]]:
    """(secrets found, response tuple versions) in the database's files, once every page
    PostgreSQL holds in memory has been written out."""
    await conn.execute("CHECKPOINT")
    files = list(attacker.files_under(*await attacker.database_folders(conn)))
    found = attacker.find(files, secrets)
    return len(found), attacker.response_versions(files, survey.wave_id, survey.unit_id)


def close_by(
    entry: str,
    client: TestClient[Any],
    seed: Any,
    wave_id: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
) -> tuple[int, str]:
    """Close the wave from one entry point: (HTTP status or exit code, what it said)."""
    if entry == "api":
        key = client.app.state.secret_key

        async def token(conn: Any) -> str:
            return await make_token(conn, await make_staff(conn), key, scopes=("read", "write"))

        response = client.post(
            f"/api/v1/waves/{wave_id}/close", headers={"Authorization": "Bearer " + seed(token)}
        )
        return response.status_code, response.text
    if entry == "console":

        async def session(conn: Any) -> tuple[str, str]:
            return await make_session(conn, await make_staff(conn))

        cookie, csrf = seed(session)
        client.cookies.set(SESSION_COOKIE, cookie)
        response = client.post(
            f"/console/waves/{wave_id}/close",
            data={"csrf_token": csrf, "confirm": "yes"},
            headers=HTML,
            follow_redirects=False,
        )
        client.cookies.clear()
        return response.status_code, response.text
    if entry == "cli":
        monkeypatch.setenv("MUSTER_DATABASE_URL", database_url)
        code = main(["waves", "close", str(wave_id), "--json"])
        out, err = capsys.readouterr()
        return code, out + err
    # The scheduler's tick at a moment after the wave's window.
    return int(seed(lambda conn: scheduler.tick(conn, T0 + timedelta(days=400)))), ""


@pytest.fixture
def held_snapshot(database_url: str) -> Iterator[Callable[[], None]]:
    """Start a REPEATABLE READ transaction (as pg_dump holds one) when called; it stays
    open until the test ends."""
    loop = asyncio.new_event_loop()
    holder: list[Any] = []

    def start() -> None:
        async def go() -> None:
            conn = await db.connect(database_url)
            await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            await conn.fetchval("SELECT count(*) FROM wave")
            holder.append(conn)

        loop.run_until_complete(go())

    yield start
    for conn in holder:
        loop.run_until_complete(conn.close())
    loop.close()


@pytest.mark.parametrize("entry", ["api", "console", "cli", "scheduler", "api+snapshot"])
def test_after_a_close_no_database_file_holds_a_code_or_an_answer_as_it_arrived(
    client: TestClient[Any],
    seed: Any,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    held_snapshot: Callable[[], None],
    entry: str,
) -> None:
    survey = answered(client, seed, N)
    # Statistics gathered while the wave is open (autovacuum would do the same).
    seed(lambda conn: conn.execute("ANALYZE"))
    secrets = seed(lambda conn: _secrets(conn, survey.wave_id))
    assert len(secrets) == 2 * N  # the codes and the form keys

    found, versions = seed(lambda conn: _scan(conn, survey, secrets))
    # The scan sees what is there: before the close every code is on disk, and every
    # answer as it arrived (the batching may group some into one transaction).
    assert found == len(secrets)
    assert len(versions) >= N

    if entry == "api+snapshot":
        held_snapshot()
    done, said = close_by(
        entry.split("+")[0], client, seed, survey.wave_id, monkeypatch, capsys, database_url
    )
    assert done == {"api": 200, "console": 303, "cli": 0, "scheduler": 1}[entry.split("+")[0]], said

    found, versions = seed(lambda conn: _scan(conn, survey, secrets))
    assert found == 0
    # Only the shuffled copy is left: N versions, all written by the close.
    assert len(versions) == N
    assert len({v.xmin for v in versions}) == 1
    stats = seed(
        lambda conn: conn.fetchval(
            """
            SELECT count(*) FROM pg_statistic s
            JOIN pg_attribute a ON a.attrelid = s.starelid AND a.attnum = s.staattnum
            WHERE a.attname IN ('code_hash', 'submission', 'link_hash')
            """
        )
    )
    assert stats == 0


def test_pg_statistic_holds_no_credential_hash_while_a_wave_is_open(
    client: TestClient[Any], seed: Any
) -> None:
    answered(client, seed, N)

    async def analysed(conn: Any) -> Any:
        await conn.execute("ANALYZE")
        return await conn.fetchrow(
            """
            SELECT count(*) FILTER (WHERE a.attname IN ('code_hash', 'submission', 'link_hash'))
                       AS hashes,
                   count(*) FILTER (WHERE a.attname = 'unit_id') AS units
            FROM pg_statistic s
            JOIN pg_attribute a ON a.attrelid = s.starelid AND a.attnum = s.staattnum
            JOIN pg_class c ON c.oid = s.starelid
            WHERE c.relname ~ '^(invitation|spent_invitation|open_link|response)'
            """
        )

    row = seed(analysed)
    assert row["units"] > 0  # ANALYZE did gather statistics on these tables
    assert row["hashes"] == 0


@pytest.mark.parametrize(("entry", "refused"), [("api", 409), ("console", 409), ("cli", 1)])
def test_a_long_transaction_on_the_wave_tables_makes_the_close_wait_and_say_for_whom(
    client: TestClient[Any],
    seed: Any,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    entry: str,
    refused: int,
) -> None:
    survey = answered(client, seed, 3)
    loop = asyncio.new_event_loop()
    holder = loop.run_until_complete(db.connect(database_url))
    try:
        # As pg_dump does: a snapshot, and a lock on the tables it reads.
        loop.run_until_complete(holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ"))
        loop.run_until_complete(holder.fetchval("SELECT count(*) FROM response"))
        pid = loop.run_until_complete(holder.fetchval("SELECT pg_backend_pid()"))
        monkeypatch.setattr("service.waves.service.LOCK_ATTEMPTS", 2)
        done, said = close_by(
            entry, client, seed, survey.wave_id, monkeypatch, capsys, database_url
        )
        assert done == refused, said
        assert f"waiting for a long-running transaction (pid {pid}) to finish" in said
        # Closed to answers, but not forgotten: its code relations are still there.
        status = seed(
            lambda conn: conn.fetchval("SELECT status FROM wave WHERE wave_id = $1", survey.wave_id)
        )
        assert status == "closed"
        waiting = seed(
            lambda conn: conn.fetchval(
                "SELECT to_regclass($1) IS NOT NULL", f"invitation_w{survey.wave_id}"
            )
        )
        assert waiting
        loop.run_until_complete(holder.execute("COMMIT"))
        # The scheduler finishes it.
        seed(waves.forget_closed_waves)
        gone = seed(
            lambda conn: conn.fetchval(
                "SELECT to_regclass($1) IS NULL", f"invitation_w{survey.wave_id}"
            )
        )
        assert gone
    finally:
        loop.run_until_complete(holder.close())
        loop.close()


async def test_relations_rewritten_at_close_have_no_foreign_keys(conn: Any) -> None:
    # Attaching the shuffled copy of one would lock the referenced table ACCESS EXCLUSIVE
    # and wait for every transaction that read it, a pg_dump's snapshot included.
    keyed = await conn.fetch(
        """
        SELECT s.parent FROM wave_storage s
        JOIN pg_constraint c ON c.conrelid = s.parent::regclass AND c.contype = 'f'
        WHERE s.at_close = 'shuffle'
        """
    )
    assert keyed == []


async def test_relations_rewritten_at_close_have_no_indexes(conn: Any) -> None:
    # Attaching the copy would build them while holding the parent's lock.
    indexed = await conn.fetch(
        """
        SELECT s.parent FROM wave_storage s
        JOIN pg_index i ON i.indrelid = s.parent::regclass
        WHERE s.at_close = 'shuffle'
        """
    )
    assert indexed == []


async def test_a_wave_is_forgotten_by_one_session_at_a_time(database_url: str) -> None:
    conn, other = await db.connect(database_url), await db.connect(database_url)
    try:
        survey = await make_survey(conn)
        await make_cards(conn, survey.wave_id, survey.unit_id, 2)
        async with conn.transaction():
            # Closed, with its forgetting left to whoever comes next.
            await waves.close_wave(conn, None, survey.wave_id, T0 + timedelta(days=1))
        relation = f"invitation_w{survey.wave_id}"
        async with other.transaction():
            assert await wave_queries.try_lock_wave_storage(other, survey.wave_id)
            assert await waves.forget_wave(conn, wave_id=survey.wave_id) is False
            assert await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", relation)
        assert await waves.forget_wave(conn, wave_id=survey.wave_id) is True
        assert await conn.fetchval("SELECT to_regclass($1) IS NULL", relation)
    finally:
        await conn.close()
        await other.close()


async def test_the_scheduler_says_whom_a_close_waits_for_and_finishes_it_later(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("service.waves.service.LOCK_ATTEMPTS", 1)
    conn, holder = await db.connect(database_url), await db.connect(database_url)
    pool = await db.create_pool(database_url, 1, 2)
    try:
        survey = await make_survey(conn)
        await make_cards(conn, survey.wave_id, survey.unit_id, 2)
        await conn.execute(
            "UPDATE wave SET opens_at = now() - interval '2 hours',"
            " closes_at = now() - interval '1 hour' WHERE wave_id = $1",
            survey.wave_id,
        )
        await holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        await holder.fetchval("SELECT count(*) FROM invitation")
        pid = await holder.fetchval("SELECT pg_backend_pid()")
        running = asyncio.create_task(scheduler.run(pool, 0.05))
        relation = f"invitation_w{survey.wave_id}"
        for _ in range(200):
            await asyncio.sleep(0.05)
            if f"(pid {pid})" in caplog.text:
                break
        assert f"waiting for a long-running transaction (pid {pid}) to finish" in caplog.text
        assert await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", relation)
        await holder.execute("COMMIT")
        for _ in range(200):
            await asyncio.sleep(0.05)
            if await conn.fetchval("SELECT to_regclass($1) IS NULL", relation):
                break
        assert await conn.fetchval("SELECT to_regclass($1) IS NULL", relation)
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    finally:
        await pool.close()
        await conn.close()
        await holder.close()
