"""SQL of the release engine: the one aggregation pass, the ledger and the release rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from service.db import Conn
from service.privacy.plan import ItemSpec, ScaleSpec
from service.privacy.schemas import LedgerEntry
from service.scope.queries import subtree


class UnitRow(msgspec.Struct, frozen=True):
    unit_id: int
    parent_id: int | None
    path: str
    headcount: int = 0


async def list_subtree_units(conn: Conn, root_id: int) -> list[UnitRow]:
    """The complete public list of units under the root: every one gets noise, data or not."""
    rows = await conn.fetch(
        f"""
        SELECT u.unit_id, u.parent_id, u.path, u.headcount
        FROM unit u, unit r
        WHERE r.unit_id = $1 AND {subtree("u.path", "r.path")}
        ORDER BY u.depth, u.path
        """,  # noqa: S608 - only constant fragments are interpolated
        root_id,
    )
    return [UnitRow(r["unit_id"], r["parent_id"], r["path"], r["headcount"]) for r in rows]


# --- the aggregation pass -------------------------------------------------------------------

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


class Aggregation(msgspec.Struct, frozen=True):
    """One pass over a wave's responses, per unit, rolled up along the public tree.

    Columns, for every unit and every node of the tree: `n` (responses); per scale k,
    `sum{k}` (centred scores in hundredths, ScaleSpec.midpoint_hundredths subtracted),
    `count{k}` (respondents who answered enough of the scale to be scored) and
    `band{k}_{j}` (those in band j); per item k, `item{k}_{v}` (answers v).

    Answers are clamped to the instrument's bounds (above the highest option: the highest;
    a positive answer below the lowest: the lowest; 0: not answered), and a row whose
    answers are shorter than the wave's items is left out, so no stored row, however
    wrong, moves a column by more than the plan's sensitivity.
    """

    depth: int
    scales: list[ScaleSpec]
    items: list[ItemSpec]
    slot_bits: int = SLOT_BITS
    max_table: int = MAX_TABLE

    def _bounds(self) -> dict[int, tuple[int, int]]:
        bounds = {item.position: (min(item.values), max(item.values)) for item in self.items}
        for s in self.scales:
            bounds.update((p, (s.low, s.high)) for p in s.positions)
        return bounds

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
        bounds = self._bounds()
        # Each answer once, clamped from above (a negative one finds no table entry below).
        extract = [
            f"least(answers[{p}], {high}) AS x{p}" for p, (_, high) in sorted(bounds.items())
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
                    WHERE wave_id = $1 AND cardinality(answers) >= {max(bounds, default=0)}
                  ) x
                ) c
                GROUP BY unit_id
              ) g
            ) o
        """  # noqa: S608 - built from instrument definitions only; the wave is bound as $1

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


def aggregation_sql(depth: int, scales: list[ScaleSpec], items: list[ItemSpec]) -> Aggregation:
    """The release's aggregation pass for a tree `depth` levels deep (root = 0)."""
    return Aggregation(depth, scales, items)


async def fetch_aggregates(
    conn: Conn, aggregation: Aggregation, wave_id: int, root_id: int
) -> list[dict[str, int | None]]:
    """The aggregation's columns for every node of the tree under root_id with responses.

    One pass per unit in PostgreSQL, then summed up the public tree here (exact: integer
    sums). Rows are shaped as GROUPING SETS over the ancestors would give them: `g` =
    GROUPING(l0, ..., l<depth>), so the level is depth - popcount(g); `l0`..`l<level>` the
    node's ancestors from the root; a None after them marks responses filed directly
    under the unit before it.
    """
    async with conn.transaction():
        # Compiling the pass's few hundred expressions costs more than it saves, at 20,000
        # responses (about 1.5 s) as at 1,000,000 (bench/release.py).
        await conn.execute("SET LOCAL jit = off")
        rows = await conn.fetch(aggregation.sql, wave_id)
        if any(row["n"] >= 1 << aggregation.slot_bits for row in rows):
            # A counter could have overflowed into its neighbour: count again, one per sum.
            wide = msgspec.structs.replace(aggregation, slot_bits=WIDE_BITS)
            rows = await conn.fetch(wide.sql, wave_id)
    units = await list_subtree_units(conn, root_id)
    return roll_up(units, [dict(row) for row in rows], aggregation.depth)


def roll_up(
    units: list[UnitRow], per_unit: list[dict[str, int]], depth: int
) -> list[dict[str, int | None]]:
    """Sum per-unit rows into every ancestor, one row per (level, node) as GROUPING SETS would.

    `units` is the public subtree, root first; rows of units outside it are left out. A
    node's row exists when a response lies below it: the unit's subtree total at its own
    level, and its own responses alone at each deeper level (key: the unit, then None).
    """
    columns = [c for c in per_unit[0] if c != "unit_id"] if per_unit else []
    own = {row["unit_id"]: [row[c] for c in columns] for row in per_unit}
    chains: dict[int, tuple[int, ...]] = {}
    for unit in units:  # parents come before their children
        parent = chains.get(unit.parent_id) if unit.parent_id is not None else None
        chains[unit.unit_id] = (*parent, unit.unit_id) if parent else (unit.unit_id,)
    below: dict[int, list[int]] = {}
    for unit in reversed(units):  # children before their parents
        total = below.get(unit.unit_id)
        mine = own.get(unit.unit_id)
        if mine is not None:
            total = mine if total is None else [a + b for a, b in zip(total, mine, strict=True)]
        if total is None or unit.unit_id not in chains:
            continue
        below[unit.unit_id] = total
        if unit.parent_id in chains:
            up = below.get(unit.parent_id)
            below[unit.parent_id] = (
                list(total) if up is None else [a + b for a, b in zip(up, total, strict=True)]
            )
    out: list[dict[str, int | None]] = []
    for unit_id, chain in chains.items():
        level = len(chain) - 1
        if level > depth or unit_id not in below:
            continue
        keyed: list[tuple[tuple[int | None, ...], list[int]]] = [(chain, below[unit_id])]
        if unit_id in own:  # its own responses, on every level below it
            direct: list[int | None] = [*chain]
            for _ in range(depth - level):
                direct.append(None)
                keyed.append((tuple(direct), own[unit_id]))
        for key, values in keyed:
            record: dict[str, int | None] = {"g": (1 << (depth - len(key) + 1)) - 1}
            record.update({f"l{i}": key[i] if i < len(key) else None for i in range(depth + 1)})
            record.update(zip(columns, values, strict=True))
            out.append(record)
    return out


