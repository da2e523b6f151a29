"""Release engine at scale: speed against the bare scan, memory, and what GLS buys.

Standalone: `.venv/bin/python bench/release.py [--responses 1000000] [--repeats 20]`.
Uses MUSTER_TEST_DATABASE_URL (or postgresql://postgres@127.0.0.1:5432/postgres),
creates its own database (dropped at the end, also on failure), applies the migrations,
syncs the shipped instruments and builds a 4-level tree (1 root, 10 divisions,
50 battalions, 500 stations). A program over the whole tree asks the 3 shipped
instruments; its first wave opens, gets N synthetic responses written inside PostgreSQL
(generate_series; each station has its own tendency), closes through the product's
close_wave (which shuffles the responses), and the response table is VACUUM ANALYZEd.

Then, in one run, it prints:

- a bare count(*) over the wave's rows, a pass reading every row's answers, the bare
  fetch of the wave's answers as one byte string per unit (string_agg in one query, what
  the aggregation reads; only their length is used), the release's aggregation
  (aggregate.fetch_aggregates: the wave's blocks in aggregate.READ_RANGES ranges, each
  counted per unit with bytes and int operations while PostgreSQL reads the next, rolled
  up the tree) and the full release_wave (inside a transaction rolled
  back afterwards), in rotating order over several rounds; medians and
  the ratios the issue sets (aggregation <= 8x the bare count(*), release <= 2x the
  aggregation); with --packed, the former packed-counter SQL pass once (and a check that
  it gives the same rows); with --before, the GROUPING SETS pass before that, once;
- where a release spends its time (the same release_wave, with timers around the steps
  it calls);
- the peak RSS of this process (target < 300 MB: only aggregates come into Python);
- a utility table at the program's policy (the default yearly budget, epsilon = 4 per
  person over 4 waves, with the planner's shares and statistics for this tree): the true
  aggregates are noised --repeats times with the release measurement, and the released
  counts and scale means are compared with the true ones per tree level, with GLS
  (consistent=True) and with every level on its own (consistent=False).

A one-line JSON summary ends the output. Nothing here asserts; PASS/FAIL lines say how
each figure compares with its target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import inspect
import io
import json
import math
import os
import pstats
import random
import resource
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench.packed, and service without an install

from bench import packed  # noqa: E402
from service import db, migrate  # noqa: E402
from service.config import Settings  # noqa: E402
from service.instruments.service import sync_instruments  # noqa: E402
from service.privacy import aggregate, estimates, mechanisms, queries  # noqa: E402
from service.privacy import service as engine  # noqa: E402
from service.privacy.estimates import Policy, derive_rows  # noqa: E402
from service.privacy.plan import Plan  # noqa: E402
from service.privacy.schemas import ReleaseSummary  # noqa: E402
from service.programs import service as programs  # noqa: E402
from service.programs.schemas import ProgramCreate  # noqa: E402
from service.waves import service as waves  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
INSTRUMENTS = ["help-seeking-stigma", "openness", "workplace-support"]
DIVISIONS, BATTALIONS, STATIONS = 10, 5, 10
# The bench's clock: far from the real one, like the tests'.
T0 = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)
SKIP = 0.05  # chance that one item is left unanswered
MAX_ROUNDS = 20

# One statement per batch of stations: the rows are made inside PostgreSQL. A respondent's
# latent score is their station's tendency plus their own; each answer adds item noise,
# reverse-coded items run the other way, and some answers are skipped.
GENERATE = """
    INSERT INTO response (wave_id, unit_id, answers)
    SELECT $1, p.unit_id, (
        SELECT string_agg(set_byte('\\x00'::bytea, 0, (CASE WHEN random() < $8 THEN 0 ELSE
            greatest(($5::int[])[i], least(($6::int[])[i], round(
                (($5::int[])[i] + ($6::int[])[i]) / 2.0
                + ($7::int[])[i] * p.t * (($6::int[])[i] - ($5::int[])[i]) / 4.0
                + 0.8 * sqrt(-2.0 * ln(1.0 - random())) * cos(2.0 * pi() * random())
            )))
        END)::int), ''::bytea ORDER BY i)
        FROM generate_series(1, cardinality($5::int[])) AS i
    )
    FROM (
        SELECT s.unit_id,
               s.tendency + 0.6 * sqrt(-2.0 * ln(1.0 - random())) * cos(2.0 * pi() * random())
               AS t
        FROM unnest($2::bigint[], $3::int[], $4::float8[]) AS s(unit_id, n, tendency),
             generate_series(1, s.n)
    ) AS p
