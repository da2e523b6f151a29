"""The release's aggregation pass equals a plain count over the stored rows, node by node.

The first reference reads every response into Python and counts it in its unit and every
ancestor, the way GROUPING SETS over the ancestors would; the second is a plain GROUP BY
in SQL per unit, item and value. The pass under test streams the answers out of
PostgreSQL as a binary COPY, counts them per unit with numpy in chunks cut anywhere, and
sums units up the tree; every variant of it must give the same rows.
"""

from __future__ import annotations

import random
import struct
from fractions import Fraction
from typing import Any

import msgspec
import pytest

from service.privacy import aggregate, queries
from service.privacy import service as release
from service.privacy.plan import ItemSpec, Plan, ScaleSpec
from tests.factories import add_responses, close, open_wave_on, random_answers, wave_items


def _clamp(answer: int, low: int, high: int) -> int:
    return 0 if answer <= 0 else min(max(answer, low), high)


def _counted(plan: Plan, answers: list[int]) -> dict[str, int]:
    """One response's contribution to every column, straight from the definitions."""
    out = {"n": 1}
    for k, scale in enumerate(plan.scales):
        values = [
            scale.low + scale.high - v if reverse else v
            for p, reverse in zip(scale.positions, scale.reverse, strict=True)
            if (v := _clamp(answers[p - 1], scale.low, scale.high)) > 0
        ]
        scored = len(values) >= scale.required
        mean = Fraction(sum(values), len(values)) if scored else None
        out[f"sum{k}"] = int(100 * mean + Fraction(1, 2)) - scale.midpoint_hundredths if mean else 0
        out[f"count{k}"] = int(scored)
        band = None
        if mean is not None:
            band = next(
                (j for j, (_, _, upper) in enumerate(scale.bands[:-1]) if mean < Fraction(upper)),
                len(scale.bands) - 1,
            )
        for j in range(len(scale.bands)):
            out[f"band{k}_{j}"] = int(band == j)
    for k, item in enumerate(plan.items):
        value = _clamp(answers[item.position - 1], min(item.values), max(item.values))
        for v in item.values:
            out[f"item{k}_{v}"] = int(value == v)
    return out


def _reference(
    plan: Plan, units: list[dict[str, Any]], rows: list[tuple[int, list[int]]], depth: int
) -> dict[tuple[int | None, ...], dict[str, int]]:
    per_unit: dict[int, dict[str, int]] = {}
    for unit_id, answers in rows:
        counted = _counted(plan, answers)
        into = per_unit.setdefault(unit_id, dict.fromkeys(counted, 0))
        for column, value in counted.items():
            into[column] += value
    return _up_the_tree(units, per_unit, depth)


def _up_the_tree(
    units: list[dict[str, Any]], per_unit: dict[int, dict[str, int]], depth: int
) -> dict[tuple[int | None, ...], dict[str, int]]:
    """Each unit's columns added into its own key and every ancestor's, GROUPING SETS style."""
    parent = {u["unit_id"]: u["parent_id"] for u in units}
    totals: dict[tuple[int | None, ...], dict[str, int]] = {}
    for unit_id, counted in per_unit.items():
        chain = [unit_id]
        while parent[chain[0]] is not None:
            chain.insert(0, parent[chain[0]])
        for level in range(depth + 1):
            key = tuple(chain[: level + 1]) + (None,) * (level + 1 - len(chain))
            into = totals.setdefault(key, dict.fromkeys(counted, 0))
            for column, value in counted.items():
                into[column] += value
    return totals


def _keyed(records: list[dict[str, Any]], depth: int) -> dict[tuple[int | None, ...], Any]:
    out = {}
    for record in records:
        level = depth - bin(record["g"]).count("1")
        key = tuple(record[f"l{i}"] for i in range(level + 1))
        assert all(record[f"l{i}"] is None for i in range(level + 1, depth + 1))
        out[key] = {c: v for c, v in record.items() if c != "g" and not c.startswith("l")}
    return out


async def _aggregate(
    conn: Any, wave_id: int, **overrides: int
) -> tuple[Plan, int, list[dict[str, Any]]]:
    """The wave's plan, its tree depth and the aggregation rows (variant: `overrides`)."""
    wave = await release._fetch_wave(conn, wave_id)
    plan, _ = await release.build_plan(conn, wave)
    depth = plan.levels - 1
    aggregation = msgspec.structs.replace(
        aggregate.aggregation_for(depth, plan.scales, plan.items), **overrides
    )
    records = await aggregate.fetch_aggregates(conn, aggregation, wave_id, wave.root_unit_id)
    return plan, depth, records


