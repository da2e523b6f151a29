"""The release's aggregation: one pass over a wave's answers, counted per unit.

Answers are stored one byte per item (migration 0012: 0 = not answered, else the option
value). PostgreSQL concatenates each unit's rows into one byte string (string_agg over
bytea: no per-answer step, no array output), and each unit's string is counted here with
bytes and int operations that run at C speed, no per-respondent Python and no numpy:

- item j of a unit is `blob[j::width]`; `bytes.translate` clamps every answer to the
  instrument's bounds and turns each option into one bit of a byte, and the int those
  bytes make, masked per bit, gives each option's count by `int.bit_count`;
- a scale's respondents get a code (answered items * most + total of the clamped,
  reverse-coded answers) as the sum of their items' translated columns read as one big
  int: one byte (or a few) per respondent, lanes that never carry into each other. The
  code's score and band come from tables built once, as bits and byte planes again.

The wave's relation is read in READ_RANGES ranges of its blocks, and each range is counted
while PostgreSQL reads the next (a unit's counts from several ranges add up). The per-unit
rows are then summed up the public tree (exact: integer sums). Only one unit's string is
counted at a time (bench/release.py prints the time against a bare count(*) over the same
rows, and the memory).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections import Counter
from collections.abc import Callable

import msgspec

from service.db import Conn
from service.privacy import queries
from service.privacy.plan import ItemSpec, ScaleSpec
from service.privacy.queries import UnitRow

BYTE_VALUES = 256
# The wave's blocks are read in this many ranges, each counted while the next is read
# (_count_in_ranges). bench/release.py, 1,000,000 responses on two cores: one range (no
# overlap) 0.58 s, three 0.50 s, four 0.52 s (each range costs a query and a Tally call
# per unit).
READ_RANGES = 3


class Aggregation(msgspec.Struct, frozen=True):
    """What the pass counts, for a tree `depth` levels deep (root = 0).

    Columns, for every unit and every node of the tree: `n` (responses); per scale k,
    `sum{k}` (centred scores in hundredths, ScaleSpec.midpoint_hundredths subtracted),
    `band{k}_{j}` (respondents scored in band j) and `count{k}` (respondents who answered
    enough of the scale to be scored); per item k, `item{k}_{v}` (answers v).

    Answers are clamped to the instrument's bounds (above the highest option: the highest;
    a positive answer below the lowest: the lowest; 0: not answered), and a row whose
    answers are shorter than the wave's items is left out, so no stored row, however wrong,
    moves a column by more than the plan's sensitivity.
    """

    depth: int
    scales: list[ScaleSpec]
    items: list[ItemSpec]

    def bounds(self) -> dict[int, tuple[int, int]]:
        """(lowest, highest) answer of every position the release reads."""
        bounds = {item.position: (min(item.values), max(item.values)) for item in self.items}
        for s in self.scales:
            bounds.update((p, (s.low, s.high)) for p in s.positions)
        return bounds

    @property
    def width(self) -> int:
        """The shortest answers that hold every position the release reads."""
        return max(self.bounds(), default=0)


def aggregation_for(depth: int, scales: list[ScaleSpec], items: list[ItemSpec]) -> Aggregation:
    """The release's aggregation pass for a tree `depth` levels deep (root = 0)."""
    return Aggregation(depth, scales, items)


async def fetch_aggregates(
    conn: Conn, aggregation: Aggregation, wave_id: int, root_id: int
) -> list[dict[str, int | None]]:
    """The aggregation's columns for every node of the tree under root_id with responses.

    Rows are shaped as GROUPING SETS over the ancestors would give them: `g` =
    GROUPING(l0, ..., l<depth>), so the level is depth - popcount(g); `l0`..`l<level>` the
    node's ancestors from the root; a None after them marks responses filed directly
    under the unit before it.
    """
    units = await queries.list_subtree_units(conn, root_id)
    tally = Tally(aggregation)
    per_unit = await _count_in_ranges(conn, wave_id, tally, {u.unit_id for u in units})
    return roll_up(units, [per_unit[u] for u in sorted(per_unit)], aggregation.depth)


