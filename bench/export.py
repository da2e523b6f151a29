"""Researcher export at scale: rows per second and peak memory against a bare COPY.

Standalone: `.venv/bin/python bench/export.py [--units 1000] [--waves 12] [--rounds 3]`.
Uses MUSTER_TEST_DATABASE_URL (or postgresql://postgres@127.0.0.1:5432/postgres), creates
its own database (dropped at the end, also on failure), applies the migrations and syncs
the shipped instruments. It then writes a demo-like history directly with SQL: a 4-level
tree of --units units (1 root, divisions, battalions, stations), one program asking the
3 shipped instruments, --waves released waves with their ledger entries, and for every
wave and unit the statistics a real release stores (responses; per scale mean, count,
bands, trend, rolling4; item histograms at the top two levels), about 30% unpublished.
No responses and no OpenDP: this measures the export, not the release engine.

Each measurement runs in a fresh child process, so that its peak RSS is its own:

- baseline: a bare `COPY (SELECT * FROM release ... ORDER BY ...) TO STDOUT (FORMAT csv)`
  of the same rows, read through asyncpg and thrown away;
- csv: the export's real streaming path (service.export.service.stream_export, the body
  generator of GET /api/v1/releases.csv) read to the end;
- parquet: the same for GET /api/v1/releases.parquet, written to a file whose row count
  is checked afterwards.

It prints, per path: rows, seconds (median of --rounds), rows/s, MB written, peak RSS and
its growth over the RSS before the first export; then the ratios against the baseline and
a one-line JSON summary. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from service import db, migrate
from service.config import Settings
from service.instruments.service import sync_instruments

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
INSTRUMENTS = ["help-seeking-stigma", "openness", "workplace-support"]
T0 = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)
HISTOGRAM_LEVELS = 2
POLICY = {
    "epsilon_per_wave": 1.0,
    "delta": 1e-7,
    "annual_epsilon_cap": 4.0,
    "mechanism": "gaussian",
    "min_publish_count": 10,
    "max_half_width": 0.25,
    "histogram_levels": HISTOGRAM_LEVELS,
    "release_on_close": False,
    "level_shares": None,
}


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def say(text: str = "") -> None:
    print(text, flush=True)


# --- the history ---------------------------------------------------------------------------


def tree_shape(units: int) -> tuple[int, int, int]:
    """(divisions, battalions per division, stations per battalion): 10 stations per
    battalion, 10 battalions per division; 1,000 units = 1 + 9 + 90 + 900."""
    return max(1, round((units - 1) / 111)), 10, 10


async def build_tree(conn: Any, units: int) -> list[tuple[int, int]]:
    """Insert the tree; (unit_id, depth) of every unit."""
    divisions, battalions, stations = tree_shape(units)
    out = []
    root = await conn.fetchval(
        "INSERT INTO unit (slug, name, headcount, path, depth) "
        "VALUES ('county-fire', 'County Fire', 5000, 'county-fire', 0) RETURNING unit_id"
    )
    out.append((root, 0))
    for d in range(1, divisions + 1):
        dpath = f"county-fire/division-{d}"
        div = await conn.fetchval(
            "INSERT INTO unit (parent_id, slug, name, headcount, path, depth) "
            "VALUES ($1, $2, $2, 500, $3, 1) RETURNING unit_id",
            root, f"division-{d}", dpath,
        )  # fmt: skip
        out.append((div, 1))
        for b in range(1, battalions + 1):
            bpath = f"{dpath}/battalion-{b}"
            bat = await conn.fetchval(
                "INSERT INTO unit (parent_id, slug, name, headcount, path, depth) "
                "VALUES ($1, $2, $2, 100, $3, 2) RETURNING unit_id",
                div, f"battalion-{b}", bpath,
            )  # fmt: skip
            out.append((bat, 2))
            rows = await conn.fetch(
                "INSERT INTO unit (parent_id, slug, name, headcount, path, depth) "
                "SELECT $1, 'station-' || s, 'Station ' || s, 20, $2 || '/station-' || s, 3 "
                "FROM generate_series(1, $3) s RETURNING unit_id",
                bat, bpath, stations,
            )  # fmt: skip
            out += [(r["unit_id"], 3) for r in rows]
    return out


async def statistics_of(conn: Any) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """(statistics of every unit, item statistics of the top levels, frozen instruments)."""
    from service.instruments.service import fetch_instrument, option_range

    per_unit, items, frozen = ["responses"], [], []
    for slug in INSTRUMENTS:
        row = await conn.fetchrow(
            "SELECT instrument_id, version FROM instrument WHERE slug = $1 "
            "ORDER BY loaded_at DESC, instrument_id DESC LIMIT 1",
            slug,
        )
        inst = (await fetch_instrument(conn, slug, row["version"])).instrument
        frozen.append(
            {"slug": slug, "version": row["version"], "instrument_id": row["instrument_id"]}
        )
        for scale in inst.scales:
            key = f"scale:{slug}/{scale.id}"
            per_unit += [f"{key}:mean", f"{key}:count", f"{key}:trend", f"{key}:rolling4"]
            per_unit += [f"{key}:band:{band.id}" for band in scale.bands]
        for item in inst.items:
            low, high = option_range(inst, item.options)
            items += [f"item:{slug}/{item.id}:{v}" for v in range(low, high + 1)]
    return per_unit, items, frozen


async def build_history(conn: Any, units: int, waves: int) -> tuple[int, int]:
    """The program and its released waves; returns (program_id, release rows)."""
    tree = await build_tree(conn, units)
    per_unit, items, frozen = await statistics_of(conn)
    root = tree[0][0]
    program_id = await conn.fetchval(
        "INSERT INTO program (name, root_unit_id, cadence, open_window, mode, policy, starts_at) "
        "VALUES ('Quarterly culture survey', $1, 'P3M', 'P14D', 'cards', $2, $3) "
        "RETURNING program_id",
        root, POLICY, T0,
    )  # fmt: skip
    for position, f in enumerate(frozen):
        await conn.execute(
            "INSERT INTO program_instrument (program_id, position, instrument_id) "
            "VALUES ($1, $2, $3)",
            program_id, position, f["instrument_id"],
        )  # fmt: skip
    all_units = [u for u, _ in tree]
    top_units = [u for u, depth in tree if depth < HISTOGRAM_LEVELS]
    for seq in range(1, waves + 1):
        opens = T0 + timedelta(days=91 * (seq - 1))
        released = opens + timedelta(days=15)
        wave_id = await conn.fetchval(
            "INSERT INTO wave (program_id, seq, opens_at, closes_at, status, frozen, opened_at, "
            "closed_at, released_at) VALUES ($1, $2, $3, $4, 'released', $5, $3, $4, $6) "
            "RETURNING wave_id",
            program_id, seq, opens, opens + timedelta(days=14),
            {"mode": "cards", "policy": POLICY, "instruments": frozen}, released,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO ledger (program_id, wave_id, mechanism, rho, epsilon, delta, "
            "measurement, at) VALUES ($1, $2, 'gaussian', 0.0202, 1.0, 1e-7, '{}', $3)",
            program_id, wave_id, released,
        )  # fmt: skip
        for unit_ids, stats in ((all_units, per_unit), (top_units, items)):
            await conn.execute(
                """
                INSERT INTO release (wave_id, unit_id, statistic, value, std_error, lower,
                                     upper, published, mechanism, noise_scale, privacy_share,
                                     instrument_version, plan_version, unverified)
                SELECT $1, u, s, v, e, v - 1.96 * e, v + 1.96 * e, random() < 0.7,
                       'gaussian', 7.5 + random(), 0.01 + random() / 100,
                       CASE WHEN s = 'responses' THEN NULL ELSE '0123456789ab' END, '1', false
                FROM unnest($2::bigint[]) u, unnest($3::text[]) s,
                     LATERAL (SELECT 1 + 4 * random() AS v, 0.05 + random() / 5 AS e) x
                """,
                wave_id, unit_ids, stats,
            )  # fmt: skip
    rows = await conn.fetchval("SELECT count(*) FROM release")
    return program_id, rows


# --- the measurements (each in a child process) ------------------------------------------


# Sent as COPY (...) TO STDOUT (FORMAT csv) by asyncpg's copy_from_query.
BASELINE_SQL = """
    SELECT r.* FROM release r JOIN wave w USING (wave_id)
    WHERE w.program_id = {program} ORDER BY w.seq, r.unit_id, r.statistic