# --- ledger -----------------------------------------------------------------------------


async def lock_program(conn: Conn, program_id: int) -> None:
    """Serialise everything that spends a program's budget: one release at a time."""
    await conn.execute("SELECT 1 FROM program WHERE program_id = $1 FOR UPDATE", program_id)


async def list_ledger(
    conn: Conn, program_id: int, since: datetime | None = None
) -> list[LedgerEntry]:
    rows = await conn.fetch(
        """
        SELECT entry_id, program_id, wave_id, mechanism, rho, epsilon, delta, at
        FROM ledger
        WHERE program_id = $1 AND ($2::timestamptz IS NULL OR at > $2)
        ORDER BY at, entry_id
        """,
        program_id,
        since,
    )
    return [LedgerEntry(**dict(row)) for row in rows]


class CoverCharge(msgspec.Struct, frozen=True):
    """A ledger entry with the path of the unit its program covers (all of that subtree)."""

    root_path: str
    mechanism: str
    rho: float | None
    epsilon: float


async def list_overlapping_charges(conn: Conn, root_id: int, since: datetime) -> list[CoverCharge]:
    """Charges since `since` of every program whose subtree overlaps the one at root_id."""
    rows = await conn.fetch(
        """
        SELECT u.path AS root_path, l.mechanism, l.rho, l.epsilon
        FROM ledger l
        JOIN program p USING (program_id)
        JOIN unit u ON u.unit_id = p.root_unit_id
        JOIN unit r ON r.unit_id = $1
        WHERE l.at > $2
          AND (u.path = r.path OR starts_with(r.path, u.path || '/')
               OR starts_with(u.path, r.path || '/'))
        """,
        root_id,
        since,
    )
    return [CoverCharge(**dict(row)) for row in rows]


async def insert_ledger(
    conn: Conn,
    program_id: int,
    wave_id: int,
    charge: Any,
    measurement: dict[str, Any],
    staff_id: int | None,
    at: datetime,
) -> int:
    entry_id: int = await conn.fetchval(
        """
        INSERT INTO ledger (program_id, wave_id, mechanism, rho, epsilon, delta, measurement,
                            staff_id, at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        RETURNING entry_id
        """,
        program_id,
        wave_id,
        charge.mechanism,
        charge.rho,
        charge.epsilon,
        charge.delta,
        measurement,
        staff_id,
        at,
    )
    return entry_id


# --- release rows -----------------------------------------------------------------------

RELEASE_COLUMNS = (
    "wave_id", "unit_id", "statistic", "value", "std_error", "lower", "upper", "published",
    "mechanism", "noise_scale", "privacy_share", "instrument_version", "plan_version",
    "unverified",
)  # fmt: skip


async def insert_release_rows(conn: Conn, rows: list[tuple[Any, ...]]) -> None:
    await conn.copy_records_to_table("release", records=rows, columns=list(RELEASE_COLUMNS))


class StoredValue(msgspec.Struct, frozen=True):
    wave_id: int
    unit_id: int
    statistic: str
    value: float | None
    std_error: float | None
    published: bool


async def list_released_values(
    conn: Conn, wave_ids: list[int], statistic_suffix: str
) -> list[StoredValue]:
    rows = await conn.fetch(
        """
        SELECT wave_id, unit_id, statistic, value, std_error, published
        FROM release
        WHERE wave_id = ANY($1::bigint[]) AND statistic LIKE '%' || $2
        """,
        wave_ids,
        statistic_suffix,
    )
    return [StoredValue(**dict(row)) for row in rows]


async def list_previous_released_waves(
    conn: Conn, program_id: int, before_seq: int, limit: int
) -> list[int]:
    rows = await conn.fetch(
        """
        SELECT wave_id FROM wave
        WHERE program_id = $1 AND seq < $2 AND status = 'released'
        ORDER BY seq DESC
        LIMIT $3
        """,
        program_id,
        before_seq,
        limit,
    )
    return [row["wave_id"] for row in rows]


async def list_waves_to_release(conn: Conn) -> list[int]:
    """Closed waves whose frozen policy asks to be released as soon as they close."""
    rows = await conn.fetch(
        """
        SELECT wave_id FROM wave
        WHERE status = 'closed' AND (frozen -> 'policy' ->> 'release_on_close')::boolean
        ORDER BY closes_at, wave_id
        """
    )
    return [row["wave_id"] for row in rows]
