"""Closing a wave of 1,000,000 responses against a bare copy of its rows, in one run; and
what submissions to another open wave and dashboard reads see meanwhile.

    .venv/bin/python bench/close.py [--responses 1000000] [--submitters 4] [--readers 2]

1. Creates its own database (on MUSTER_TEST_DATABASE_URL, default the local server), two
   programs over a small tree with the three shipped instruments, and opens a wave of each
   (bench/_common.py, shared with submit.py and blind.py).
2. Writes N responses of 30 answers into wave A inside PostgreSQL, prints 20,000 cards
   for wave B, and checkpoints.
3. Starts --submitters tasks answering wave B through the service's submit_response (each
   on its own connection, one card after another) and --readers tasks reading what the
   dashboard reads (the programs' waves and their releases); they run 2 s alone, then
   through steps 4 and 5 and 1 s after.
4. Baseline: `CREATE TABLE ... AS SELECT * FROM response_w<A>` (the bare copy of the rows),
   timed, then the CHECKPOINT that writes it out, timed; the copy is dropped.
5. Closes wave A with the product's close_wave in db.transaction, as every entry point
   does: the status change, then (after commit) the shuffled copy into a new relation, the
   swap, the drop, the WAL switch and its checkpoint. Times it whole and without the
   final checkpoint.
6. Prints the times, the ratios against the copy (target: close <= 2 x copy) and, for
   submissions and reads, their count, p50, p99 and max latency before and during the
   close. Drops its database. Both timings run under the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import T0, load_cards, make_stations, open_wave, scratch_database, settle  # noqa: E402
from service import db, migrate  # noqa: E402
from service.config import Settings  # noqa: E402
from service.instruments.service import sync_instruments  # noqa: E402
from service.responses import service as responses  # noqa: E402
from service.waves import queries as wave_queries  # noqa: E402
from service.waves import service as waves  # noqa: E402

STATIONS = 20
CARDS = 20_000


def say(text: str = "") -> None:
    print(text, flush=True)


async def setup(conn: Any, count: int) -> dict[str, Any]:
    await migrate.migrate(conn)
    await sync_instruments(conn, Settings().surveys_path)
    stations = await make_stations(conn, STATIONS, 50, "s{}")
    program_a, wave_a, _ = await open_wave(conn, "Closing")
    program_b, wave_b, key_b = await open_wave(conn, "Staying open")
    started = time.perf_counter()
    await conn.execute(
        """
        INSERT INTO response (wave_id, unit_id, answers)
        SELECT $1, ($2::bigint[])[1 + i % cardinality($2::bigint[])],
               (SELECT string_agg(set_byte('\\x00'::bytea, 0, 1 + floor(random() * 5)::int),
                                  ''::bytea)
                FROM generate_series(1, 30) WHERE i > 0)
        FROM generate_series(1, $3) AS i
        """,
        wave_a,
        stations,
        count,
    )
    say(f"loaded {count:,} responses into wave {wave_a} in {time.perf_counter() - started:.1f} s")
    codes = await load_cards(conn, wave_b, stations[:1], CARDS)
    await settle(conn)
    return {
        "wave_a": wave_a,
        "wave_b": wave_b,
        "key_b": key_b,
        "program_b": program_b,
        "program_a": program_a,
        "codes": codes,
    }


async def timed(coroutine: Any) -> float:
    started = time.perf_counter()
    await coroutine
    return time.perf_counter() - started


class Load:
    """Submissions to wave B and dashboard reads, each latency stamped with its start."""

    def __init__(self, url: str, world: dict[str, Any]) -> None:
        self.url = url
        self.world = world
        self.codes = list(world["codes"])
        self.stop = asyncio.Event()
        self.submissions: list[tuple[float, float]] = []
        self.reads: list[tuple[float, float]] = []

    async def submitter(self) -> None:
        conn = await db.connect(self.url)
        try:
            while not self.stop.is_set() and self.codes:
                code = self.codes.pop()
                started = time.perf_counter()
                await responses.submit_response(
                    conn, self.world["key_b"], code, secrets.token_urlsafe(32), {}
                )
                self.submissions.append((started, time.perf_counter() - started))
        finally:
            await conn.close()

    async def reader(self) -> None:
        conn = await db.connect(self.url)
        try:
            while not self.stop.is_set():
                started = time.perf_counter()
                async with conn.transaction():
                    await wave_queries.list_waves(
                        conn, [self.world["program_a"], self.world["program_b"]]
                    )
                    await conn.fetch(
                        "SELECT * FROM release WHERE wave_id = ANY($1::bigint[])",
                        [self.world["wave_a"], self.world["wave_b"]],
                    )
                self.reads.append((started, time.perf_counter() - started))
                await asyncio.sleep(0.005)
        finally:
            await conn.close()


def latency(samples: list[tuple[float, float]], start: float, end: float) -> str:
    within = sorted(d for t, d in samples if start <= t < end)
    if not within:
        return "none"

    def pick(q: float) -> float:
        return within[min(len(within) - 1, int(q * len(within)))] * 1000

    return (
        f"{len(within):>6,} done, p50 {pick(0.5):6.1f} ms, p99 {pick(0.99):6.1f} ms, "
        f"max {within[-1] * 1000:6.1f} ms"
    )


async def run(url: str, args: argparse.Namespace) -> None:
    conn = await db.connect(url)
    try:
        world = await setup(conn, args.responses)
        relation = f"response_w{world['wave_a']}"
        load = Load(url, world)
        tasks = [asyncio.create_task(load.submitter()) for _ in range(args.submitters)]
        tasks += [asyncio.create_task(load.reader()) for _ in range(args.readers)]
        await asyncio.sleep(2)
        before = time.perf_counter()
        copy_s = await timed(conn.execute(f"CREATE TABLE bench_copy AS SELECT * FROM {relation}"))
        copy_ended = time.perf_counter()
        copy_checkpoint_s = await timed(conn.execute("CHECKPOINT"))
        await conn.execute("DROP TABLE bench_copy")
        await conn.execute("CHECKPOINT")
        await asyncio.sleep(1)
        checkpoint_s = 0.0
        real_remove = wave_queries.remove_old_wal

        async def measured_remove(c: Any) -> None:
            nonlocal checkpoint_s
            checkpoint_s = await timed(real_remove(c))

        wave_queries.remove_old_wal = measured_remove  # type: ignore[assignment]
        close_started = time.perf_counter()

        async def close() -> None:
            async with db.transaction(conn):
                await waves.close_wave(conn, None, world["wave_a"], T0 + timedelta(days=2))

        close_s = await timed(close())
        close_ended = time.perf_counter()
        await asyncio.sleep(1)
        load.stop.set()
        await asyncio.gather(*tasks)
        left = await conn.fetchval(
            "SELECT count(*) FROM pg_class WHERE relname ~ $1", f"_w{world['wave_a']}$"
        )
        shuffled = await conn.fetchval(f"SELECT count(*) FROM {relation}")
    finally:
        await conn.close()

    say(f"\nbare copy (CREATE TABLE AS SELECT) of {args.responses:,} rows: {copy_s:6.2f} s")
    say(f"  and the CHECKPOINT that writes it out:            {copy_checkpoint_s:6.2f} s")
    say(f"close_wave, whole (status, copy, swap, drop, WAL):  {close_s:6.2f} s")
    say(f"  of which the WAL switch and checkpoint:           {checkpoint_s:6.2f} s")
    without = close_s - checkpoint_s
    ratio = without / copy_s
    say(
        f"ratio close (without its checkpoint) / bare copy: {ratio:5.2f}   "
        f"{'PASS' if ratio <= 2 else 'FAIL'} (target <= 2)"
    )
    whole = close_s / (copy_s + copy_checkpoint_s)
    say(f"ratio close (whole) / (bare copy + its checkpoint): {whole:5.2f}")
    say(f"relations of the closed wave left: {left} (response only); rows: {shuffled:,}")
    say(
        f"\nunder load: {args.submitters} tasks answering the other open wave (one card after"
        f" another), {args.readers} reading what the dashboard reads"
    )
    for name, samples in (("submissions", load.submissions), ("dashboard reads", load.reads)):
        say(f"{name}:")
        say(f"  with nothing else running: {latency(samples, before - 2, before)}")
        say(f"  during the bare copy:      {latency(samples, before, copy_ended)}")
        say(f"  during the close:          {latency(samples, close_started, close_ended)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--submitters", type=int, default=4)
    parser.add_argument("--readers", type=int, default=2)
    args = parser.parse_args()

    with scratch_database("muster_bench") as url:
        asyncio.run(run(url, args))


if __name__ == "__main__":
    main()
