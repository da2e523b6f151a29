"""`muster serve` as it runs in production: what the server process prints, and its heap."""

from __future__ import annotations

import gc
import http.client
import os
import secrets
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from bench import workers
from service.app import app_from_env
from service.invitations import service as invitations
from tests.conftest import _admin, run_sync, running_server
from tests.factories import open_wave_on, open_wave_with_card


def _request(base: str, method: str, path: str, body: str | None = None) -> tuple[int, Any, str]:
    """One request on its own connection; returns (status, headers, the client's address)."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.connect()
        host, port = connection.sock.getsockname()[:2]
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.headers, f"{host}:{port}"
    finally:
        connection.close()


def test_the_running_server_prints_nothing_about_a_request(
    database_url: str, tmp_path: Path, seed: Any
) -> None:
    survey_key, code, wave_id = seed(open_wave_with_card)
    body = urllib.parse.urlencode(
        {"code": code, "form_key": secrets.token_urlsafe(32), "send_empty": "yes"}
    )
    clients = []
    # Two workers (the server's main process and its workers) at the chattiest log level.
    with running_server(
        database_url, tmp_path, MUSTER_WORKERS="2", MUSTER_LOG_LEVEL="DEBUG"
    ) as base:
        status, headers, client = _request(base, "GET", f"/s/{survey_key}")
        assert status == 200
        clients.append(client)
        status, headers, client = _request(base, "POST", f"/s/{survey_key}", body)
        assert status == 200
        clients.append(client)
        # The privacy headers survive the real server, and it sets no cookie of its own.
        assert headers["cache-control"] == "no-store"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers.get("set-cookie") is None
        status, _, client = _request(base, "GET", "/s/no-such-survey")
        assert status == 404
        clients.append(client)
    printed = (tmp_path / "server.log").read_text()
    # The output was captured: the start-up line is there.
    assert "Muster is serving on" in printed
    for secret in (code, survey_key, "/s/", "POST", *clients):
        assert secret not in printed, f"the server printed {secret!r}:\n{printed}"
    stored = seed(
        lambda conn: conn.fetchval("SELECT count(*) FROM response WHERE wave_id = $1", wave_id)
    )
    assert stored == 1


@pytest.fixture
def worker_env(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("MUSTER_DATABASE_URL", database_url)
    monkeypatch.setenv("MUSTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MUSTER_SCHEDULER_INTERVAL", "0")
    monkeypatch.setenv("MUSTER_POOL_MIN_SIZE", "1")
    monkeypatch.setenv("MUSTER_POOL_MAX_SIZE", "4")
    try:
        yield
    finally:
        # The test process goes on: what was frozen here must be collectable again.
        gc.unfreeze()


@pytest.mark.usefixtures("worker_env")
def test_a_worker_freezes_what_start_up_built() -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(app_from_env()) as client:
        frozen = gc.get_freeze_count()
        # The app, its routes and the imports behind them: far more than a handful.
        assert frozen > 10_000
        assert client.get("/readyz").status_code == 200


def test_a_database_outage_writes_one_line_that_names_no_request(
    database_url: str, server_url: str, tmp_path: Path, seed: Any
) -> None:
    survey_key, code, _wave_id = seed(open_wave_with_card)
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    log_path = tmp_path / "server.log"
    with running_server(database_url, tmp_path, MUSTER_WORKERS="1") as base:
        assert _request(base, "GET", f"/s/{survey_key}")[0] == 200
        before = len(log_path.read_text())
        run_sync(
            _admin(
                server_url,
                f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
            )
        )
        try:
            statuses = []
            for _ in range(30):
                body = urllib.parse.urlencode(
                    {"code": code, "form_key": secrets.token_urlsafe(32), "send_empty": "yes"}
                )
                statuses.append(_request(base, "POST", f"/s/{survey_key}", body)[0])
                statuses.append(_request(base, "GET", f"/s/{survey_key}")[0])
            # The reporter writes its line shortly after the first failure, then waits a minute.
            for _ in range(100):
                printed = log_path.read_text()[before:]
                if "survey routes failed" in printed:
                    break
                time.sleep(0.1)
        finally:
            run_sync(_admin(server_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    assert statuses == [500] * 60
    lines = [line for line in printed.splitlines() if line.strip()]
    assert len(lines) == 1, printed
    assert "survey routes failed 60 times" in lines[0]
    for secret in (code, survey_key, "/s/", "POST", "127.0.0.1"):
        assert secret not in printed


async def _open_wave_with_cards(conn: Any, count: int) -> tuple[str, list[str]]:
    _, wave_id, units = await open_wave_on(conn, shape=(2,))
    batch = await invitations.generate_cards(conn, None, wave_id, units[1]["path"], count)
    return batch.wave.survey_key, [card.code.replace("-", "") for card in batch.cards]


def _server_pid() -> int:
    """The `muster serve` process this test started (running_server does not say)."""
    for pid in workers.children(os.getpid()):
        if b"service.cli" in Path(f"/proc/{pid}/cmdline").read_bytes():
            return pid
    raise AssertionError("no server process")


def test_a_killed_worker_is_replaced_and_no_acknowledged_response_is_lost(
    database_url: str, tmp_path: Path, seed: Any
) -> None:
    survey_key, codes = seed(lambda conn: _open_wave_with_cards(conn, 160))
    with running_server(database_url, tmp_path, MUSTER_WORKERS="2") as base:
        server = _server_pid()
        first = workers.children(server)
        assert len(first) == 2
        kill = workers.Killer(server, after=40)
        outcome = workers.drive(base, survey_key, codes, clients=4, on_acknowledged=kill)
        kill.join()
        assert kill.at is not None, "no worker was killed"
        # The server and the other worker went on; a new worker took the dead one's place.
        assert kill.recovery is not None, "the killed worker was not replaced"
        assert _request(base, "GET", "/readyz")[0] == 200
        now = workers.children(server)
        assert len(now) == 2 and len(now - first) == 1
        # Most submissions were thanked, and every one thanked is stored.
        assert len(outcome.acknowledged) >= 120, outcome.errors
        assert workers.unspent(base, survey_key, outcome.acknowledged) == 0
    stored = seed(lambda conn: conn.fetchval("SELECT count(*) FROM response"))
    assert len(outcome.acknowledged) <= stored <= len(codes)
