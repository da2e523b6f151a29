"""What the submission benches share: a scratch database, a wave with cards, and the load.

bench/submit.py, bench/blind.py, bench/close.py and bench/workers.py (and bench/linkage.py
through close.py) set up the same world and drive it the same way:

- `scratch_database`: a database of its own on MUSTER_TEST_DATABASE_URL (default the local
  server), migrated, dropped afterwards whatever happens;
- `make_stations`: the unit 'bench' with stations under it;
- `open_wave`: a program over 'bench' with the three shipped instruments, its wave 1 open;
- `load_cards`: single-use codes for a wave (hashes only, as card generation stores them);
- `settle`: VACUUM (ANALYZE) and CHECKPOINT, as a database whose cards were printed days
  before would be;
- `serve`, `write_bodies` and `wrk`: `muster serve` under Granian, one file of request
  bodies per wrk thread, and wrk (C, with a Lua script giving every request its own
  code and form key) against it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import db  # noqa: E402
from service.invitations.codes import hash_code, new_code  # noqa: E402
from service.programs import service as programs  # noqa: E402
from service.programs.schemas import ProgramCreate  # noqa: E402
from service.responses import service as responses  # noqa: E402
from service.waves import service as waves  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
INSTRUMENTS = ["help-seeking-stigma", "openness", "workplace-support"]
T0 = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)
WRK_THREADS = 2
LUA = r"""
-- Each thread reads its own file of bodies, one line per request, as it goes: wrk starts
-- the first thread before it has set up the second and starts its clock only after, so a
-- slow init() would let the first thread's early requests into the count.
local threads = 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  lines = io.lines(args[1] .. "." .. thread_id)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  return wrk.format(nil, nil, nil, lines())
end

function done(summary, latency, requests)
  io.write("LATENCY_P50_US ", latency:percentile(50), "\n")
  io.write("LATENCY_P99_US ", latency:percentile(99), "\n")
