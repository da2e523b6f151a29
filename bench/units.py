"""Unit tree at 5,000 units: how fast are subtree lists and moves?

Standalone: `.venv/bin/python bench/units.py [--repeat N]`. Uses MUSTER_TEST_DATABASE_URL
(or postgresql://postgres@127.0.0.1:5432/postgres), creates its own database, applies the
migrations, imports a county-sized tree through the CSV import, then times:

- list_units for a station subtree, a battalion subtree and the whole tree;
- the station and battalion subtree queries again on a connection with index and bitmap
  scans turned off (a sequential scan: the baseline), client side and inside the server;
- moving a battalion (about 90 units) to another division and back.

It prints p50/p99 in milliseconds, how many times faster the indexed subtree query is than
the baseline measured in the same run, and the generic plans of the subtree predicate
(the range form used in queries.py, and the LIKE form). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from service import db, migrate
from service.units import queries, service
from service.units.schemas import UnitCreate

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# county > 10 divisions > 5 battalions each > 10 stations each > 9 crews each = 5,061 units.
DIVISIONS, BATTALIONS, STATIONS, CREWS = 10, 5, 10, 9


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def tree_csv() -> str:
    lines = ["path,name,headcount", "county,County Emergency Services,0"]
    for d in range(1, DIVISIONS + 1):
        division = f"county/division-{d}"
        lines.append(f"{division},Division {d},0")
        for b in range(1, BATTALIONS + 1):
            battalion = f"{division}/battalion-{b}"
            lines.append(f"{battalion},Battalion {d}-{b},0")
            for s in range(1, STATIONS + 1):
                station = f"{battalion}/station-{s}"
                lines.append(f"{station},Station {d}-{b}-{s},0")
                for c in range(1, CREWS + 1):
                    lines.append(f"{station}/crew-{c},Crew {c},{6 + (d + b + s + c) % 7}")
    # Children before parents, as a spreadsheet sorted by name might give them.
    return "\n".join([lines[0], *reversed(lines[1:])]) + "\n"


async def timed(repeat: int, fn: Callable[[], Awaitable[Any]]) -> list[float]:
    for _ in range(min(10, repeat)):  # warm caches and prepared statements
        await fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def header(title: str) -> str:
    return f"\n  {title:<44} {'units':>6} {'p50 ms':>9} {'p99 ms':>9}"


def row(label: str, samples: list[float], units: int) -> str:
    return f"  {label:<44} {units:>6} {p(samples, 0.5):>9.3f} {p(samples, 0.99):>9.3f}"


SUBTREE = """
    SELECT unit_id, parent_id, slug, name, headcount, path, depth FROM unit
    WHERE (path = $1 OR (path ~>=~ ($1 || '/') AND path ~<~ ($1 || '0')))
    ORDER BY replace(path, '/', ' ') COLLATE "C"
"""


async def server_ms(conn: Any, sql: str, path: str, repeat: int) -> list[float]:
    """Execution time inside PostgreSQL, without the round trip and decoding."""
    samples = []
    for _ in range(repeat):
        plan = await conn.fetchval(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {sql}", path)
        samples.append(float(plan[0]["Execution Time"]))
    return samples


async def run(url: str, conn: Any, repeat: int) -> None:
    started = time.perf_counter()
    report = await service.import_units_csv(conn, None, tree_csv())
    import_ms = (time.perf_counter() - started) * 1000
    await conn.execute("ANALYZE unit")
    total = await conn.fetchval("SELECT count(*) FROM unit")
    print(
        f"imported {len(report.created)} units from CSV in {import_ms:.0f} ms; unit rows: {total}"
    )

    station = "county/division-4/battalion-3/station-7"
    battalion = "county/division-4/battalion-3"
    sizes = {
        path: len(await queries.list_units(conn, path)) for path in (station, battalion, "county")
    }
    # The baseline: the same queries on a connection that may not use an index. Its own
    # connection, so no plan cached with indexes allowed is reused.
    seq = await db.connect(url)
    await seq.execute("SET enable_indexscan = off; SET enable_bitmapscan = off")

    print(header("operation (client side: round trip included)"))
    client: dict[str, list[float]] = {}
    for label, path in (("station", station), ("battalion", battalion)):
        samples = await timed(repeat, partial(service.list_units, conn, None, path))
        print(row(f"list_units, {label} subtree", samples, sizes[path]))
    whole = await timed(repeat, partial(service.list_units, conn, None))
    print(row("list_units, whole tree", whole, sizes["county"]))
    for label, path in (("station", station), ("battalion", battalion)):
        client[label] = await timed(repeat, partial(queries.list_units, conn, path))
        print(row(f"subtree query, {label} (index)", client[label], sizes[path]))
        client[label + " seq"] = await timed(repeat, partial(queries.list_units, seq, path))
        print(
            row(f"subtree query, {label} (seq-scan baseline)", client[label + " seq"], sizes[path])
        )

    print(header("subtree query (server side: execution only)"))
    server: dict[str, list[float]] = {}
    for label, path in (
        ("station", station),
        ("battalion", battalion),
        ("division", "county/division-2"),
    ):
        size = len(await queries.list_units(conn, path))
        server[label] = await server_ms(conn, SUBTREE, path, repeat)
        print(row(f"{label} (index)", server[label], size))
        server[label + " seq"] = await server_ms(seq, SUBTREE, path, repeat)
        print(row(f"{label} (seq-scan baseline)", server[label + " seq"], size))
    await seq.close()

    print(header("tree change (client side, one transaction each)"))
    await service.create_unit(
        conn, None, UnitCreate(slug="division-11", name="Division 11", parent="county")
    )
    moving = (await service.fetch_unit_by_ref(conn, battalion)).unit_id
    targets = ["county/division-11", "county/division-4"]

    async def move() -> None:
        await service.move_unit(conn, None, moving, targets[0])
        targets.reverse()

    moves = await timed(repeat, move)
    print(row("move_unit, a battalion to another division", moves, sizes[battalion]))

    print("\nindexed subtree query vs the sequential-scan baseline, p50, same run:")
    for label in ("station", "battalion"):
        ratio = statistics.median(client[label + " seq"]) / statistics.median(client[label])
        print(f"  {label:<10} client side {ratio:5.1f}x", end="")
        ratio = statistics.median(server[label + " seq"]) / statistics.median(server[label])
        print(f"   server side {ratio:5.1f}x")

    await conn.execute("SET plan_cache_mode = force_generic_plan")
    for title, predicate in (
        (
            "range form (queries.py)",
            "(path = $1 OR (path ~>=~ ($1 || '/') AND path ~<~ ($1 || '0')))",
        ),
        ("LIKE form", "(path = $1 OR path LIKE $1 || '/%')"),
    ):
        await conn.execute(f"PREPARE probe(text) AS SELECT unit_id FROM unit WHERE {predicate}")
        plan = await conn.fetch("EXPLAIN EXECUTE probe('" + station + "')")
        await conn.execute("DEALLOCATE probe")
        print(f"\ngeneric (parameterised) plan, {title}:")
        for line in plan:
            print("  " + line[0])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=500, help="timed runs per operation")
    args = parser.parse_args()
    server = os.environ.get("MUSTER_TEST_DATABASE_URL") or DEFAULT_URL
    name = f"muster_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        conn = await db.connect(with_database(server, name))
        try:
            await migrate.migrate(conn)
            await run(with_database(server, name), conn, args.repeat)
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