@pytest.mark.parametrize(
    "batch_bytes",
    [
        aggregate.BATCH_BYTES,  # what a release runs: the whole stream in one batch here
        1,  # every piece counted as it arrives
    ],
)
@pytest.mark.parametrize(
    ("shape", "seed"), [((2, 2), 1), ((3,), 2), ((1, 2, 1, 2, 1), 3), ((2, 1, 3), 4)]
)
async def test_the_aggregation_equals_a_plain_count_on_random_trees(
    conn: Any, shape: tuple[int, ...], seed: int, batch_bytes: int
) -> None:
    rng = random.Random(seed)
    _, wave_id, units = await open_wave_on(conn, shape=shape)
    items = await wave_items(conn, wave_id)
    stored: list[tuple[int, list[int]]] = []
    for unit in units:
        # Some units get nothing and inner units get responses filed directly under them.
        count = rng.choice([0, 0, 1, 3, 7, 12])
        answers = [random_answers(rng, items, rng.choice([0.0, 0.2, 0.9])) for _ in range(count)]
        await add_responses(conn, wave_id, unit["unit_id"], answers)
        stored += [(unit["unit_id"], a) for a in answers]
    await close(conn, wave_id)
    plan, depth, records = await _aggregate(conn, wave_id, batch_bytes=batch_bytes)
    assert _keyed(records, depth) == _reference(plan, units, stored, depth)


async def test_answers_out_of_the_instruments_bounds_count_as_the_nearest_bound(
    conn: Any,
) -> None:
    _, wave_id, units = await open_wave_on(conn, shape=(2,))
    items = await wave_items(conn, wave_id)
    leaf = units[1]["unit_id"]
    wild = [[high + 40 if i % 2 else 32767 for i, (_, high) in enumerate(items)]]
    await add_responses(conn, wave_id, leaf, wild)
    await close(conn, wave_id)
    plan, depth, records = await _aggregate(conn, wave_id)
    highest = [[high for _, high in items]]
    assert _keyed(records, depth) == _reference(plan, units, [(leaf, highest[0])], depth)
    for k, scale in enumerate(plan.scales):
        root = _keyed(records, depth)[(units[0]["unit_id"],)]
        assert abs(root[f"sum{k}"]) <= scale.sum_sensitivity


async def test_rows_shorter_than_the_waves_items_are_left_out(conn: Any) -> None:
    _, wave_id, units = await open_wave_on(conn, shape=(2,))
    items = await wave_items(conn, wave_id)
    await add_responses(conn, wave_id, units[1]["unit_id"], [[3] * (len(items) - 1)])
    await close(conn, wave_id)
    assert (await _aggregate(conn, wave_id))[2] == []


# --- against a plain GROUP BY in SQL, on rows the database check would refuse ---------------


def _bounds(plan: Plan) -> dict[int, tuple[int, int]]:
    """Each position's (lowest, highest) answer: its item's options, or its scale's."""
    bounds = {item.position: (min(item.values), max(item.values)) for item in plan.items}
    for scale in plan.scales:
        bounds.update((p, (scale.low, scale.high)) for p in scale.positions)
    return bounds


# The wave's rows the pass reads ($1 = wave, $2 = the highest position it reads).
ROWS = """
    SELECT unit_id, answers AS a FROM response
    WHERE wave_id = $1 AND cardinality(answers) >= $2
"""
# An answer as the pass counts it: not answered (NULL) unless positive, then clamped.
CLAMPED = "CASE WHEN x.a[q.p] > 0 THEN least(greatest(x.a[q.p], q.low), q.high) END"


