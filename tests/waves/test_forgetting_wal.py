"""On the embedded PostgreSQL, as Muster configures it (db.EMBEDDED_CONF): after a close,
no WAL segment and no pg_basebackup taken afterwards holds a code of the wave.

This test starts its own server: the shared test server's WAL settings are not Muster's
(docs/anonymity.md says which setting matters where).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from service import db, migrate
from service.app import create_app
from service.config import Settings
from service.waves import service as waves
from tests import attacker
from tests.conftest import ROOT, embedded_server, run_sync
from tests.factories import T0, Survey, make_cards, make_survey
from tests.waves.test_forgetting import N, submit_all


@pytest.fixture(scope="module")
def embedded_url() -> Iterator[str]:
    with embedded_server("muster-wal-pg-") as url:
        yield url


async def _connect(url: str) -> Any:
    conn = await db.connect(url)
    await migrate.migrate(conn)
    return conn


def test_after_a_close_neither_wal_nor_a_base_backup_holds_a_code_of_the_wave(
    embedded_url: str, tmp_path: Path
) -> None:
    async def setup() -> tuple[Survey, list[str], Path, Path]:
        conn = await _connect(embedded_url)
        try:
            survey = await make_survey(conn)
            codes = await make_cards(conn, survey.wave_id, survey.unit_id, N)
            data = Path(await conn.fetchval("SHOW data_directory"))
            bindir = Path(
                await conn.fetchval("SELECT setting FROM pg_config WHERE name = 'BINDIR'")
            )
            return survey, codes, data, bindir
        finally:
            await conn.close()

    survey, codes, data, bindir = run_sync(setup())
    settings = Settings(
        database_url=embedded_url,
        data_dir=str(tmp_path / "data"),
        surveys_dir=str(ROOT / "surveys"),
        scheduler_interval=0,
    )
    with TestClient(create_app(settings), base_url="https://testserver.local") as client:
        form_keys = submit_all(client, survey, codes)

    async def hashes() -> list[bytes]:
        conn = await db.connect(embedded_url)
        try:
            rows = await conn.fetch(
                "SELECT code_hash FROM spent_invitation WHERE wave_id = $1", survey.wave_id
            )
            return [bytes(row[0]) for row in rows]
        finally:
            await conn.close()

    secrets = [*run_sync(hashes()), *form_keys]
    assert len(set(secrets)) == 2 * N
    wal = data / "pg_wal"
    # The scan can fail: while the wave is open, its submissions are in the WAL.
    assert len(attacker.find(attacker.files_under(wal), secrets, wal=True)) == 2 * N

    async def close() -> None:
        conn = await db.connect(embedded_url)
        try:
            async with db.transaction(conn):
                await waves.close_wave(conn, None, survey.wave_id, T0 + timedelta(days=1))
        finally:
            await conn.close()

    run_sync(close())
    assert attacker.find(attacker.files_under(wal), secrets, wal=True) == set()

    backup = tmp_path / "backup"
    subprocess.run(  # noqa: S603 - the server's own pg_basebackup, fixed arguments
        [str(bindir / "pg_basebackup"), "-d", embedded_url, "-D", str(backup), "-X", "fetch",
         "-c", "fast"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    files = list(attacker.files_under(backup))
    assert attacker.find(files, secrets, wal=True) == set()
    versions = attacker.response_versions(files, survey.wave_id, survey.unit_id)
    assert len(versions) == N
    assert len({v.xmin for v in versions}) == 1