"""


# The floor: a bare count over the wave's rows (PostgreSQL may answer it from the index),
# and a pass that reads every row's answers.
BARE = "SELECT count(*) FROM response WHERE wave_id = $1"
HEAP = "SELECT count(answers) FROM response WHERE wave_id = $1"


def before_sql(depth: int, plan: Plan) -> str:
    """The GROUPING SETS pass the release ran before (commit 0bdb9dc), for --before only.

    $1 = wave_id, $2 = root unit_id.
    """
    scales, items = plan.scales, plan.items
    levels = [f"l{i}" for i in range(depth + 1)]
    lateral: list[str] = []
    scored: list[str] = []
    aggregates = ["count(*) AS n"]
    for k, s in enumerate(scales):
        answered = " + ".join(f"(a[{p}] > 0)::int" for p in s.positions)
        total = " + ".join(
            f"CASE WHEN a[{p}] > 0 THEN {s.low + s.high} - a[{p}] ELSE 0 END"
            if reverse
            else f"CASE WHEN a[{p}] > 0 THEN a[{p}] ELSE 0 END"
            for p, reverse in zip(s.positions, s.reverse, strict=True)
        )
        lateral.append(f"{answered} AS n{k}, {total} AS t{k}")
        bands = " ".join(
            f"WHEN t{k}::float8 / n{k} < {upper!r} THEN {j}"
            for j, (_, _, upper) in enumerate(s.bands[:-1])
        )
        scored.append(
            f"CASE WHEN n{k} >= {s.required} THEN "
            f"round(100.0 * t{k} / n{k})::int - {s.midpoint_hundredths} END AS q{k}"
        )
        scored.append(
            f"CASE WHEN n{k} >= {s.required} THEN CASE {bands} ELSE {len(s.bands) - 1} END "
            f"END AS b{k}"
        )
        aggregates.append(f"coalesce(sum(q{k}), 0)::bigint AS sum{k}")
        aggregates.extend(
            f"count(*) FILTER (WHERE b{k} = {j}) AS band{k}_{j}" for j in range(len(s.bands))
        )
    for k, item in enumerate(items):
        aggregates.extend(
            f"count(*) FILTER (WHERE a[{item.position}] = {v}) AS item{k}_{v}" for v in item.values
        )
    ancestors = ", ".join(f"s.anc[{i + 1}] AS {name}" for i, name in enumerate(levels))
    sets = ", ".join(f"({', '.join(levels[: i + 1])})" for i in range(depth + 1))
    lateral_sql = ", ".join(lateral) if lateral else "1 AS unused"
    scored_sql = "".join(f", {expression}" for expression in scored)
    return f"""
        WITH RECURSIVE sub AS (
            SELECT unit_id, ARRAY[unit_id] AS anc FROM unit WHERE unit_id = $2
            UNION ALL
            SELECT u.unit_id, sub.anc || u.unit_id FROM unit u JOIN sub ON u.parent_id = sub.unit_id
        ),
        scored AS (
            SELECT {ancestors}, a{scored_sql}
            FROM (SELECT unit_id, answers AS a FROM response WHERE wave_id = $1) r
            JOIN sub s ON s.unit_id = r.unit_id
            CROSS JOIN LATERAL (SELECT {lateral_sql}) t
        )
        SELECT GROUPING({", ".join(levels)}) AS g, {", ".join(levels)}, {", ".join(aggregates)}
        FROM scored
        GROUP BY GROUPING SETS ({sets})
    """


def server_cpu(pid: int) -> float:
    """User + system CPU seconds of a local server process, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sorted_items(row: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(row.items())


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def say(text: str = "") -> None:
    print(text, flush=True)


# --- the organisation and its wave --------------------------------------------------------


class Station(msgspec.Struct):
    unit_id: int
    tendency: float
    responses: int


async def insert_units(
    conn: Any,
    parents: list[int | None],
    slugs: list[str],
    paths: list[str],
    depth: int,
    headcounts: list[int],
) -> list[int]:
    rows = await conn.fetch(
        """
        INSERT INTO unit (parent_id, slug, name, headcount, path, depth)
        SELECT p, s, initcap(replace(s, '-', ' ')), h, path, $5
        FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[]) AS u(p, s, path, h)
        RETURNING unit_id, path
        """,
        parents,
        slugs,
        paths,
        headcounts,
        depth,
    )
    by_path = {r["path"]: r["unit_id"] for r in rows}
    return [by_path[p] for p in paths]


def station_sizes(rng: random.Random, total: int, stations: int) -> list[int]:
    """Uneven station sizes adding up to `total`: some stations are tiny, a few are large."""
    weights = [rng.lognormvariate(0.0, 0.9) for _ in range(stations)]
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    sizes = [math.floor(x) for x in exact]
    by_remainder = sorted(range(stations), key=lambda i: exact[i] - sizes[i], reverse=True)
    for i in by_remainder[: total - sum(sizes)]:
        sizes[i] += 1
    return sizes


async def build_tree(conn: Any, rng: random.Random, responses: int) -> tuple[int, list[Station]]:
    """1 root, 10 divisions, 50 battalions, 500 stations; headcounts on the stations."""
    root = (await insert_units(conn, [None], ["county"], ["county"], 0, [0]))[0]
    sizes = station_sizes(rng, responses, DIVISIONS * BATTALIONS * STATIONS)
    stations: list[Station] = []
    division_paths = [f"county/division-{d + 1}" for d in range(DIVISIONS)]
    divisions = await insert_units(
        conn,
        [root] * DIVISIONS,
        [p.rsplit("/", 1)[1] for p in division_paths],
        division_paths,
        1,
        [0] * DIVISIONS,
    )
    for d, (division, division_path) in enumerate(zip(divisions, division_paths, strict=True)):
        division_effect = rng.gauss(0.0, 0.25)
        battalion_paths = [f"{division_path}/battalion-{b + 1}" for b in range(BATTALIONS)]
        battalions = await insert_units(
            conn,
            [division] * BATTALIONS,
            [p.rsplit("/", 1)[1] for p in battalion_paths],
            battalion_paths,
            2,
            [0] * BATTALIONS,
        )
        for b, battalion in enumerate(battalions):
            battalion_effect = rng.gauss(0.0, 0.2)
            first = (d * BATTALIONS + b) * STATIONS
            counts = sizes[first : first + STATIONS]
            # About 60% of a station's staff answer.
            headcounts = [min(1_000_000, max(4, math.ceil(n / 0.6))) for n in counts]
            station_paths = [f"{battalion_paths[b]}/station-{s + 1}" for s in range(STATIONS)]
            ids = await insert_units(
                conn,
                [battalion] * STATIONS,
                [p.rsplit("/", 1)[1] for p in station_paths],
                station_paths,
                3,
                headcounts,
            )
            for unit_id, n in zip(ids, counts, strict=True):
                tendency = division_effect + battalion_effect + rng.gauss(0.0, 0.3)
                stations.append(Station(unit_id, tendency, n))
    return root, stations


async def open_program(conn: Any) -> tuple[int, int]:
    """A program over the whole tree with the shipped instruments; wave 1 open. Returns ids."""
    async with conn.transaction():
        program = await programs.create_program(
            conn,
            None,
            msgspec.convert(
                {
                    "name": "Release benchmark",
                    "root_unit": "county",
                    "instruments": INSTRUMENTS,
                    "cadence": "P3M",
                    "window": "P14D",
                    "starts_at": T0.isoformat(),
                },
                ProgramCreate,
            ),
            T0 - timedelta(days=1),
        )
    await waves.advance_waves(conn, T0 + timedelta(hours=1))
    wave_id: int = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = 1 AND status = 'open'",
        program.program_id,
    )
    return program.program_id, wave_id