"""


async def child(kind: str, url: str, program_id: int, rounds: int, out: str) -> dict[str, Any]:
    from service.export import service as export

    conn = await db.connect(url)
    pool = await db.create_pool(url, 1, 2)
    try:
        flt = await export.prepare_export(conn, None, program_id)
        metadata = await export.build_metadata(conn, None, flt, datetime.now(UTC))
        rows = await export.queries.count_release_rows(conn, flt)
        before = rss_mb()
        times, size = [], 0
        for _ in range(rounds):
            size = 0
            started = time.perf_counter()
            if kind == "baseline":

                async def discard(chunk: bytes) -> None:
                    nonlocal size
                    size += len(chunk)

                await conn.copy_from_query(
                    BASELINE_SQL.format(program=int(program_id)), output=discard, format="csv"
                )
            else:
                with open(out, "wb") as handle:  # noqa: ASYNC230 - a benchmark, on purpose
                    async for chunk in export.stream_export(pool, flt, kind, metadata):  # type: ignore[arg-type]
                        size += len(chunk)
                        if kind == "parquet":
                            handle.write(chunk)
            times.append(time.perf_counter() - started)
        return {
            "kind": kind,
            "rows": rows,
            "seconds": statistics.median(times),
            "bytes": size,
            "rss_before_mb": before,
            "peak_rss_mb": rss_mb(),
        }
    finally:
        await pool.close()
        await conn.close()


def run_child(kind: str, url: str, program_id: int, rounds: int, out: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--database", url,
         "--program", str(program_id), "--rounds", str(rounds), "--out", out],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"the {kind} measurement failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--waves", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=["baseline", "csv", "parquet"])
    parser.add_argument("--database")
    parser.add_argument("--program", type=int)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if args.child:
        result = await child(args.child, args.database, args.program, args.rounds, args.out)
        print(json.dumps(result))
        return

    server = os.environ.get("MUSTER_TEST_DATABASE_URL", DEFAULT_URL)
    name = f"muster_bench_export_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(server, name)
    try:
        conn = await db.connect(url)
        try:
            await migrate.migrate(conn)
            async with conn.transaction():
                await sync_instruments(conn, Settings().surveys_path)
            started = time.perf_counter()
            async with conn.transaction():
                program_id, total = await build_history(conn, args.units, args.waves)
            await conn.execute("VACUUM ANALYZE")
            units = await conn.fetchval("SELECT count(*) FROM unit")
            say(f"history: {units} units x {args.waves} released waves = {total:,} release rows "
                f"(built in {time.perf_counter() - started:.1f} s)")  # fmt: skip
        finally:
            await conn.close()
        with tempfile.TemporaryDirectory() as folder:
            results = {}
            for kind in ("baseline", "csv", "parquet"):
                out = str(Path(folder) / f"export.{kind}")
                results[kind] = run_child(kind, url, program_id, args.rounds, out)
            import pyarrow.parquet as pq

            parquet_rows = pq.ParquetFile(Path(folder) / "export.parquet").metadata.num_rows
        say()
        say(f"{'path':<10}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'MB':>8}"
            f"{'peak RSS MB':>13}{'growth MB':>11}")  # fmt: skip
        for kind, r in results.items():
            say(f"{kind:<10}{r['rows']:>10,}{r['seconds']:>10.2f}{r['rows'] / r['seconds']:>12,.0f}"
                f"{r['bytes'] / 1e6:>8.1f}{r['peak_rss_mb']:>13.0f}"
                f"{r['peak_rss_mb'] - r['rss_before_mb']:>11.0f}")  # fmt: skip
        base = results["baseline"]["seconds"]
        say()
        for kind in ("csv", "parquet"):
            say(f"{kind}: {results[kind]['seconds'] / base:.2f} x the bare COPY's time")
        say(f"parquet file holds {parquet_rows:,} rows "
            f"({'ok' if parquet_rows == results['parquet']['rows'] else 'MISMATCH'})")  # fmt: skip
        summary = {
            "units": units,
            "waves": args.waves,
            "rows": total,
            **{f"{k}_rows_per_s": round(r["rows"] / r["seconds"]) for k, r in results.items()},
            **{f"{k}_peak_rss_mb": round(r["peak_rss_mb"]) for k, r in results.items()},
            **{f"{k}_vs_copy": round(results[k]["seconds"] / base, 2) for k in ("csv", "parquet")},
        }
        say(json.dumps(summary))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
