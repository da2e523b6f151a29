"""Submission throughput: the real HTTP path against the bare SQL statement, in one run.

    .venv/bin/python bench/submit.py [--seconds 20] [--connections 64] [--workers 2]
                                     [--writers 2] [--codes 300000]

1. Creates its own database (on MUSTER_TEST_DATABASE_URL, default the local server),
   a program over a small tree with the three shipped instruments, and opens a wave.
2. Loads enough single-use codes (hashes only, as card generation stores them), then
   vacuums and checkpoints, as a database whose cards were printed days before would be.
3. Runs `muster serve` (Granian, access log off, --writers submission writers per worker)
   and drives POST /s/<survey> with wrk (a separate process, C, with a Lua script giving
   every request its own code and form key) at --connections concurrent connections for
   --seconds.
4. With the server stopped, issues the statement the service runs
   (service.responses.queries.insert_responses) straight through asyncpg with the same
   concurrency for the same time, twice: one submission per statement, and grouped by the
   service's SubmissionBatcher with as many writers as the server had.
5. Prints responses/s and p50/p99 latency of the three, the ratios, checks that every 200
   stored exactly one response, and drops its database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import db, migrate  # noqa: E402
from service.config import Settings  # noqa: E402
from service.instruments.service import sync_instruments  # noqa: E402
from service.invitations.codes import hash_code, new_code  # noqa: E402
from service.programs import service as programs  # noqa: E402
from service.programs.schemas import ProgramCreate  # noqa: E402
from service.responses import queries as response_queries  # noqa: E402
from service.responses import service as responses  # noqa: E402
from service.responses.batching import SubmissionBatcher  # noqa: E402
from service.responses.queries import Submission  # noqa: E402
from service.waves import service as waves  # noqa: E402

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


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _setup(url: str, counts: list[int]) -> tuple[str, int, list[list[str]]]:
    """A wave open for answers; returns (survey_key, wave_id, a list of codes per count)."""
    conn = await db.connect(url)
    try:
        await migrate.migrate(conn)
        await sync_instruments(conn, Settings().surveys_path)
        root = await conn.fetchval(
            "INSERT INTO unit (slug, name, headcount, path, depth) "
            "VALUES ('bench', 'Bench', 1000, 'bench', 0) RETURNING unit_id"
        )
        units = []
        for i in range(4):
            units.append(
                await conn.fetchval(
                    "INSERT INTO unit (parent_id, slug, name, headcount, path, depth) "
                    "VALUES ($1, $2, $2, 250, 'bench/' || $2, 1) RETURNING unit_id",
                    root,
                    f"station-{i}",
                )
            )
        now = datetime.now(UTC)
        program = await programs.create_program(
            conn,
            None,
            msgspec.convert(
                {
                    "name": "Bench",
                    "root_unit": "bench",
                    "instruments": ["help-seeking-stigma", "openness", "workplace-support"],
                    "cadence": "P3M",
                    "window": "P14D",
                    "starts_at": (now - timedelta(hours=1)).isoformat(),
                },
                ProgramCreate,
            ),
            now - timedelta(hours=2),
        )
        await waves.advance_waves(conn, now)
        wave_id, survey_key = await conn.fetchrow(
            "SELECT wave_id, survey_key FROM wave WHERE program_id = $1 AND status = 'open'",
            program.program_id,
        )
        plain = [new_code().replace("-", "") for _ in range(sum(counts))]
        rng = random.Random(1)
        await conn.copy_records_to_table(
            "invitation",
            records=[(hash_code(c), wave_id, rng.choice(units)) for c in plain],
            columns=["code_hash", "wave_id", "unit_id"],
        )
        # Cards are printed days before a wave's answers arrive: let the bulk load settle
        # (no autovacuum of it, no checkpoint flushing it) before anything is timed.
        await conn.execute("VACUUM (ANALYZE) invitation")
        await conn.execute("CHECKPOINT")
        ends = [sum(counts[: i + 1]) for i in range(len(counts))]
        return (
            survey_key,
            wave_id,
            [plain[end - n : end] for n, end in zip(counts, ends, strict=True)],
        )
    finally:
        await conn.close()


def _bodies(path: Path, layout: Any, codes: list[str], threads: int) -> None:
    """One file of request bodies per wrk thread (path.0, path.1, ...), no code in two."""
    rng = random.Random(2)
    handles = [Path(f"{path}.{t}").open("w") for t in range(threads)]
    try:
        for index, code in enumerate(codes):
            fields = [("code", code), ("form_key", secrets.token_urlsafe(32))]
            for key in layout.keys:
                allowed = sorted(layout.allowed[key])
                fields.append((key, str(rng.choice(allowed))))
            handles[index % threads].write(urllib.parse.urlencode(fields) + "\n")
    finally:
        for handle in handles:
            handle.close()


def _serve(url: str, port: int, workers: int, writers: int, connections: int, data_dir: str) -> Any:
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


def _wrk(
    port: int, survey_key: str, bodies: Path, seconds: int, connections: int
) -> dict[str, Any]:
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


async def _direct(
    url: str,
    wave_id: int,
    codes: list[str],
    answers: list[int],
    seconds: float,
    concurrency: int,
    writers: int,
) -> dict[str, float]:
    """The statement the service runs, straight through asyncpg, with the same concurrency:
    one submission per statement and connection (writers=0), or grouped by the service's
    batcher with that many writers."""
    grouped = writers > 0
    pool = await db.create_pool(url, concurrency, concurrency + writers)
    batcher = SubmissionBatcher(pool, writers) if grouped else None
    queue = iter(codes)
    done = 0
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def submit(conn: Any, code: str) -> bool:
        submission = Submission(
            hash_code(code), hashlib.sha256(secrets.token_urlsafe(32).encode()).digest(), answers
        )
        if batcher is not None:
            row = await batcher.store("card", wave_id, submission)
        else:
            rows = await response_queries.insert_responses(conn, "card", wave_id, [submission])
            row = None if rows is None else rows[0]
        return row is not None and row.stored

    async def client() -> None:
        nonlocal done
        async with contextlib.AsyncExitStack() as stack:
            conn = None if grouped else await stack.enter_async_context(pool.acquire())
            for code in queue:
                if time.perf_counter() >= stop:
                    return
                started = time.perf_counter()
                stored = await submit(conn, code)
                latencies.append(time.perf_counter() - started)
                done += stored

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    if batcher is not None:
        await batcher.close()
    await pool.close()
    latencies.sort()
    return {
        "rate": done / elapsed,
        "stored": done,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--writers", type=int, default=2, help="MUSTER_SUBMIT_WRITERS")
    parser.add_argument(
        "--codes",
        type=int,
        default=300_000,
        help="for the HTTP run and the grouped one; the single-statement run gets half",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed as the load generator: apt-get install wrk")

    server_url = os.environ.get(
        "MUSTER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    name = f"muster_bench_submit_{uuid.uuid4().hex[:8]}"
    url = _with_database(server_url, name)
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    work = Path(tempfile.mkdtemp(prefix="muster-bench-"))
    try:
        survey_key, wave_id, (http_codes, single_codes, grouped_codes) = asyncio.run(
            _setup(url, [args.codes, args.codes // 2, args.codes])
        )
        layout = asyncio.run(_layout(url, survey_key))
        bodies = work / "bodies.txt"
        _bodies(bodies, layout, http_codes, WRK_THREADS)
        port = _free_port()
        server = _serve(url, port, args.workers, args.writers, args.connections, str(work / "data"))
        try:
            http = _wrk(port, survey_key, bodies, args.seconds, args.connections)
        finally:
            server.terminate()
            server.wait(20)
        stored = asyncio.run(_count(url, wave_id))
        rng = random.Random(3)
        answers = [rng.choice(sorted(layout.allowed[key])) for key in layout.keys]
        direct = {
            name: asyncio.run(
                _direct(url, wave_id, codes, answers, args.seconds, args.connections, writers)
            )
            for name, codes, writers in (
                ("single", single_codes, 0),
                ("grouped", grouped_codes, args.workers * args.writers),
            )
        }
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(work, ignore_errors=True)

    http_rate = (http["requests"] - http["errors"]) / http["seconds"]
    single, grouped = direct["single"], direct["grouped"]
    print(f"machine: {os.cpu_count()} cores; {args.connections} concurrent clients, "
          f"{args.seconds} s each; {args.workers} workers x {args.writers} writers")  # fmt: skip
    print(f"{'path':<50}{'responses/s':>12}{'p50 ms':>9}{'p99 ms':>9}")
    for label, run in (
        ("HTTP POST /s/<survey> (wrk, the service)", http | {"rate": http_rate}),
        ("same statement via asyncpg, one per submission", single),
        ("same statement via asyncpg, grouped (no HTTP)", grouped),
    ):
        print(f"{label:<50}{run['rate']:>12.0f}{run['p50_ms']:>9.1f}{run['p99_ms']:>9.1f}")
    print(f"ratio HTTP / one statement per submission: {http_rate / single['rate']:.2f}"
          "   (target >= 0.6; >= 1,500/s; p99 < 50 ms)")  # fmt: skip
    print(f"ratio HTTP / grouped statement without HTTP: {http_rate / grouped['rate']:.2f}"
          "   (what the HTTP layer costs)")  # fmt: skip
    print(f"HTTP requests {http['requests']}, non-2xx {http['errors']}, "
          f"responses stored by HTTP {stored}")  # fmt: skip
    # wrk stops counting with up to one request per connection still in flight; the server
    # still completes those, so stored may exceed the count by at most the connections.
    counted = http["requests"] - http["errors"]
    if stored >= args.codes - args.connections:
        print(f"wrk ran out of codes: the rate is wrong; run again with --codes {2 * args.codes}")
    if not counted <= stored <= counted + args.connections:
        print("MISMATCH: every 200 must store exactly one response")
    print(json.dumps({
        "http_rate": round(http_rate), "http_p50_ms": http["p50_ms"], "http_p99_ms": http["p99_ms"],
        "single_rate": round(single["rate"]), "grouped_rate": round(grouped["rate"]),
        "ratio": round(http_rate / single["rate"], 3),
        "ratio_grouped": round(http_rate / grouped["rate"], 3),
        "stored": stored, "errors": http["errors"],
    }))  # fmt: skip


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _layout(url: str, survey_key: str) -> Any:
    conn = await db.connect(url)
    try:
        return await responses.fetch_survey_layout(conn, survey_key)
    finally:
        await conn.close()


async def _count(url: str, wave_id: int) -> int:
    conn = await db.connect(url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM response WHERE wave_id = $1", wave_id
        )
        return count
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