async def close_now(conn: Any, wave_id: int) -> None:
    """The product's close_wave, in its own transaction; after it commits, the responses are
    shuffled into a new relation (db.transaction runs that, as for every entry point)."""
    async with db.transaction(conn):
        await waves.close_wave(conn, None, wave_id, T0 + timedelta(days=2))


async def load_responses(conn: Any, wave_id: int, plan: Plan, stations: list[Station]) -> int:
    """Write every station's responses with one INSERT ... SELECT per batch of stations."""
    lows = [min(item.values) for item in plan.items]
    highs = [max(item.values) for item in plan.items]
    signs = [1] * len(plan.items)
    for scale in plan.scales:
        for position, reverse in zip(scale.positions, scale.reverse, strict=True):
            signs[position - 1] = -1 if reverse else 1
    if [item.position for item in plan.items] != list(range(1, len(plan.items) + 1)):
        raise RuntimeError("the plan's items are not in answers order")
    batch = STATIONS * BATTALIONS  # one division per statement
    written = 0
    for start in range(0, len(stations), batch):
        chunk = stations[start : start + batch]
        started = time.perf_counter()
        await conn.execute(
            GENERATE,
            wave_id,
            [s.unit_id for s in chunk],
            [s.responses for s in chunk],
            [s.tendency for s in chunk],
            lows,
            highs,
            signs,
            SKIP,
        )
        written += sum(s.responses for s in chunk)
        say(
            f"  loaded {written:>9,} responses ({time.perf_counter() - started:5.1f} s for "
            f"{sum(s.responses for s in chunk):,})"
        )
    return written


# --- timing -------------------------------------------------------------------------------


