"""Submission throughput: the real HTTP path against the bare SQL statement, in one run.

    .venv/bin/python bench/submit.py [--seconds 20] [--connections 64] [--workers 2]
                                     [--writers 2] [--codes 300000]

1. Creates its own database (on MUSTER_TEST_DATABASE_URL, default the local server),
   a program over a small tree with the three shipped instruments, and opens a wave
   (bench/_common.py, shared with blind.py, close.py and workers.py).
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
import secrets
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    count_responses,
    fetch_layout,
    free_port,
    load_cards,
    make_stations,
    open_wave,
    scratch_database,
    serve,
    settle,
    work_dir,
    write_bodies,
    wrk,
)
from service import db, migrate  # noqa: E402
from service.config import Settings  # noqa: E402
from service.instruments.service import sync_instruments  # noqa: E402
from service.invitations.codes import hash_code  # noqa: E402
from service.responses import queries as response_queries  # noqa: E402
from service.responses.batching import SubmissionBatcher  # noqa: E402
from service.responses.queries import Submission  # noqa: E402


async def _setup(url: str, counts: list[int]) -> tuple[str, int, list[list[str]]]:
    """A wave open for answers; returns (survey_key, wave_id, a list of codes per count)."""
    conn = await db.connect(url)
    try:
        await migrate.migrate(conn)
        await sync_instruments(conn, Settings().surveys_path)
        units = await make_stations(conn, 4, 250, "station-{}")
        now = datetime.now(UTC)
        _, wave_id, survey_key = await open_wave(conn, "Bench", starts_at=now - timedelta(hours=1))
        plain = await load_cards(conn, wave_id, units, sum(counts))
        await settle(conn, "invitation")
        ends = [sum(counts[: i + 1]) for i in range(len(counts))]
        return (
            survey_key,
            wave_id,
            [plain[end - n : end] for n, end in zip(counts, ends, strict=True)],
        )
    finally:
        await conn.close()


async def _direct(
    url: str,
    wave_id: int,
    codes: list[str],
    answers: bytes,
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

    with scratch_database("muster_bench_submit") as url, work_dir() as work:
        survey_key, wave_id, (http_codes, single_codes, grouped_codes) = asyncio.run(
            _setup(url, [args.codes, args.codes // 2, args.codes])
        )
        layout = asyncio.run(fetch_layout(url, survey_key))
        bodies = work / "bodies.txt"
        write_bodies(bodies, layout, "code", http_codes)
        port = free_port()
        server = serve(url, port, args.workers, args.writers, args.connections, str(work / "data"))
        try:
            http = wrk(port, survey_key, bodies, args.seconds, args.connections)
        finally:
            server.terminate()
            server.wait(20)
        stored = asyncio.run(count_responses(url, wave_id))
        rng = random.Random(3)
        answers = bytes(rng.choice(sorted(layout.allowed[key])) for key in layout.keys)
        direct = {
            name: asyncio.run(
                _direct(url, wave_id, codes, answers, args.seconds, args.connections, writers)
            )
            for name, codes, writers in (
                ("single", single_codes, 0),
                ("grouped", grouped_codes, args.workers * args.writers),
            )
        }

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


if __name__ == "__main__":
    main()
