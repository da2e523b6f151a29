"""The release's former aggregation pass (packed counters in SQL), for bench/release.py.

`bench/release.py --packed` times it once against the streamed pass that replaced it
(service/privacy/aggregate.py) and checks that both give the same rows. This is the pass
of commit 676ee9d, moved here unchanged but for the names; it shares its
columns and bounds with the streamed pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from service.privacy import aggregate
from service.privacy.aggregate import roll_up
from service.privacy.plan import ScaleSpec
from service.privacy.queries import list_subtree_units

# Counts are summed packed: one bigint sum carries several counters of `slot_bits` bits, so
# the pass evaluates a few dozen sums per response instead of one FILTER per cell. Exact
# while every counter stays below 2 ** slot_bits, which holds when each unit has fewer
# responses than that; fetch_aggregates checks the unit counts and otherwise runs the pass
# again with one counter per sum (WIDE_BITS).
SLOT_BITS = 20
WIDE_BITS = 62
PACKED_BITS = 62  # the bits of a bigint that the counters of one sum may use
# A scale is scored through lookup tables indexed by its per-respondent code
# (answered items * 2^k + total) while the table stays this small; above, by arithmetic.
MAX_TABLE = 4096


def _array(values: Sequence[int | None], first: int) -> str:
    """A constant integer array literal whose first subscript is `first`."""
    body = ",".join("NULL" if v is None else str(v) for v in values)
    return f"('[{first}:{first + len(values) - 1}]={{{body}}}'::int8[])"


Slot = tuple[str, int, int]  # (column, value counted, bit shift in its packed sum)


class Aggregation(aggregate.Aggregation, frozen=True):
    """The packed-counter pass: the same columns and clamping as aggregate.Aggregation."""

    slot_bits: int = SLOT_BITS
    max_table: int = MAX_TABLE

    def _packed(self, columns: list[tuple[str, int]]) -> list[list[Slot]]:
        """Counters (column, value counted) split into sums of (column, value, shift)."""
        per = max(1, PACKED_BITS // self.slot_bits)
        return [
            [(c, v, self.slot_bits * i) for i, (c, v) in enumerate(columns[first : first + per])]
            for first in range(0, len(columns), per)
        ]

    @property
    def sql(self) -> str:
        """$1 = wave_id. Every identifier and number comes from the instrument definitions."""
        bounds = self.bounds()
        # Each answer once, clamped from above (0 finds no table entry: tables start at 1).
        extract = [
            f"least(get_byte(answers, {p - 1}), {high}) AS x{p}"
            for p, (_, high) in sorted(bounds.items())
        ]
        codes: list[str] = []
        sums = ["count(*) AS n"]
        columns = ["unit_id", "n"]
        counts: list[str] = []
        for k, s in enumerate(self.scales):
            code, sum_k, bands = self._scale(k, s)
            codes.append(f"{code} AS c{k}")
            sums += [sum_k, *(expression for expression, _ in bands)]
            for i, (_, group) in enumerate(bands):
                columns += [self._unpack(f"b{k}_{i}", c, shift) for c, _, shift in group]
            columns.append(f"sum{k}")
            counts.append(" + ".join(f"band{k}_{j}" for j in range(len(s.bands))) + f" AS count{k}")
        for k, item in enumerate(self.items):
            low, high = bounds[item.position]
            for i, group in enumerate(self._packed([(f"item{k}_{v}", v) for v in item.values])):
                shifts = {v: shift for _, v, shift in group}
                table = [1 << shifts[max(v, low)] if max(v, low) in shifts else 0
                         for v in range(1, high + 1)]  # fmt: skip
                sums.append(f"sum({_array(table, 1)}[x{item.position}]) AS i{k}_{i}")
                columns += [self._unpack(f"i{k}_{i}", c, shift) for c, _, shift in group]
        xs = ", ".join(f"x{p}" for p in sorted(bounds))
        # Each level computes its columns once per response, and a set-returning column
        # keeps PostgreSQL from folding the level into the next one (which would repeat
        # every expression wherever it is used) while the pass stays parallel.
        return f"""
            SELECT *, {", ".join(counts) or "0 AS unused"} FROM (
              SELECT {", ".join(columns)} FROM (
                SELECT unit_id, {", ".join(sums)} FROM (
                  SELECT unit_id, {", ".join([xs, *codes]) or "0 AS unused"},
                         generate_series(1, 1) AS once FROM (
                    SELECT unit_id, {", ".join(extract) or "0 AS unused"},
                           generate_series(1, 1) AS once
                    FROM response
                    WHERE wave_id = $1 AND length(answers) >= {max(bounds, default=0)}
                  ) x
                ) c
                GROUP BY unit_id
              ) g
            ) o
        """

    def _scale(self, k: int, s: ScaleSpec) -> tuple[str, str, list[tuple[str, list[Slot]]]]:
        """A scale's per-respondent code, its score sum and its packed band sums.

        code = answered items * span + total of the answered items' (reversed) values, so
        the score and the band are functions of the code: table lookups while the table is
        small, arithmetic above.
        """
        span = 1 << (s.high * len(s.positions)).bit_length()  # above any total
        terms = []
        for p, reverse in zip(s.positions, s.reverse, strict=True):
            values = [max(v, s.low) for v in range(1, s.high + 1)]  # clamped from below
            scores = [s.low + s.high - v if reverse else v for v in values]
            terms.append(f"{_array([0] + [span + v for v in scores], 0)}[x{p}]")
        code = " + ".join(terms) or "0"
        groups = self._packed([(f"band{k}_{j}", j) for j in range(len(s.bands))])
        if (len(s.positions) + 1) * span <= self.max_table:
            cells = [(n, t) for n in range(len(s.positions) + 1) for t in range(span)]
            q = [_score(s, n, t) if n >= s.required else None for n, t in cells]
            bands = []
            for i, group in enumerate(groups):
                packed: list[int | None] = [
                    sum(1 << shift for _, j, shift in group if j == _band(s, n, t))
                    if n >= s.required else 0
                    for n, t in cells
                ]  # fmt: skip
                bands.append((f"sum({_array(packed, 0)}[c{k}]) AS b{k}_{i}", group))
            return code, f"coalesce(sum({_array(q, 0)}[c{k}]), 0) AS sum{k}", bands
        n, t = f"(c{k} / {span})", f"(c{k} % {span})"
        scored = f"{n} >= {s.required}"
        # round(100 t / n) in integers: t, n > 0, so a half rounds up, as numeric round does.
        sum_k = (
            f"coalesce(sum(CASE WHEN {scored} THEN (200 * {t} + {n}) / (2 * {n})"
            f" - {s.midpoint_hundredths} END), 0) AS sum{k}"
        )
        which = " ".join(
            f"WHEN {t}::float8 / {n} < {upper!r} THEN {j}"
            for j, (_, _, upper) in enumerate(s.bands[:-1])
        )
        bands = []
        for i, group in enumerate(groups):
            cases = " ".join(f"WHEN {j} THEN {1 << shift}::int8" for _, j, shift in group)
            bands.append((
                f"sum(CASE WHEN {scored} THEN CASE CASE {which} ELSE {len(s.bands) - 1} END"
                f" {cases} ELSE 0 END ELSE 0 END) AS b{k}_{i}",
                group,
            ))  # fmt: skip
        return code, sum_k, bands

    def _unpack(self, packed: str, column: str, shift: int) -> str:
        if self.slot_bits >= PACKED_BITS:
            return f"coalesce({packed}, 0)::bigint AS {column}"
        unit, modulus = 1 << shift, 1 << self.slot_bits
        return f"(div(coalesce({packed}, 0), {unit}) % {modulus})::bigint AS {column}"


def _score(s: ScaleSpec, n: int, t: int) -> int:
    """A respondent's centred score in hundredths: round(100 t / n) - midpoint, half up."""
    return (200 * t + n) // (2 * n) - s.midpoint_hundredths


def _band(s: ScaleSpec, n: int, t: int) -> int:
    """The band of the mean t / n: the first whose upper bound it is below, else the last."""
    return next(
        (j for j, (_, _, upper) in enumerate(s.bands[:-1]) if t / n < upper), len(s.bands) - 1
    )


async def fetch_packed(
    conn: Any, aggregation: Aggregation, wave_id: int, root_id: int
) -> list[dict[str, int | None]]:
    """The former fetch_aggregates: the packed pass per unit, summed up the tree."""
    async with conn.transaction():
        await conn.execute("SET LOCAL jit = off")
        rows = await conn.fetch(aggregation.sql, wave_id)
        if any(row["n"] >= 1 << aggregation.slot_bits for row in rows):
            wide = msgspec.structs.replace(aggregation, slot_bits=WIDE_BITS)
            rows = await conn.fetch(wide.sql, wave_id)
    units = await list_subtree_units(conn, root_id)
    return roll_up(units, [dict(row) for row in rows], aggregation.depth)