async def timed(fn: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await fn()
    return time.perf_counter() - started, result


async def rolled_back(conn: Any, fn: Callable[[], Awaitable[Any]]) -> Any:
    transaction = conn.transaction()
    await transaction.start()
    try:
        return await fn()
    finally:
        await transaction.rollback()


class Steps:
    """Wall time spent in named functions while a patch is active (re-entrant calls add)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, label: str, fn: Any) -> Any:
        if inspect.iscoroutinefunction(fn):

            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    self.add(label, time.perf_counter() - started)

            return timed_async

        def timed_sync(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(label, time.perf_counter() - started)

        return timed_sync

    def add(self, label: str, seconds: float) -> None:
        self.seconds[label] = self.seconds.get(label, 0.0) + seconds


# The steps release_wave calls, as (key, label, module, attribute). release_wave looks each
# one up on its module at call time, so wrapping the attribute times the real release.
STEPS: list[tuple[str, str, Any, str]] = [
    ("build_plan", "build_plan (units, instruments, budget split)", engine, "build_plan"),
    ("compose", "release_measurement (compose OpenDP measurement)", mechanisms,
     "release_measurement"),
    ("charge", "charge (privacy map, zCDP -> epsilon)", mechanisms, "charge"),
    ("ledger_read", "list_ledger (the rolling year)", queries, "list_ledger"),
    ("scan", "fetch_aggregates (bytes per unit, tree roll-up)", aggregate, "fetch_aggregates"),
    ("vectors", "vectors_from_rows (records -> block vectors)", engine, "vectors_from_rows"),
    ("noise", "measure (OpenDP noise)", mechanisms, "measure"),
    ("derive", "derive_rows (GLS + means, shares, flags)", engine, "derive_rows"),
    ("gls", "  of which consistent_columns (GLS)", estimates, "consistent_columns"),
    ("trend", "_trend_rows", engine, "_trend_rows"),
    ("copy", "insert_release_rows (COPY)", queries, "insert_release_rows"),
    ("ledger_write", "insert_ledger", queries, "insert_ledger"),
]  # fmt: skip


@contextlib.contextmanager
def patched(steps: Steps) -> Iterator[None]:
    saved = [(module, name, getattr(module, name)) for _, _, module, name in STEPS]
    try:
        for key, _, module, name in STEPS:
            setattr(module, name, steps.wrap(key, getattr(module, name)))
        yield
    finally:
        for module, name, original in saved:
            setattr(module, name, original)


# --- utility --------------------------------------------------------------------------------


class Errors(msgspec.Struct):
    gls: list[float] = msgspec.field(default_factory=list)
    independent: list[float] = msgspec.field(default_factory=list)


def rmse(errors: list[float]) -> float:
    return math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else math.nan


def p95(errors: list[float]) -> float:
    if not errors:
        return math.nan
    ordered = sorted(abs(e) for e in errors)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def paired_z(errors: Errors) -> float:
    """Mean of (GLS error^2 - independent error^2) over its standard error."""
    d = [g * g - i * i for g, i in zip(errors.gls, errors.independent, strict=True)]
    if len(d) < 2:
        return math.nan
    spread = statistics.stdev(d)
    return statistics.fmean(d) / (spread / math.sqrt(len(d))) if spread > 0 else 0.0


def statistic_kind(statistic: str) -> str | None:
    if statistic == "responses":
        return "count"
    if statistic.startswith("scale:") and statistic.endswith(":mean"):
        return "mean"
    return None


async def utility(
    conn: Any, wave: Any, plan: Plan, sizes: list[int], aggregation: Any, repeats: int
) -> tuple[dict[tuple[int, str], Errors], dict[str, float], dict[int, float]]:
    """Errors of released counts and means against the truth, GLS and independent levels.

    Also the RMSE ratio the exact GLS variances predict for the counts of each level.
    """
    depth = plan.levels - 1
    frozen = wave.frozen.policy
    policy = Policy(frozen.min_publish_count, frozen.max_half_width)
    records = await aggregate.fetch_aggregates(conn, aggregation, wave.wave_id, wave.root_unit_id)
    aggregates = engine.vectors_from_rows(plan, records, depth)
    del records
    # With (almost) no noise variance, the derived values are the true ones.
    truth = {
        (r.unit_id, r.statistic): r.value
        for r in derive_rows(plan, aggregates.vectors, lambda s: 1e-18, policy)
        if statistic_kind(r.statistic) is not None
    }
    level_of = {node.unit_id: node.level for node in plan.nodes if not node.direct}
    measurement = mechanisms.release_measurement(plan.blocks, sizes, frozen.mechanism)

    def variance_of(scale: float) -> float:
        return mechanisms.noise_variance(frozen.mechanism, scale)

    # What the two passes promise for counts: mean GLS variance over the raw variance.
    pattern = estimates.consistent_columns(plan, aggregates.vectors, variance_of)[
        ("responses", "responses")
    ][0]
    raw = {b.level: variance_of(b.scale) for b in plan.blocks if b.kind == "responses"}
    expected: dict[int, float] = {}
    for level in range(plan.levels):
        at = [i for i, n in enumerate(plan.nodes) if n.level == level and not n.direct]
        if at and level in raw:
            expected[level] = math.sqrt(
                statistics.fmean(pattern.variance[i] for i in at) / raw[level]
            )
    errors: dict[tuple[int, str], Errors] = {
        (level, kind): Errors() for level in range(plan.levels) for kind in ("count", "mean")
    }
    seconds = {"measure": 0.0, "derive_gls": 0.0, "derive_independent": 0.0}
    for _ in range(repeats):
        started = time.perf_counter()
        noisy = mechanisms.measure(measurement, aggregates)
        seconds["measure"] += time.perf_counter() - started
        estimated: dict[bool, dict[tuple[int, str], float | None]] = {}
        for consistent in (True, False):
            started = time.perf_counter()
            rows = derive_rows(plan, noisy, variance_of, policy, consistent=consistent)
            label = "derive_gls" if consistent else "derive_independent"
            seconds[label] += time.perf_counter() - started
            estimated[consistent] = {
                (r.unit_id, r.statistic): r.value
                for r in rows
                if statistic_kind(r.statistic) is not None
            }
        for key, true_value in truth.items():
            with_gls, without = estimated[True].get(key), estimated[False].get(key)
            if true_value is None or with_gls is None or without is None:
                continue  # a mean is undefined where a (noisy) count is below 1
            kind = statistic_kind(key[1])
            assert kind is not None  # truth holds only counts and means
            bucket = errors[(level_of[key[0]], kind)]
            bucket.gls.append(with_gls - true_value)
            bucket.independent.append(without - true_value)
    return errors, {k: v / max(repeats, 1) for k, v in seconds.items()}, expected


# --- the run ----------------------------------------------------------------------------------


async def run(conn: Any, args: argparse.Namespace, summary: dict[str, Any]) -> None:
    rng = random.Random(args.seed)
    await sync_instruments(conn, Settings().surveys_path)
    started = time.perf_counter()
    root_id, stations = await build_tree(conn, rng, args.responses)
    units = await conn.fetchval("SELECT count(*) FROM unit")
    program_id, wave_id = await open_program(conn)
    say(
        f"tree: {units} units (1 / {DIVISIONS} / {DIVISIONS * BATTALIONS} / {len(stations)}), "
        f"program {program_id}, wave {wave_id} open ({time.perf_counter() - started:.1f} s)"
    )

    # The plan only needs public information, so it can be built while the wave is open:
    # it gives the items in answers order for the generator.
    open_wave = await engine._fetch_wave(conn, wave_id)
    plan, sizes = await engine.build_plan(conn, open_wave)
    say(
        f"plan: {len(plan.items)} items, {len(plan.scales)} scales, {len(plan.nodes)} nodes "
        f"(with direct nodes), {plan.levels} levels, {len(plan.blocks)} blocks, "
        f"{sum(sizes):,} noisy cells; {plan.mechanism}, epsilon {plan.epsilon} per wave"
    )

    say(f"\nloading {args.responses:,} responses")
    load_s, written = await timed(lambda: load_responses(conn, wave_id, plan, stations))
    say(f"  {written:,} responses in {load_s:.1f} s")
    close_s, _ = await timed(lambda: close_now(conn, wave_id))
    say(f"close_wave (shuffles the responses): {close_s:.1f} s")
    vacuum_s, _ = await timed(lambda: conn.execute("VACUUM ANALYZE response"))
    size = await conn.fetchval(  # the response table is partitioned by wave (0005)
        "SELECT pg_size_pretty(sum(pg_total_relation_size(relid))) "
        "FROM pg_partition_tree('response')"
    )
    say(f"VACUUM ANALYZE response: {vacuum_s:.1f} s; response table with index: {size}")
    summary.update(
        responses=written,
        units=units,
        load_s=round(load_s, 2),
        close_s=round(close_s, 2),
        vacuum_s=round(vacuum_s, 2),
    )

    wave = await engine._fetch_wave(conn, wave_id)
    plan, sizes = await engine.build_plan(conn, wave)
    depth = plan.levels - 1
    aggregation = aggregate.aggregation_for(depth, plan.scales, plan.items)
    now = T0 + timedelta(days=3)

    async def bare() -> int:
        count: int = await conn.fetchval(BARE, wave_id)
        return count

    async def heap() -> int:
        count: int = await conn.fetchval(HEAP, wave_id)
        return count

    async def stream() -> int:
        received = 0
        for row in await queries.list_unit_answers(conn, wave_id, aggregation.width):
            received += len(row.answers)
        return received

    async def scan() -> int:
        return len(await aggregate.fetch_aggregates(conn, aggregation, wave_id, root_id))

    async def full_release() -> ReleaseSummary:
        done: ReleaseSummary = await rolled_back(
            conn, lambda: engine.release_wave(conn, None, wave_id, now)
        )
        return done

    say(
        f"\nbare pass vs aggregation vs release: 1 warm-up each, then {args.rounds} rounds, "
        "order rotating"
    )
    await timed(bare)
    await timed(heap)
    _, streamed = await timed(stream)
    say(f"  the answers by unit: {streamed / 1e6:.0f} MB")
    warm_scan, groups = await timed(scan)
    say(f"  warm-up aggregation {warm_scan:.2f} s ({groups} aggregate rows)")
    seconds_of: dict[str, list[float]] = {
        "bare": [], "heap": [], "stream": [], "scan": [], "release": [],
    }  # fmt: skip
    steps_of: dict[str, Callable[[], Awaitable[Any]]] = {
        "bare": bare, "heap": heap, "stream": stream, "scan": scan, "release": full_release,
    }  # fmt: skip
    outcome: ReleaseSummary | None = None
    for round_ in range(args.rounds):
        order = list(seconds_of)
        order = order[round_ % len(order) :] + order[: round_ % len(order)]
        for label in order:
            seconds, result = await timed(steps_of[label])
            seconds_of[label].append(seconds)
            if label == "release":
                outcome = result
        say(
            f"  round {round_ + 1}: count(*) {seconds_of['bare'][-1]:6.3f} s   heap pass "
            f"{seconds_of['heap'][-1]:6.3f} s   by unit {seconds_of['stream'][-1]:6.3f} s   "
            f"aggregation {seconds_of['scan'][-1]:7.2f} s   "
            f"release {seconds_of['release'][-1]:7.2f} s   (load {os.getloadavg()[0]:.1f})"
        )
    assert outcome is not None  # at least one round ran
    say(
        f"  each release: {outcome.rows:,} release rows, {outcome.published_units}/"
        f"{outcome.units} units with a published count, epsilon {outcome.epsilon:.4f} "
        f"(rho {outcome.rho:.5f}) charged, then rolled back"
    )
    bare_s, heap_s, stream_s, scan_s, release_s = (
        statistics.median(seconds_of[k]) for k in seconds_of
    )
    scan_ratio, release_ratio = scan_s / bare_s, release_s / scan_s
    say(f"\n  {'bare count(*) over the wave (median)':<44} {bare_s:8.3f} s")
    say(f"  {'pass reading every answers (median)':<44} {heap_s:8.3f} s")
    say(f"  {'answers by unit, string_agg (median)':<44} {stream_s:8.3f} s")
    say(f"  {'aggregation, fetch_aggregates (median)':<44} {scan_s:8.3f} s")
    say(f"  {'full release_wave, rolled back (median)':<44} {release_s:8.3f} s")
    say(
        f"  {'ratio aggregation / count(*)':<44} {scan_ratio:8.2f}x   "
        f"{'PASS' if scan_ratio <= 8 else 'FAIL'} (target <= 8)"
    )
    say(f"  {'ratio aggregation / answers pass':<44} {scan_s / heap_s:8.2f}x")
    say(f"  {'ratio aggregation / answers by unit':<44} {scan_s / stream_s:8.2f}x")
    say(f"  {'ratio answers by unit / count(*)':<44} {stream_s / bare_s:8.2f}x")
    say(
        f"  {'ratio release / aggregation':<44} {release_ratio:8.2f}x   "
        f"{'PASS' if release_ratio <= 2 else 'FAIL'} (target <= 2)"
    )
    summary.update(
        bare_s=round(bare_s, 4),
        heap_s=round(heap_s, 4),
        stream_s=round(stream_s, 4),
        stream_bytes=streamed,
        load_average=[round(x, 2) for x in os.getloadavg()],
        scan_s=round(scan_s, 3),
        release_s=round(release_s, 3),
        scan_over_bare=round(scan_ratio, 2),
        scan_over_heap=round(scan_s / heap_s, 2),
        release_over_scan=round(release_ratio, 3),
        scan_pass=scan_ratio <= 8,
        release_pass=release_ratio <= 2,
        rounds_s={k: [round(x, 3) for x in v] for k, v in seconds_of.items()},
        release_rows=outcome.rows,
        aggregate_rows=groups,
        published_units=outcome.published_units,
    )

    if args.cpu:
        # CPU seconds, which load from other work inflates far less than wall time: the
        # server process's (from /proc, so only with the server on this machine) and this
        # process's, one run each, parallel workers off so the server's CPU is all in it.
        await conn.execute("SET max_parallel_workers_per_gather = 0")
        backend = await conn.fetchval("SELECT pg_backend_pid()")
        say("\nCPU seconds, one run each, no parallel workers (server process / this one):")
        cpu: dict[str, list[float]] = {}

        async def text_stream() -> None:  # the same rows as text: what text output costs
            async def sink(data: bytes) -> None:
                pass

            await conn.copy_from_query(
                "SELECT unit_id, answers FROM response WHERE wave_id = $1 "
                "AND length(answers) >= $2",
                wave_id, aggregation.width, output=sink, format="text",
            )  # fmt: skip

        for label, step in (("count(*)", bare), ("answers pass", heap),
                            ("answers by unit", stream), ("stream as text", text_stream),
                            ("aggregation", scan)):  # fmt: skip
            server, mine = server_cpu(backend), time.process_time()
            await step()
            cpu[label] = [server_cpu(backend) - server, time.process_time() - mine]
        await conn.execute("RESET max_parallel_workers_per_gather")
        floor = cpu["count(*)"][0]
        for label, (server, mine) in cpu.items():
            say(
                f"  {label:<16} server {server:6.2f} s ({server / floor:5.1f}x count(*))   "
                f"this process {mine:6.2f} s   together {(server + mine) / floor:5.1f}x"
            )
        summary["cpu_s"] = {k: [round(x, 3) for x in v] for k, v in cpu.items()}

    if args.packed:
        # The packed-counter SQL pass this one replaced, once, and the same rows from both.
        former = packed.Aggregation(depth, plan.scales, plan.items)
        packed_s, rows = await timed(lambda: packed.fetch_packed(conn, former, wave_id, root_id))
        now_rows = await aggregate.fetch_aggregates(conn, aggregation, wave_id, root_id)
        same = sorted(map(sorted_items, rows)) == sorted(map(sorted_items, now_rows))
        say(
            f"  {'the former packed-counter SQL pass (once)':<44} {packed_s:8.2f} s   "
            f"{packed_s / bare_s:.0f}x count(*), {packed_s / scan_s:.1f}x this aggregation; "
            f"same rows: {'PASS' if same else 'FAIL'}"
        )
        summary.update(packed_s=round(packed_s, 2), packed_same_rows=same)

    if args.before:
        # The GROUPING SETS pass this one replaced, once, for the record.
        before_s, _ = await timed(lambda: conn.fetch(before_sql(depth, plan), wave_id, root_id))
        say(
            f"  {'the former GROUPING SETS pass (once)':<44} {before_s:8.2f} s   "
            f"{before_s / bare_s:.0f}x count(*), {before_s / scan_s:.1f}x this aggregation"
        )
        summary.update(before_s=round(before_s, 2))

    steps = Steps()
    with patched(steps):
        total_s, _ = await timed(full_release)
    say(
        f"\nwhere one release_wave spends its time (one more run, timers around the steps "
        f"it calls; total {total_s:.2f} s):"
    )
    accounted = 0.0
    for key, label, _, _ in STEPS:
        seconds = steps.seconds.get(key, 0.0)
        if not label.startswith(" "):
            accounted += seconds
        say(f"  {label:<52} {seconds:8.3f} s {100 * seconds / total_s:5.1f}%")
    rest = total_s - accounted
    say(
        f"  {'the rest (locks, tuples for COPY, audit, rollback)':<52} {rest:8.3f} s "
        f"{100 * rest / total_s:5.1f}%"
    )
    inside = steps.seconds.get("scan", 0.0)
    if inside > 0:
        say(
            f"  {'release / its own scan (this run, no other noise)':<52} "
            f"{total_s / inside:8.2f}x   (everything but the scan: {total_s - inside:.2f} s)"
        )
        summary["release_over_own_scan"] = round(total_s / inside, 3)
    summary["release_steps_s"] = {k: round(v, 3) for k, v in steps.seconds.items()}

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        await full_release()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        say("\ncProfile of one release_wave, by own time (the event loop's wait is the SQL):")
        say(out.getvalue())

    say(
        f"\nutility at epsilon = {plan.epsilon} per wave ({plan.mechanism}), "
        f"{args.repeats} noisings of the same true aggregates"
    )
    utility_s, (errors, per_repeat, expected) = await timed(
        lambda: utility(conn, wave, plan, sizes, aggregation, args.repeats)
    )
    say(
        f"  per noising: measure {per_repeat['measure']:.3f} s, derive_rows with GLS "
        f"{per_repeat['derive_gls']:.3f} s, without {per_repeat['derive_independent']:.3f} s; "
        f"{utility_s:.1f} s in all"
    )
    level_names = ["root", "divisions", "battalions", "stations"]
    say(
        f"\n  {'level':<14} {'statistic':<10} {'values':>7}  {'RMSE GLS':>10} {'RMSE indep':>10} "
        f"{'ratio':>6} {'expect':>6} {'z':>6}  {'p95 GLS':>10} {'p95 indep':>10} {'ratio':>6}"
    )
    table: list[dict[str, Any]] = []
    verdicts: list[bool] = []
    notes: list[str] = []
    for level in range(plan.levels):
        name = level_names[level] if level < len(level_names) else f"level {level}"
        worse: list[str] = []
        for kind in ("count", "mean"):
            bucket = errors[(level, kind)]
            rmse_ratio = rmse(bucket.gls) / rmse(bucket.independent)
            p95_ratio = p95(bucket.gls) / p95(bucket.independent)
            z = paired_z(bucket)
            promised = expected.get(level) if kind == "count" else None
            row = {
                "level": level,
                "statistic": kind,
                "values": len(bucket.gls),
                "rmse_gls": rmse(bucket.gls),
                "rmse_independent": rmse(bucket.independent),
                "rmse_ratio": rmse_ratio,
                "expected_rmse_ratio": promised,
                "z": z,
                "p95_gls": p95(bucket.gls),
                "p95_independent": p95(bucket.independent),
                "p95_ratio": p95_ratio,
            }
            if not rmse_ratio < 1.0:
                worse.append(f"{kind}s (RMSE ratio {rmse_ratio:.3f}, z {z:+.1f})")
            promised_text = f"{promised:6.3f}" if promised is not None else f"{'-':>6}"
            digits = ".2f" if kind == "count" else ".4g"
            say(
                f"  {level} {name:<12} {kind:<10} {row['values']:>7}  "
                f"{row['rmse_gls']:>10{digits}} {row['rmse_independent']:>10{digits}} "
                f"{rmse_ratio:>6.3f} {promised_text} {z:>+6.1f}  "
                f"{row['p95_gls']:>10{digits}} {row['p95_independent']:>10{digits}} "
                f"{p95_ratio:>6.3f}"
            )
            table.append({k: round(v, 5) if isinstance(v, float) else v for k, v in row.items()})
        verdicts.append(not worse)
        if worse:
            notes.append(f"  level {level} ({name}): FAIL: GLS not better for {', '.join(worse)}")
        else:
            notes.append(
                f"  level {level} ({name}): PASS: GLS RMSE strictly below independent levels "
                "for counts and means"
            )
    say("  expect: the count RMSE ratio that the exact GLS variances predict (means: not")
    say("  predicted). z: paired test of squared errors, GLS minus independent, in standard")
    say("  errors; negative = GLS better; |z| < 2 means this many noisings cannot tell them")
    say("  apart. values: units x statistics x noisings where truth and both estimates exist.")
    say()
    for line in notes:
        say(line)
    summary.update(utility=table, gls_pass=verdicts, repeats=args.repeats)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=20, help="noisings for the utility table")
    parser.add_argument(
        "--rounds", type=int, default=4, help="timed bare/aggregation/release rounds"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the tree and tendencies")
    parser.add_argument("--profile", action="store_true", help="cProfile one more release")
    parser.add_argument(
        "--packed", action="store_true", help="time the former packed-counter pass once"
    )
    parser.add_argument(
        "--cpu", action="store_true", help="CPU seconds of the passes (local server only)"
    )
    parser.add_argument(
        "--before", action="store_true", help="time the former GROUPING SETS pass once"
    )
    args = parser.parse_args()
    args.rounds = max(1, min(args.rounds, MAX_ROUNDS))
    args.repeats = max(1, min(args.repeats, 10_000))
    if args.responses < 0:
        parser.error("--responses must be 0 or more")

    # Ctrl-C or a plain kill cancels the run, so the database is still dropped below
    # (also when the shell started this in the background with SIGINT ignored).
    task = asyncio.current_task()
    if task is not None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, task.cancel)
    wall = time.perf_counter()
    server = os.environ.get("MUSTER_TEST_DATABASE_URL") or DEFAULT_URL
    name = f"muster_bench_{uuid.uuid4().hex[:12]}"
    summary: dict[str, Any] = {"benchmark": "release"}
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        conn = await db.connect(with_database(server, name))
        try:
            await migrate.migrate(conn)
            await run(conn, args, summary)
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    rss = peak_rss_mb()
    say(
        f"\npeak RSS of this process: {rss:.0f} MB   {'PASS' if rss < 300 else 'FAIL'} "
        "(target < 300 MB)"
    )
    summary.update(peak_rss_mb=round(rss, 1), rss_pass=rss < 300)
    summary["wall_s"] = round(time.perf_counter() - wall, 1)
    say(f"whole script: {summary['wall_s']:.1f} s")
    say(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        print("interrupted; the benchmark database was dropped", flush=True)
        raise SystemExit(130) from None