async def _count_in_ranges(
    conn: Conn, wave_id: int, tally: Tally, inside: set[int]
) -> dict[int, dict[str, int]]:
    """Every unit's row (Tally.count), counted range of blocks by range while PostgreSQL
    reads the next range: its query is sent before this one is counted, so the server's
    pass and this process's counting overlap. A unit's counts from several ranges add up
    (exact). Responses of units outside `inside` (the tree) are left out. The last range
    is open-ended: rows in blocks added since the size was read are counted too, and every
    row is in exactly one range."""
    blocks = await queries.count_wave_blocks(conn, wave_id)
    edges = [blocks * i // READ_RANGES for i in range(READ_RANGES)] + [queries.END_OF_RELATION]

    def read(i: int) -> asyncio.Future[list[queries.UnitAnswersRow]]:
        return asyncio.ensure_future(
            queries.list_unit_answers(conn, wave_id, tally.width, edges[i], edges[i + 1])
        )

    totals: dict[int, dict[str, int]] = {}
    pending = read(0)
    try:
        for i in range(READ_RANGES):
            rows = await pending
            if i + 1 < READ_RANGES:
                pending = read(i + 1)
                await asyncio.sleep(0)  # the next query goes out before counting starts
            for r in rows:
                if r.unit_id not in inside:
                    continue
                row, total = tally.count(r.unit_id, r.n, r.answers), totals.get(r.unit_id)
                if total is None:
                    totals[r.unit_id] = row
                else:
                    for column, value in row.items():
                        if column != "unit_id":
                            total[column] += value
    finally:
        if not pending.done():
            # Counting failed: the query in flight finishes first, so that the connection
            # is free for the caller's rollback.
            with contextlib.suppress(Exception):
                await pending
    return totals


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


class Tally:
    """Counts one unit's answers at a time: `count(unit_id, n, blob)`, where blob is the
    unit's n rows of `width` bytes each, laid end to end.

    Every table is built once from the plan: per item, a translation of stored bytes to
    option bits; per scale, a translation of each of its positions' bytes to what the
    answer adds to the respondent's code, and per code its band bit and score bytes.
    """

    def __init__(self, aggregation: Aggregation) -> None:
        self.aggregation = aggregation
        self.width = aggregation.width
        bounds = aggregation.bounds()
        # Items: (column index, [(translation, [(column name, bit)])]), 8 options a byte.
        self.items: list[tuple[int, list[tuple[bytes, list[tuple[str, int]]]]]] = []
        for k, item in enumerate(aggregation.items):
            low, high = bounds[item.position]
            clamped = [_clamp(b, low, high) for b in range(BYTE_VALUES)]
            groups = []
            for first in range(0, len(item.values), 8):
                values = item.values[first : first + 8]
                bit = {v: j for j, v in enumerate(values)}
                table = bytes(1 << bit[c] if c in bit else 0 for c in clamped)
                groups.append((table, [(f"item{k}_{v}", j) for j, v in enumerate(values)]))
            self.items.append((item.position - 1, groups))
        self.scales = [_ScaleTables(k, s) for k, s in enumerate(aggregation.scales)]

    def count(self, unit_id: int, n: int, blob: bytes) -> dict[str, int]:
        """The unit's row: columns as Aggregation describes them."""
        if len(blob) != n * self.width:
            raise ValueError("a unit's answers are not whole rows of the wave's width")
        row = {"unit_id": unit_id, "n": n}
        masks = [int.from_bytes(bytes([1 << b]) * n, "little") for b in range(8)]
        columns: dict[int, bytes] = {}

        def column(index: int) -> bytes:
            if index not in columns:
                columns[index] = blob[index :: self.width]
            return columns[index]

        for scale in self.scales:
            row.update(scale.count(n, column, masks))
        for index, groups in self.items:
            answers = column(index)
            for table, bits in groups:
                flags = int.from_bytes(answers.translate(table), "little")
                for name, bit in bits:
                    row[name] = (flags & masks[bit]).bit_count()
        return row


class _ScaleTables:
    """One scale's tables: a respondent's code is n * most + t for n answered items of
    total t (clamped, reverse-coded); summed over the scale's positions, each answer adds
    most + its score, an unanswered one 0, so the code is never above (m + 1) * most - 1
    and lanes of `lane` bytes never carry into each other."""

    def __init__(self, k: int, s: ScaleSpec) -> None:
        self.k = k
        self.positions = [p - 1 for p in s.positions]
        m = len(s.positions)
        most = m * s.high + 1
        codes = (m + 1) * most
        # Codes lanes: 1 byte while the codes fit, else 2 or 4 (what memoryview reads as "H", "I").
        self.lane = 1 if codes <= BYTE_VALUES else 2 if codes <= 1 << 16 else 4
        # What each stored byte adds at each position, as `lane` byte planes.
        self.adds: list[list[bytes]] = []
        for reverse in s.reverse:
            adds = []
            for b in range(BYTE_VALUES):
                c = _clamp(b, s.low, s.high)
                adds.append(0 if c == 0 else most + (s.low + s.high - c if reverse else c))
            self.adds.append([bytes((a >> (8 * j)) & 255 for a in adds) for j in range(self.lane)])
        # Per code: the centred score in hundredths and the band, None if not scored.
        self.score: list[int | None] = [None] * codes
        self.band: list[int | None] = [None] * codes
        for answered in range(max(s.required, 1), m + 1):
            for total in range(most):
                code = answered * most + total
                self.score[code] = (200 * total + answered) // (
                    2 * answered
                ) - s.midpoint_hundredths
                self.band[code] = next(
                    (j for j, (_, _, upper) in enumerate(s.bands[:-1]) if total / answered < upper),
                    len(s.bands) - 1,
                )
        self.bands = len(s.bands)
        if self.lane == 1:
            # Per code byte: the band's bit (8 bands a table) and the score plus `offset`,
            # in byte planes (0 when not scored, so the offset is taken off per scored one).
            self.offset = -min((q for q in self.score if q is not None), default=0)
            top = max((q + self.offset for q in self.score if q is not None), default=0)
            self.band_tables = [
                bytes(
                    1 << (b - first) if b is not None and first <= b < first + 8 else 0
                    for b in self.band
                ).ljust(BYTE_VALUES, b"\0")
                for first in range(0, self.bands, 8)
            ]
            # (table, bits it uses): the last plane only as many as the highest score needs.
            self.score_tables = [
                (
                    bytes(
                        0 if q is None else ((q + self.offset) >> (8 * j)) & 255 for q in self.score
                    ).ljust(BYTE_VALUES, b"\0"),
                    min(8, top.bit_length() - 8 * j),
                )
                for j in range((top.bit_length() + 7) // 8)
            ]

    def count(self, n: int, column: Callable[[int], bytes], masks: list[int]) -> dict[str, int]:
        """The scale's columns over a unit's n respondents."""
        total = 0
        for position, planes in zip(self.positions, self.adds, strict=True):
            answers = column(position)
            if self.lane == 1:
                total += int.from_bytes(answers.translate(planes[0]), "little")
            else:
                lanes = bytearray(n * self.lane)
                for j, plane in enumerate(planes):
                    lanes[j :: self.lane] = answers.translate(plane)
                total += int.from_bytes(lanes, "little")
        codes = total.to_bytes(n * self.lane, "little")
        by_band = [0] * self.bands
        score = 0
        if self.lane == 1:
            for first, table in zip(range(0, self.bands, 8), self.band_tables, strict=True):
                bits = int.from_bytes(codes.translate(table), "little")
                for j in range(first, min(first + 8, self.bands)):
                    by_band[j] = (bits & masks[j - first]).bit_count()
            for j, (table, bits) in enumerate(self.score_tables):
                part = int.from_bytes(codes.translate(table), "little")
                score += sum((part & masks[b]).bit_count() << b for b in range(bits)) << (8 * j)
            score -= self.offset * sum(by_band)
        else:
            view = memoryview(_native(codes, self.lane)).cast("H" if self.lane == 2 else "I")
            for code, times in Counter(view).items():
                band, q = self.band[code], self.score[code]
                if band is not None and q is not None:
                    by_band[band] += times
                    score += q * times
        out = {f"sum{self.k}": score}
        out.update((f"band{self.k}_{j}", c) for j, c in enumerate(by_band))
        out[f"count{self.k}"] = sum(by_band)
        return out


def _native(codes: bytes, lane: int) -> bytes:
    """Little-endian lanes in this machine's byte order (what memoryview.cast reads)."""
    if sys.byteorder == "little":
        return codes
    return b"".join(codes[i : i + lane][::-1] for i in range(0, len(codes), lane))


def _clamp(answer: int, low: int, high: int) -> int:
    """A stored answer as the release counts it: 0 (not answered) or within [low, high]."""
    return 0 if answer <= 0 else min(max(answer, low), high)