async def _sql_per_unit(conn: Any, wave_id: int, plan: Plan) -> dict[int, dict[str, int]]:
    """Every column per unit, by plain GROUP BY queries over the stored rows."""
    bounds = _bounds(plan)
    width = max(bounds)
    empty = {"n": 0}
    for k, scale in enumerate(plan.scales):
        empty |= {f"sum{k}": 0, f"count{k}": 0}
        empty |= {f"band{k}_{j}": 0 for j in range(len(scale.bands))}
    for k, item in enumerate(plan.items):
        empty |= {f"item{k}_{v}": 0 for v in item.values}
    out: dict[int, dict[str, int]] = {}
    for row in await conn.fetch(
        f"SELECT unit_id, count(*) AS n FROM ({ROWS}) x GROUP BY unit_id",
        wave_id,
        width,
    ):
        out[row["unit_id"]] = {**empty, "n": row["n"]}
    items = await conn.fetch(
        f"""
        SELECT x.unit_id, q.k, v, count(*) AS c
        FROM ({ROWS}) x
        CROSS JOIN unnest($3::int[], $4::int[], $5::int[], $6::int[]) AS q(k, p, low, high)
        CROSS JOIN LATERAL (SELECT {CLAMPED} AS v) c
        WHERE v IS NOT NULL
        GROUP BY x.unit_id, q.k, v
        """,
        wave_id,
        width,
        list(range(len(plan.items))),
        [item.position for item in plan.items],
        [bounds[item.position][0] for item in plan.items],
        [bounds[item.position][1] for item in plan.items],
    )
    for row in items:
        column = f"item{row['k']}_{row['v']}"
        if column in empty:
            out[row["unit_id"]][column] = row["c"]
    for k, scale in enumerate(plan.scales):
        bands = " ".join(
            f"WHEN t::float8 / n < {upper!r}::float8 THEN {j}"
            for j, (_, _, upper) in enumerate(scale.bands[:-1])
        )
        rows = await conn.fetch(
            f"""
            SELECT unit_id, band, count(*) AS c, sum(score) AS s FROM (
                SELECT unit_id, round(100.0 * t / n)::int - $7 AS score,
                       CASE {bands} ELSE {len(scale.bands) - 1} END AS band
                FROM (
                    SELECT x.unit_id, r.n, r.t FROM ({ROWS}) x CROSS JOIN LATERAL (
                        SELECT count(y) AS n, coalesce(sum(y), 0) AS t
                        FROM unnest($3::int[], $4::bool[], $5::int[], $6::int[])
                             AS q(p, reverse, low, high)
                        CROSS JOIN LATERAL (
                            SELECT CASE WHEN q.reverse THEN q.low + q.high - {CLAMPED}
                                        ELSE {CLAMPED} END AS y
                        ) y
                    ) r
                ) per_row
                WHERE n >= $8
            ) scored
            GROUP BY unit_id, band
            """,
            wave_id,
            width,
            scale.positions,
            scale.reverse,
            [scale.low] * len(scale.positions),
            [scale.high] * len(scale.positions),
            scale.midpoint_hundredths,
            scale.required,
        )
        for row in rows:
            into = out[row["unit_id"]]
            into[f"band{k}_{row['band']}"] = row["c"]
            into[f"count{k}"] += row["c"]
            into[f"sum{k}"] += row["s"]
    return out


def _wild_answer(rng: random.Random, low: int, high: int) -> str:
    """A stored answer of any kind: skipped, in range, NULL, negative, too high, too low."""
    kind = rng.choice(["skip", "fine", "fine", "fine", "null", "negative", "high", "low"])
    if kind == "skip":
        return "0"
    if kind == "null":
        return "NULL"
    if kind == "negative":
        return str(rng.choice([-1, -7, -32768]))
    if kind == "high":
        return str(rng.choice([high + 1, high + 40, 32767]))
    if kind == "low" and low > 1:
        return str(rng.randint(1, low - 1))
    return str(rng.randint(low, high))


def _wild_array(rng: random.Random, items: list[tuple[int, int]]) -> str:
    """An answers array literal; most are plain, some start at another subscript, are
    longer or shorter than the wave's items, or have two dimensions."""
    answers = [_wild_answer(rng, low, high) for low, high in items]
    shape = rng.choice(["plain"] * 6 + ["from 0", "from 2", "longer", "shorter", "2-d"])
    if shape == "from 0":
        return f"[0:{len(answers) - 1}]={{{','.join(answers)}}}"
    if shape == "from 2":
        return f"[2:{len(answers) + 1}]={{{','.join(answers)}}}"
    if shape == "longer":
        answers += ["3", "NULL", "1"]
    if shape == "shorter":
        answers = answers[:-1]
    if shape == "2-d":
        return f"{{{{{','.join(answers)}}},{{{','.join(answers)}}}}}"
    return f"{{{','.join(answers)}}}"


@pytest.mark.parametrize("batch_bytes", [aggregate.BATCH_BYTES, 1])
@pytest.mark.parametrize(
    ("shape", "seed"), [((3,), 5), ((2, 2), 6), ((1, 2, 1, 2, 1), 7), ((2, 1, 3), 8)]
)
async def test_the_aggregation_equals_a_sql_group_by_on_any_stored_rows(
    conn: Any, shape: tuple[int, ...], seed: int, batch_bytes: int
) -> None:
    rng = random.Random(seed)
    _, wave_id, units = await open_wave_on(conn, shape=shape)
    items = await wave_items(conn, wave_id)
    # Rows the database now refuses (migration 0006) may predate the check: NULL and
    # negative answers, other subscripts, other shapes.
    await conn.execute("ALTER TABLE response DROP CONSTRAINT response_answers_in_range")
    for unit in units:
        for _ in range(rng.choice([0, 0, 1, 4, 9, 30])):
            await conn.execute(
                "INSERT INTO response (wave_id, unit_id, answers) "
                "VALUES ($1, $2, $3::text::smallint[])",
                wave_id,
                unit["unit_id"],
                _wild_array(rng, items),
            )
    await close(conn, wave_id)
    plan, depth, records = await _aggregate(conn, wave_id, batch_bytes=batch_bytes)
    expected = _up_the_tree(units, await _sql_per_unit(conn, wave_id, plan), depth)
    assert _keyed(records, depth) == expected

    # The same stream cut into pieces of any size, rows split across them.
    wave = await release._fetch_wave(conn, wave_id)
    aggregation = aggregate.aggregation_for(depth, plan.scales, plan.items)
    pieces: list[bytes] = []

    async def keep(data: bytes) -> None:
        pieces.append(bytes(data))

    await queries.copy_answers(conn, wave_id, aggregation.width, keep)
    stream = b"".join(pieces)
    tree = await queries.list_subtree_units(conn, wave.root_unit_id)
    tally = aggregate.Tally(
        msgspec.structs.replace(aggregation, batch_bytes=1), [u.unit_id for u in tree]
    )
    at = 0
    while at < len(stream):
        size = rng.choice([1, 2, 7, 40, 97, 500, 3000])
        await tally.feed(stream[at : at + size])
        at += size
    rolled = aggregate.roll_up(tree, await tally.per_unit(), depth)
    assert _keyed(rolled, depth) == expected


