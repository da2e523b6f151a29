"""Leader dashboard: server time of every page, then p50/p99 under 32 concurrent requests.

Standalone: `.venv/bin/python bench/dashboard.py [--waves 4] [--requests 640] [--no-http]`.
Uses MUSTER_TEST_DATABASE_URL (or postgresql://postgres@127.0.0.1:5432/postgres), creates
its own database (dropped at the end, also on failure), applies the migrations, syncs the
shipped instruments, and imports the demo's county fire department (3 battalions,
12 stations, 36 shifts: 52 units with headcounts). A quarterly program over it asks the
3 shipped instruments; each of --waves waves opens on the program's own schedule, gets
synthetic responses from about 70% of every shift (drifting a little every wave, so that
trends show), closes through the product's close_wave and is released by the product's
release_wave (epsilon 4 per wave, nothing spent on the shifts). Then it starts
`muster serve` (Granian, the product's own command, --workers workers) on a free loopback
port and measures, with httpx:

- first, in this process, the server time of every page (overview, unit pages, questions,
  about) through the app itself (Litestar's in-process client: middleware, guards, the
  database and the template, no socket), against two floors measured in the same run:
  /healthz through the same client (the framework and the client's thread hop) and the
  bare query of the page's release rows with the raw driver (asyncpg);
- every page alone (one request at a time): the server time of one page, plus loopback;
- every page at --concurrency concurrent requests (default 32), --requests requests each,

for /healthz (the baseline: no database, no template) and the dashboard pages an admin
and a battalion leader open: the overview, the unit pages of the department, a battalion
and a shift, and the department's item histograms (its questions page). It prints p50/p99
per page and their ratio to /healthz at the same concurrency, and PASS/FAIL against the
issue's target: every page alone in < 100 ms (p99). A one-line JSON summary ends the
output. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import msgspec
from litestar.testing import AsyncTestClient

from service import db, demo, migrate
from service.app import create_app
from service.auth.secrets import hash_session_id, new_csrf_token, new_session_id
from service.config import Settings
from service.instruments.service import fetch_instruments_by_ids, option_range, sync_instruments
from service.privacy import service as release
from service.programs import service as programs
from service.programs.schemas import ProgramCreate
from service.units import service as units
from service.waves import service as waves

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ROOT = Path(__file__).resolve().parent.parent
# The bench's clock: far from the real one, like the tests'.
T0 = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)
CADENCE = timedelta(days=92)
TARGET_MS = 100.0


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def say(text: str = "") -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- the organisation and its released waves ----------------------------------------------


async def wave_items(conn: Any, wave_id: int) -> list[tuple[int, int, bool]]:
    """(low, high, reverse-coded) of every item, in the wave's answers order."""
    ids = await conn.fetch(
        "SELECT instrument_id FROM wave_instrument WHERE wave_id = $1 ORDER BY position", wave_id
    )
    out = []
    for row in await fetch_instruments_by_ids(conn, [r["instrument_id"] for r in ids]):
        for item in row.instrument.items:
            low, high = option_range(row.instrument, item.options)
            out.append((low, high, bool(getattr(item, "reverse", False))))
    return out


def answers(rng: random.Random, items: list[tuple[int, int, bool]], lean: float) -> list[int]:
    out = []
    for low, high, reverse in items:
        if rng.random() < 0.05:
            out.append(0)
            continue
        centre = (low + high) / 2 + (-lean if reverse else lean) * (high - low) / 4
        out.append(max(low, min(high, round(rng.gauss(centre, 0.9)))))
    return out


