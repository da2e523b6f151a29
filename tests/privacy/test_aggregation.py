"""The release's aggregation pass equals a plain count over the stored rows, node by node.

The reference reads every response into Python and counts it in its unit and every
ancestor, the way GROUPING SETS over the ancestors would. The pass under test aggregates
once per unit in PostgreSQL, packs several counters into one sum, scores scales through
lookup tables, and sums units up the tree; every variant of it must give the same rows.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import msgspec
import pytest

from service.privacy import queries
from service.privacy import service as release
from service.privacy.plan import Plan
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
    parent = {u["unit_id"]: u["parent_id"] for u in units}
    totals: dict[tuple[int | None, ...], dict[str, int]] = {}
    for unit_id, answers in rows:
        chain = [unit_id]
        while parent[chain[0]] is not None:
            chain.insert(0, parent[chain[0]])
        counted = _counted(plan, answers)
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
        queries.aggregation_sql(depth, plan.scales, plan.items), **overrides
    )
    records = await queries.fetch_aggregates(conn, aggregation, wave_id, wave.root_unit_id)
    return plan, depth, records


@pytest.mark.parametrize(
    ("slot_bits", "max_table"),
    [
        (queries.SLOT_BITS, queries.MAX_TABLE),  # what a release runs
        (3, 0),  # twenty counters per sum, scores by arithmetic; big units count again wide
        (queries.WIDE_BITS, queries.MAX_TABLE),  # one counter per sum
    ],
)
@pytest.mark.parametrize(
    ("shape", "seed"), [((2, 2), 1), ((3,), 2), ((1, 2, 1, 2, 1), 3), ((2, 1, 3), 4)]
)
async def test_the_aggregation_equals_a_plain_count_on_random_trees(
    conn: Any, shape: tuple[int, ...], seed: int, slot_bits: int, max_table: int
) -> None:
    rng = random.Random(seed)
    _, wave_id, units = await open_wave_on(conn, shape=shape)
    items = await wave_items(conn, wave_id)
    stored: list[tuple[int, list[int]]] = []
    for unit in units:
        # Some units get nothing, inner units get responses filed directly under them, and
        # some get more than 2 ** 3 so the tightest packing has to count again.
        count = rng.choice([0, 0, 1, 3, 7, 12])
        answers = [random_answers(rng, items, rng.choice([0.0, 0.2, 0.9])) for _ in range(count)]
        await add_responses(conn, wave_id, unit["unit_id"], answers)
        stored += [(unit["unit_id"], a) for a in answers]
    await close(conn, wave_id)
    plan, depth, records = await _aggregate(conn, wave_id, slot_bits=slot_bits, max_table=max_table)
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