async def test_a_stream_cut_off_in_the_middle_of_a_row_is_refused(conn: Any) -> None:
    _, wave_id, units = await open_wave_on(conn, shape=(2,))
    items = await wave_items(conn, wave_id)
    await add_responses(conn, wave_id, units[1]["unit_id"], [[low for low, _ in items]] * 3)
    await close(conn, wave_id)
    wave = await release._fetch_wave(conn, wave_id)
    plan, _ = await release.build_plan(conn, wave)
    aggregation = aggregate.aggregation_for(plan.levels - 1, plan.scales, plan.items)
    pieces: list[bytes] = []

    async def keep(data: bytes) -> None:
        pieces.append(bytes(data))

    await queries.copy_answers(conn, wave_id, aggregation.width, keep)
    tally = aggregate.Tally(aggregation, [u["unit_id"] for u in units])
    await tally.feed(b"".join(pieces)[:-5])
    with pytest.raises(ValueError, match="middle of a row"):
        await tally.per_unit()


def _copy_stream(rows: list[tuple[int, list[int]]]) -> bytes:
    """A binary COPY stream of (unit_id bigint, answers smallint[]) rows, as PostgreSQL
    writes it."""
    out = [b"PGCOPY\n\xff\r\n\x00", struct.pack(">ii", 0, 0)]
    for unit_id, answers in rows:
        array = struct.pack(">iiiii", 1, 0, 21, len(answers), 1)
        array += b"".join(struct.pack(">ih", 2, a) for a in answers)
        out.append(struct.pack(">hiqi", 2, 8, unit_id, len(array)) + array)
    out.append(struct.pack(">h", -1))
    return b"".join(out)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_tally_counts_scales_over_every_answer_and_items_in_any_order(
    seed: int,
) -> None:
    """Scales reading every position in order, items reading a shuffled subset: the
    layouts the shipped instruments do not have."""
    rng = random.Random(seed)
    bands = [("low", 1.0, 2.5), ("mid", 2.5, 3.75), ("high", 3.75, 5.0)]
    scales = [
        ScaleSpec(
            key=f"s/{k}", instrument="s", version="1", positions=[3 * k + 1, 3 * k + 2, 3 * k + 3],
            reverse=[False, k == 1, True], low=1, high=5, required=2, bands=bands,
        )
        for k in range(3)
    ]  # fmt: skip
    positions = rng.sample(range(1, 10), 6)
    items = [
        ItemSpec(key=f"i/{p}", instrument="i", version="1", position=p, values=[1, 2, 3, 4, 5])
        for p in positions
    ]
    definitions = _Definitions(scales, items)
    rows = [
        (rng.choice([10, 11, 12]), [rng.choice([0, 1, 2, 3, 4, 5, 9, -3]) for _ in range(9)])
        for _ in range(rng.randint(50, 400))
    ]
    tally = aggregate.Tally(
        aggregate.Aggregation(0, scales, items, batch_bytes=64), [10, 11, 12, 13]
    )
    stream = _copy_stream(rows)
    for at in range(0, len(stream), 100):
        await tally.feed(stream[at : at + 100])
    expected: dict[int, dict[str, int]] = {}
    for unit_id, answers in rows:
        into = expected.setdefault(unit_id, {})
        for column, value in _counted(definitions, answers).items():  # type: ignore[arg-type]
            into[column] = into.get(column, 0) + value
    assert {row.pop("unit_id"): row for row in await tally.per_unit()} == expected


class _Definitions(msgspec.Struct):
    scales: list[ScaleSpec]
    items: list[ItemSpec]
