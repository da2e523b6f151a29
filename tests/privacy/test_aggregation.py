"""The release's aggregation pass equals a plain count over the stored rows, node by node.

The first reference reads every response into Python and counts it in its unit and every
ancestor, the way GROUPING SETS over the ancestors would; the second is a plain GROUP BY
in SQL per unit, item and value. The pass under test reads each unit's answers as one byte
string, counts them with bytes and int operations, and sums units up the tree; it must
give the same rows, exactly, skipped answers, several instruments and wild rows included.
"""

from __future__ import annotations

import random
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


async def _aggregate(conn: Any, wave_id: int) -> tuple[Plan, int, list[dict[str, Any]]]:
    """The wave's plan, its tree depth and the aggregation rows."""
    wave = await release._fetch_wave(conn, wave_id)
    plan, _ = await release.build_plan(conn, wave)
    depth = plan.levels - 1
    aggregation = aggregate.aggregation_for(depth, plan.scales, plan.items)
    records = await aggregate.fetch_aggregates(conn, aggregation, wave_id, wave.root_unit_id)
    return plan, depth, records


@pytest.mark.parametrize(
    ("shape", "seed"), [((2, 2), 1), ((3,), 2), ((1, 2, 1, 2, 1), 3), ((2, 1, 3), 4)]
)
async def test_the_aggregation_equals_a_plain_count_on_random_trees(
    conn: Any, shape: tuple[int, ...], seed: int
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
    plan, depth, records = await _aggregate(conn, wave_id)
    assert _keyed(records, depth) == _reference(plan, units, stored, depth)


async def test_answers_out_of_the_instruments_bounds_count_as_the_nearest_bound(
    conn: Any,
) -> None:
    _, wave_id, units = await open_wave_on(conn, shape=(2,))
    items = await wave_items(conn, wave_id)
    leaf = units[1]["unit_id"]
    wild = [[high + 40 if i % 2 else 255 for i, (_, high) in enumerate(items)]]
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


async def _many_responses(conn: Any, seed: int) -> tuple[int, list[dict[str, Any]], list[Any]]:
    """A closed wave whose responses fill several blocks of its relation, every unit's
    rows spread over them."""
    rng = random.Random(seed)
    _, wave_id, units = await open_wave_on(conn, shape=(2, 2))
    items = await wave_items(conn, wave_id)
    stored: list[tuple[int, list[int]]] = []
    for _ in range(700):
        unit = rng.choice(units)["unit_id"]
        answers = random_answers(rng, items, 0.1)
        stored.append((unit, answers))
    rng.shuffle(stored)
    for unit, answers in stored:
        await add_responses(conn, wave_id, unit, [answers])
    await close(conn, wave_id)
    assert await queries.count_wave_blocks(conn, wave_id) >= 4
    return wave_id, units, stored


@pytest.mark.parametrize("ranges", [1, 2, 3, 5, 64])
async def test_the_ranges_of_blocks_read_every_row_exactly_once(
    conn: Any, monkeypatch: pytest.MonkeyPatch, ranges: int
) -> None:
    """However many ranges the relation is read in (more than it has blocks too), a unit's
    rows in several of them add up to the plain count."""
    wave_id, units, stored = await _many_responses(conn, ranges)
    monkeypatch.setattr(aggregate, "READ_RANGES", ranges)
    plan, depth, records = await _aggregate(conn, wave_id)
    assert _keyed(records, depth) == _reference(plan, units, stored, depth)


async def test_a_failed_count_leaves_the_connection_free(
    conn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting a range fails while the next range's query is in flight: the error reaches
    the caller, and the connection takes the next statement (the release's rollback)."""
    wave_id, _, _ = await _many_responses(conn, 9)

    def broken(self: aggregate.Tally, unit_id: int, n: int, blob: bytes) -> dict[str, int]:
        raise RuntimeError("counting failed")

    monkeypatch.setattr(aggregate.Tally, "count", broken)
    with pytest.raises(RuntimeError, match="counting failed"):
        await _aggregate(conn, wave_id)
    assert await conn.fetchval("SELECT 1") == 1


# --- against a plain GROUP BY in SQL, on rows the submission would refuse ------------------


def _bounds(plan: Plan) -> dict[int, tuple[int, int]]:
    """Each position's (lowest, highest) answer: its item's options, or its scale's."""
    bounds = {item.position: (min(item.values), max(item.values)) for item in plan.items}
    for scale in plan.scales:
        bounds.update((p, (scale.low, scale.high)) for p in scale.positions)
    return bounds


# The wave's rows the pass reads ($1 = wave, $2 = the highest position it reads).
ROWS = """
    SELECT unit_id, answers AS a FROM response
    WHERE wave_id = $1 AND length(answers) >= $2
"""
# An answer as the pass counts it: not answered (NULL) unless positive, then clamped.
ANSWER = "get_byte(x.a, q.p - 1)"
CLAMPED = f"CASE WHEN {ANSWER} > 0 THEN least(greatest({ANSWER}, q.low), q.high) END"


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


def _wild_answer(rng: random.Random, low: int, high: int) -> int:
    """A stored answer of any kind: skipped, in range, too high, too low."""
    kind = rng.choice(["skip", "fine", "fine", "fine", "high", "low"])
    if kind == "skip":
        return 0
    if kind == "high":
        return rng.choice([high + 1, high + 40, 255])
    if kind == "low" and low > 1:
        return rng.randint(1, low - 1)
    return rng.randint(low, high)


def _wild_answers(rng: random.Random, items: list[tuple[int, int]]) -> list[int]:
    """Answers of any kind; most as many as the wave's items, some longer or shorter."""
    answers = [_wild_answer(rng, low, high) for low, high in items]
    shape = rng.choice(["plain"] * 6 + ["longer", "shorter"])
    if shape == "longer":
        answers += [3, 0, 200]
    if shape == "shorter":
        answers = answers[:-1]
    return answers


@pytest.mark.parametrize(
    ("shape", "seed"), [((3,), 5), ((2, 2), 6), ((1, 2, 1, 2, 1), 7), ((2, 1, 3), 8)]
)
async def test_the_aggregation_equals_a_sql_group_by_on_any_stored_rows(
    conn: Any, shape: tuple[int, ...], seed: int
) -> None:
    rng = random.Random(seed)
    _, wave_id, units = await open_wave_on(conn, shape=shape)
    items = await wave_items(conn, wave_id)
    for unit in units:
        count = rng.choice([0, 0, 1, 4, 9, 30])
        answers = [_wild_answers(rng, items) for _ in range(count)]
        await add_responses(conn, wave_id, unit["unit_id"], answers)
    await close(conn, wave_id)
    plan, depth, records = await _aggregate(conn, wave_id)
    expected = _up_the_tree(units, await _sql_per_unit(conn, wave_id, plan), depth)
    assert _keyed(records, depth) == expected


def test_a_units_answers_must_be_whole_rows() -> None:
    items = [ItemSpec(key="i/1", instrument="i", version="1", position=2, values=[1, 2, 3])]
    tally = aggregate.Tally(aggregate.Aggregation(0, [], items))
    assert tally.count(7, 2, b"\x00\x03\x01\x09")["item0_3"] == 2
    with pytest.raises(ValueError, match="whole rows"):
        tally.count(7, 2, b"\x00\x03\x01")


def _scale(k: int, positions: list[int], options: int, bands: int) -> ScaleSpec:
    """A scale over `positions`, options 1..options, `bands` bands (edges a quarter apart,
    so that no mean lands within rounding of one), reverse-coded items every third one."""
    edges = [1 + j / 4 for j in range(bands)] + [options]
    return ScaleSpec(
        key=f"s/{k}", instrument="s", version="1", positions=positions,
        reverse=[i % 3 == 1 for i in range(len(positions))], low=1, high=options,
        required=max(1, len(positions) // 2),
        bands=[(f"b{j}", edges[j], edges[j + 1]) for j in range(bands)],
    )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_tally_counts_any_layout_exactly(seed: int) -> None:
    """Layouts the shipped instruments do not have: scales reading every position in order,
    a scale whose codes need two bytes (12 items of 1..7) or four (100 items of 1..11),
    more than 8 bands and more than 8 options, items reading a shuffled subset."""
    rng = random.Random(seed)
    scales = [
        _scale(0, [1, 2, 3], 5, 3),
        _scale(1, [4, 5, 6], 5, 9),
        _scale(2, list(range(7, 19)), 7, 4),
        _scale(3, list(range(19, 119)), 11, 10),
    ]
    positions = rng.sample(range(1, 119), 10)
    items = [
        ItemSpec(key=f"i/{p}", instrument="i", version="1", position=p, values=values)
        for p in positions
        for values in [list(range(1, 12 if p >= 19 else 8 if p >= 7 else 6))]
    ]
    tally = aggregate.Tally(aggregate.Aggregation(0, scales, items))
    definitions = _Definitions(scales, items)
    for unit_id in (10, 11, 12):
        rows = [
            [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 200, 255]) for _ in range(118)]
            for _ in range(rng.randint(1, 400))
        ]
        expected: dict[str, int] = {}
        for answers in rows:
            for column, value in _counted(definitions, answers).items():  # type: ignore[arg-type]
                expected[column] = expected.get(column, 0) + value
        blob = b"".join(bytes(answers) for answers in rows)
        counted = tally.count(unit_id, len(rows), blob)
        assert counted.pop("unit_id") == unit_id
        assert counted == expected
        assert [scale.lane for scale in tally.scales] == [1, 1, 2, 4]


class _Definitions(msgspec.Struct):
    scales: list[ScaleSpec]
    items: list[ItemSpec]