async def build(conn: Any, waves_wanted: int, seed: int) -> dict[str, Any]:
    """The demo organisation, a program over it and `waves_wanted` released waves."""
    rng = random.Random(seed)
    settings = Settings()
    async with conn.transaction():
        await sync_instruments(conn, settings.surveys_path)
        await units.import_units_csv(conn, None, demo.organisation_csv())
        program = await programs.create_program(
            conn,
            None,
            msgspec.convert(
                {
                    "name": "Dashboard benchmark",
                    "root_unit": demo.ROOT,
                    "instruments": demo.INSTRUMENTS,
                    "cadence": "P3M",
                    "window": "P14D",
                    "starts_at": T0.isoformat(),
                    # Level shares as the planner proposes them for this tree: nothing spent
                    # on shifts (too small to show at any budget), so stations and
                    # battalions are publishable.
                    "policy": {
                        "epsilon_per_wave": 4.0,
                        "annual_epsilon_cap": 20.0,
                        "level_shares": [0.2, 0.4, 0.4, 0.0],
                    },
                },
                ProgramCreate,
            ),
            T0 - timedelta(days=1),
        )
    tree = await units.list_units(conn, None, demo.ROOT)
    shifts = [u for u in tree if u.depth == 3]
    tendency = {u.unit_id: rng.gauss(0.0, 0.35) for u in shifts}
    responses = 0
    for seq in range(1, waves_wanted + 1):
        async with conn.transaction():
            await waves.advance_waves(conn, T0 + CADENCE * (seq - 1) + timedelta(hours=1))
            wave_id = await conn.fetchval(
                "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = $2",
                program.program_id,
                seq,
            )
            items = await wave_items(conn, wave_id)
            rows = []
            for shift in shifts:
                n = max(1, round(shift.headcount * rng.uniform(0.6, 0.85)))
                lean = tendency[shift.unit_id] + 0.12 * seq
                rows += [
                    (wave_id, shift.unit_id, bytes(answers(rng, items, lean))) for _ in range(n)
                ]
            await conn.executemany(
                "INSERT INTO response (wave_id, unit_id, answers) VALUES ($1, $2, $3)", rows
            )
            responses += len(rows)
            await waves.close_wave(conn, None, wave_id, T0 + CADENCE * (seq - 1) + timedelta(2))
        async with conn.transaction():
            await release.release_wave(
                conn, None, wave_id, T0 + CADENCE * (seq - 1) + timedelta(days=3)
            )
    by_path = {u.path: u for u in tree}
    return {
        "program_id": program.program_id,
        "root": by_path[demo.ROOT],
        "battalion": by_path[f"{demo.ROOT}/battalion-1"],
        "shift": by_path[f"{demo.ROOT}/battalion-1/station-1/shift-a"],
        "units": len(tree),
        "responses": responses,
        "release_rows": await conn.fetchval("SELECT count(*) FROM release"),
    }


async def session_for(conn: Any, role: str, unit_id: int | None) -> str:
    """A staff account and a signed-in session (as the sign-in page would leave it)."""
    staff_id = await conn.fetchval(
        "INSERT INTO staff (email, password_hash, role, unit_id) VALUES ($1, 'x', $2, $3)"
        " RETURNING staff_id",
        f"{role}-{uuid.uuid4().hex[:8]}@bench.muster.test",
        role,
        unit_id,
    )
    session_id = new_session_id()
    await conn.execute(
        "INSERT INTO staff_session (session_hash, staff_id, csrf_token, expires_at)"
        " VALUES ($1, $2, $3, $4)",
        hash_session_id(session_id),
        staff_id,
        new_csrf_token(),
        datetime.now(UTC) + timedelta(hours=6),
    )
    return session_id


# --- the server and the load -----------------------------------------------------------------