end
"""


# --- the database -------------------------------------------------------------------------


def server_url() -> str:
    return os.environ.get("MUSTER_TEST_DATABASE_URL") or DEFAULT_URL


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def new_database_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@contextlib.contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database, dropped when the block ends (for synchronous mains)."""
    server, name = server_url(), new_database_name(prefix)
    asyncio.run(admin(server, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(server, name)
    finally:
        asyncio.run(admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def work_dir(prefix: str = "muster-bench-") -> Iterator[Path]:
    """A temporary directory (request bodies, the server's data folder), removed at the end."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


async def count_responses(url: str, wave_id: int) -> int:
    conn = await db.connect(url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM response WHERE wave_id = $1", wave_id
        )
        return count
    finally:
        await conn.close()


async def fetch_layout(url: str, survey_key: str) -> Any:
    conn = await db.connect(url)
    try:
        return await responses.fetch_survey_layout(conn, survey_key)
    finally:
        await conn.close()


# --- a wave with cards --------------------------------------------------------------------


async def make_stations(conn: Any, count: int, headcount: int, slug: str) -> list[int]:
    """The unit 'bench' and `count` stations under it (`slug` formatted with their index)."""
    root = await conn.fetchval(
        "INSERT INTO unit (slug, name, headcount, path, depth) "
        "VALUES ('bench', 'Bench', 1000, 'bench', 0) RETURNING unit_id"
    )
    return [
        await conn.fetchval(
            "INSERT INTO unit (parent_id, slug, name, headcount, path, depth) "
            f"VALUES ($1, $2, $2, {int(headcount)}, 'bench/' || $2, 1) RETURNING unit_id",
            root,
            slug.format(i),
        )
        for i in range(count)
    ]


async def open_wave(
    conn: Any, name: str, *, mode: str = "cards", starts_at: datetime = T0
) -> tuple[int, int, str]:
    """A program with the shipped instruments over the unit 'bench', created an hour before
    `starts_at`, and its wave 1 opened by the scheduler an hour after: (program, wave,
    survey key). bench/linkage.py uses it too (through close.py), also with older code."""
    async with conn.transaction():
        program = await programs.create_program(
            conn,
            None,
            msgspec.convert(
                {
                    "name": name,
                    "root_unit": "bench",
                    "instruments": INSTRUMENTS,
                    "cadence": "P3M",
                    "window": "P14D",
                    "mode": mode,
                    "starts_at": starts_at.isoformat(),
                },
                ProgramCreate,
            ),
            starts_at - timedelta(hours=1),
        )
        await waves.advance_waves(conn, starts_at + timedelta(hours=1))
    row = await conn.fetchrow(
        "SELECT wave_id, survey_key FROM wave WHERE program_id = $1 AND seq = 1",
        program.program_id,
    )
    return program.program_id, row["wave_id"], row["survey_key"]


async def load_cards(
    conn: Any, wave_id: int, units: Sequence[int], count: int, seed: int = 1
) -> list[str]:
    """`count` cards for the wave, each for a unit drawn from `units`; returns the codes."""
    plain = [new_code().replace("-", "") for _ in range(count)]
    rng = random.Random(seed)
    await conn.copy_records_to_table(
        "invitation",
        records=[(hash_code(c), wave_id, rng.choice(units)) for c in plain],
        columns=["code_hash", "wave_id", "unit_id"],
    )
    return plain


async def settle(conn: Any, table: str = "") -> None:
    """Cards are printed days before a wave's answers arrive: let the bulk load settle (no
    autovacuum of it, no checkpoint flushing it) before anything is timed."""
    await conn.execute(f"VACUUM (ANALYZE) {table}")
    await conn.execute("CHECKPOINT")


# --- the load -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_bodies(
    path: Path, layout: Any, field: str, values: Sequence[str], threads: int = WRK_THREADS
) -> None:
    """One file of request bodies per wrk thread (path.0, path.1, ...), no value in two:
    `field` (code or token), a fresh form key and an allowed answer to every question."""
    rng = random.Random(2)
    handles = [Path(f"{path}.{t}").open("w") for t in range(threads)]
    try:
        for index, value in enumerate(values):
            fields = [(field, value), ("form_key", secrets.token_urlsafe(32))]
            for key in layout.keys:
                fields.append((key, str(rng.choice(sorted(layout.allowed[key])))))
            handles[index % threads].write(urllib.parse.urlencode(fields) + "\n")
    finally:
        for handle in handles:
            handle.close()


def serve(url: str, port: int, workers: int, writers: int, connections: int, data_dir: str) -> Any:
    """`muster serve` (Granian, access log off, `writers` submission writers per worker),
    once /readyz answers."""
    env = {
        **os.environ,
        "MUSTER_DATABASE_URL": url,
        "MUSTER_PORT": str(port),
        "MUSTER_WORKERS": str(workers),
        # Submissions hold no pool connection while they wait; the writers need theirs.
        "MUSTER_POOL_MAX_SIZE": str(writers + 4),
        "MUSTER_POOL_MIN_SIZE": str(writers),
        "MUSTER_SUBMIT_WRITERS": str(writers),
        "MUSTER_SCHEDULER_INTERVAL": "0",
        "MUSTER_LOG_LEVEL": "WARNING",
        "MUSTER_DATA_DIR": data_dir,
    }
    env.pop("MUSTER_TEST_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not start")


def wrk(port: int, survey_key: str, bodies: Path, seconds: int, connections: int) -> dict[str, Any]:
    """wrk POSTing `bodies` to /s/<survey_key>: requests, non-2xx, seconds, p50 and p99."""
    script = Path(tempfile.mkdtemp()) / "submit.lua"
    script.write_text(LUA)
    out = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "5s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/s/{survey_key}",
            "--",
            str(bodies),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    elapsed = re.search(r"requests in ([\d.]+)(m?s)", out)
    duration = float(elapsed.group(1)) / (1000 if elapsed.group(2) == "ms" else 1)  # type: ignore[union-attr]
    return {
        "requests": requests,
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
        "seconds": duration,
        "p50_ms": float(re.search(r"LATENCY_P50_US (\S+)", out).group(1)) / 1000,  # type: ignore[union-attr]
        "p99_ms": float(re.search(r"LATENCY_P99_US (\S+)", out).group(1)) / 1000,  # type: ignore[union-attr]
        "raw": out,
    }