def start_server(
    database_url: str, port: int, workers: int, data_dir: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MUSTER_DATABASE_URL": database_url,
        "MUSTER_PORT": str(port),
        "MUSTER_DATA_DIR": data_dir,
        "MUSTER_SCHEDULER_INTERVAL": "0",
        "MUSTER_WORKERS": str(workers),
        "MUSTER_LOG_LEVEL": "WARNING",
    }
    env.pop("MUSTER_TEST_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(base + "/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("`muster serve` did not become ready")
            await asyncio.sleep(0.2)


async def measure(
    client: httpx.AsyncClient, url: str, cookie: str | None, requests: int, concurrency: int
) -> list[float]:
    """Latencies in ms of `requests` GETs, `concurrency` in flight at any time."""
    headers = {"Accept": "text/html"}
    if cookie:
        headers["Cookie"] = f"__Host-muster_session={cookie}"
    latencies: list[float] = []
    queue = iter(range(requests))

    async def worker() -> None:
        for _ in queue:
            started = time.perf_counter()
            response = await client.get(url, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def page_list(org: dict[str, Any], admin: str, leader: str) -> list[tuple[str, str, str | None]]:
    """(label, path, session) of every page measured; /healthz first, the baseline."""
    return [
        ("/healthz (baseline)", "/healthz", None),
        ("overview, admin", "/dashboard", admin),
        ("overview, leader", "/dashboard", leader),
        ("department page, admin", f"/dashboard/units/{org['root'].unit_id}", admin),
        ("battalion page, leader", f"/dashboard/units/{org['battalion'].unit_id}", leader),
        ("shift page, leader", f"/dashboard/units/{org['shift'].unit_id}", leader),
        ("department questions", f"/dashboard/units/{org['root'].unit_id}/questions", admin),
        ("about, leader", "/dashboard/about", leader),
    ]


async def timed(n: int, call: Any) -> list[float]:
    """Latencies in ms of n awaits of call(), one at a time."""
    out = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def server_times(
    url: str, org: dict[str, Any], admin: str, leader: str, n: int, data_dir: str
) -> list[dict[str, Any]]:
    """Server time of every page in this process, with the two floors beside it."""
    settings = Settings(database_url=url, data_dir=data_dir, scheduler_interval=0,
                        pool_min_size=1, pool_max_size=4)  # fmt: skip
    conn = await asyncpg.connect(url)
    waves = [r["wave_id"] for r in await conn.fetch("SELECT wave_id FROM wave")]
    battalion = org["battalion"].unit_id

    async def bare_query() -> None:
        # The unit page's own rows: every released wave of one unit, raw driver, no decoding.
        await conn.fetch(
            "SELECT wave_id, unit_id, statistic, value, std_error, lower, upper, published,"
            " mechanism, noise_scale, privacy_share, instrument_version, unverified"
            " FROM release WHERE wave_id = ANY($1::bigint[]) AND unit_id = ANY($2::bigint[])"
            " AND statistic NOT LIKE 'item:%'",
            waves, [battalion],
        )  # fmt: skip

    rows: list[dict[str, Any]] = []
    try:
        await timed(20, bare_query)
        floor = await timed(n, bare_query)
        app = create_app(settings)
        async with AsyncTestClient(app, base_url="https://bench.local") as client:
            for label, path, cookie in page_list(org, admin, leader):
                headers = {"Accept": "text/html"}
                if cookie:
                    headers["Cookie"] = f"__Host-muster_session={cookie}"

                async def get(path: str = path, headers: dict[str, str] = headers) -> None:
                    response = await client.get(path, headers=headers)
                    if response.status_code != 200:
                        raise RuntimeError(f"{path}: {response.status_code}")

                await timed(10, get)
                rows.append({"page": label, "path": path, "times": await timed(n, get)})
    finally:
        await conn.close()
    base = rows[0]["times"]
    say(f"\nServer time in this process, {n} requests one at a time per page (ms):\n")
    say(f"{'page':<30}{'p50':>8}{'p99':>8}{'x healthz':>11}{'x bare query':>14}")
    say(
        f"{'bare release-row query':<30}{pct(floor, 0.5):>8.2f}{pct(floor, 0.99):>8.2f}"
        f"{'':>11}{1.0:>14.1f}"
    )
    out = []
    for row in rows:
        times = row["times"]
        out.append({
            "page": row["page"], "path": row["path"],
            "p50": round(pct(times, 0.5), 2), "p99": round(pct(times, 0.99), 2),
            "ratio_healthz_p50": round(pct(times, 0.5) / pct(base, 0.5), 1),
            "ratio_query_p50": round(pct(times, 0.5) / pct(floor, 0.5), 1),
        })  # fmt: skip
        say(
            f"{row['page']:<30}{pct(times, 0.5):>8.2f}{pct(times, 0.99):>8.2f}"
            f"{out[-1]['ratio_healthz_p50']:>11.1f}{out[-1]['ratio_query_p50']:>14.1f}"
        )
    pages = [r for r in out if r["path"] != "/healthz"]
    slowest = max(pages, key=lambda r: r["p99"])
    verdict = all(r["p99"] < TARGET_MS for r in pages)
    say(
        f"\nslowest page: {slowest['page']} p99 {slowest['p99']:.1f} ms server time   "
        f"{'PASS' if verdict else 'FAIL'} (target: every page < {TARGET_MS:.0f} ms)"
    )
    out.insert(0, {"page": "bare release-row query", "p50": round(pct(floor, 0.5), 2),
                   "p99": round(pct(floor, 0.99), 2)})  # fmt: skip
    return out


async def run(args: argparse.Namespace, summary: dict[str, Any]) -> None:
    server = os.environ.get("MUSTER_TEST_DATABASE_URL") or DEFAULT_URL
    name = f"muster_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    process = None
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = with_database(server, name)
        conn = await db.connect(url)
        try:
            await migrate.migrate(conn)
            started = time.perf_counter()
            org = await build(conn, args.waves, args.seed)
            admin_session = await session_for(conn, "admin", None)
            leader_session = await session_for(conn, "leader", org["battalion"].unit_id)
            await conn.execute("VACUUM ANALYZE")
        finally:
            await conn.close()
        say(
            f"organisation: {org['units']} units, {args.waves} released waves, "
            f"{org['responses']:,} responses, {org['release_rows']:,} release rows "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )
        with tempfile.TemporaryDirectory(prefix="muster-bench-") as data_dir:
            summary["server_time"] = await server_times(
                url, org, admin_session, leader_session, args.alone, data_dir
            )
            summary["server_time_pass"] = all(
                r["p99"] < TARGET_MS for r in summary["server_time"][2:]
            )
        if args.no_http:
            return
        port = free_port()
        with tempfile.TemporaryDirectory(prefix="muster-bench-") as data_dir:
            process = start_server(url, port, args.workers, data_dir)
            base = f"http://127.0.0.1:{port}"
            await wait_ready(base, process)
            pages = page_list(org, admin_session, leader_session)
            limits = httpx.Limits(max_connections=args.concurrency)
            async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
                for _, path, cookie in pages:
                    await measure(client, path, cookie, 20, 1)  # warm-up
                results = []
                for label, path, cookie in pages:
                    alone = await measure(client, path, cookie, args.alone, 1)
                    loaded = await measure(client, path, cookie, args.requests, args.concurrency)
                    size = len(
                        (
                            await client.get(
                                path,
                                headers={"Cookie": f"__Host-muster_session={cookie}"}
                                if cookie
                                else {},
                            )
                        ).content
                    )
                    results.append((label, path, alone, loaded, size))  # fmt: skip
        say(
            f"\n`muster serve` with {args.workers} worker(s); {args.alone} requests one at a "
            f"time, then {args.requests} at {args.concurrency} concurrent, per page (ms):\n"
        )
        loaded_head = f"@{args.concurrency} p50"
        say(
            f"{'page':<26}{'KB':>6}{'alone p50':>11}{'p99':>8}"
            f"{loaded_head:>11}{'p99':>8}{'x base p50':>12}{'p99':>7}"
        )
        base_alone, base_loaded = results[0][2], results[0][3]
        table: list[dict[str, Any]] = []
        verdicts = []
        for label, path, alone, loaded, size in results:
            row: dict[str, Any] = {
                "page": label,
                "path": path,
                "kb": round(size / 1024, 1),
                "alone_p50": round(pct(alone, 0.5), 2),
                "alone_p99": round(pct(alone, 0.99), 2),
                "loaded_p50": round(pct(loaded, 0.5), 2),
                "loaded_p99": round(pct(loaded, 0.99), 2),
                "ratio_p50": round(pct(loaded, 0.5) / pct(base_loaded, 0.5), 1),
                "ratio_p99": round(pct(loaded, 0.99) / pct(base_loaded, 0.99), 1),
            }
            table.append(row)
            say(
                f"{label:<26}{row['kb']:>6}{row['alone_p50']:>11.1f}{row['alone_p99']:>8.1f}"
                f"{row['loaded_p50']:>11.1f}{row['loaded_p99']:>8.1f}"
                f"{row['ratio_p50']:>12.1f}{row['ratio_p99']:>7.1f}"
            )
            if path != "/healthz":
                verdicts.append(pct(alone, 0.99) < TARGET_MS)
        say()
        slowest = max((r for r in table if r["path"] != "/healthz"), key=lambda r: r["alone_p99"])
        say(
            f"slowest page alone: {slowest['page']} p99 {slowest['alone_p99']:.1f} ms   "
            f"{'PASS' if all(verdicts) else 'FAIL'} (target: every page < {TARGET_MS:.0f} ms "
            "server time, measured alone; at 32 concurrent the figures add queueing behind "
            f"{args.workers} worker(s))"
        )
        say(
            f"/healthz alone p50 {pct(base_alone, 0.5):.1f} ms: the loopback and framework "
            "floor under every figure above."
        )
        summary.update(
            pages=table, workers=args.workers, concurrency=args.concurrency,
            requests=args.requests, waves=args.waves, units=org["units"],
            release_rows=org["release_rows"], target_pass=all(verdicts),
        )  # fmt: skip
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--waves", type=int, default=4, help="released waves (1-12)")
    parser.add_argument("--requests", type=int, default=640, help="requests per page, loaded")
    parser.add_argument("--alone", type=int, default=100, help="requests per page, one at a time")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="Granian workers (MUSTER_WORKERS)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-http", action="store_true", help="only the in-process server times, no `serve`"
    )
    args = parser.parse_args()
    if not 1 <= args.waves <= 12:
        parser.error("--waves must be 1 to 12")
    if args.requests < 1 or args.alone < 1 or args.concurrency < 1 or args.workers < 1:
        parser.error("--requests, --alone, --concurrency and --workers must be 1 or more")
    wall = time.perf_counter()
    summary: dict[str, Any] = {"benchmark": "dashboard"}
    await run(args, summary)
    summary["wall_s"] = round(time.perf_counter() - wall, 1)
    say(f"whole script: {summary['wall_s']:.1f} s")
    say(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    asyncio.run(main())
