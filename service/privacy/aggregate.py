"""The release's aggregation: one streamed pass over a wave's answers, counted per unit.

PostgreSQL sends the wave's `(unit_id, answers)` rows once, as a binary COPY, and they are
counted here in chunks with numpy: per unit the responses, every item's answers by value,
and every scale's scored respondents, their score sum and their bands. The per-unit rows
are then summed up the public tree (exact: integer sums). Only one chunk of rows is held
at a time, so memory stays flat however many responses a wave has.

Why not count in SQL: every expression PostgreSQL evaluates per answer is an interpreted
step, and scoring 6 scales and 30 items took a few hundred per row (the former packed-
counter pass, bench/packed.py). Sent out, an answer costs PostgreSQL one output call, and
numpy counts a chunk's answers in a dozen vector operations, in a worker thread while the
next chunk arrives (bench/release.py prints both).
"""

from __future__ import annotations

import asyncio
import struct

import msgspec
import numpy as np
import numpy.typing as npt

from service.db import Conn
from service.privacy import queries
from service.privacy.plan import ItemSpec, ScaleSpec
from service.privacy.queries import UnitRow

# A binary COPY stream: signature, flags, header extension length; each row starts with
# its field count, and -1 in that place ends the stream.
SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
INT2_OID = 21
SMALLINT_MAX = 32767
# A row's bytes before its first answer: field count, unit_id (length, value), the array's
# length and header (dimensions, NULL flag, element type, size, first subscript).
HEAD = 38
# Unit ids are looked up in a table over their range while it is at most this long.
MAX_TABLE = 1 << 22
# Rows are counted once this many bytes of them have arrived (about 19,000 rows of 30
# answers): few enough numpy calls per row, little memory.
BATCH_BYTES = 4 << 20


class Aggregation(msgspec.Struct, frozen=True):
    """What the pass counts, for a tree `depth` levels deep (root = 0).

    Columns, for every unit and every node of the tree: `n` (responses); per scale k,
    `sum{k}` (centred scores in hundredths, ScaleSpec.midpoint_hundredths subtracted),
    `count{k}` (respondents who answered enough of the scale to be scored) and
    `band{k}_{j}` (those in band j); per item k, `item{k}_{v}` (answers v).

    Answers are clamped to the instrument's bounds (above the highest option: the highest;
    a positive answer below the lowest: the lowest; 0, negative or NULL: not answered), and
    a row whose answers are shorter than the wave's items is left out, so no stored row,
    however wrong, moves a column by more than the plan's sensitivity.
    """

    depth: int
    scales: list[ScaleSpec]
    items: list[ItemSpec]
    batch_bytes: int = BATCH_BYTES

    def bounds(self) -> dict[int, tuple[int, int]]:
        """(lowest, highest) answer of every position the release reads."""
        bounds = {item.position: (min(item.values), max(item.values)) for item in self.items}
        for s in self.scales:
            bounds.update((p, (s.low, s.high)) for p in s.positions)
        return bounds

    @property
    def width(self) -> int:
        """The shortest answers array that holds every position the release reads."""
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
    tally = Tally(aggregation, [u.unit_id for u in units])
    await queries.copy_answers(conn, wave_id, aggregation.width, tally.feed)
    return roll_up(units, await tally.per_unit(), aggregation.depth)


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
    """Counts a binary COPY stream of (unit_id bigint, answers smallint[]) per unit.

    Runs of rows laid out alike (the common case: every array as long, no NULL) are read
    in place through strided numpy views; any other row is decoded on its own. Per unit it
    keeps the responses, every item's answers by value and, per scale, how many
    respondents answered how many of its items with what total (a code from which the
    score and the band follow exactly, through tables built once).
    """

    def __init__(self, aggregation: Aggregation, unit_ids: list[int]) -> None:
        self.aggregation = aggregation
        self.units = np.array(sorted(set(unit_ids)), dtype=np.int64)
        u = len(self.units)
        # unit_id -> its index, by a table over the ids' range (ids are dense) or a search.
        self.first = int(self.units[0]) if u else 0
        span = int(self.units[-1]) - self.first + 1 if u else 0
        self.table: npt.NDArray[np.int32] | None = None
        if 0 < span <= MAX_TABLE:
            self.table = np.full(span, -1, dtype=np.int32)
            self.table[self.units - self.first] = np.arange(u, dtype=np.int32)
        bounds = aggregation.bounds()
        self.positions = sorted(bounds)
        column = {p: i for i, p in enumerate(self.positions)}
        lows = [bounds[p][0] for p in self.positions]
        highs = [bounds[p][1] for p in self.positions]
        self.top = max(highs, default=0) + 1  # clamped answers are 0 .. top - 1
        scales = self.aggregation.scales
        # Scales: the answered items n and their total t make a code n * most + t, where
        # most is one above the highest total.
        self.most = np.array([len(s.positions) * s.high + 1 for s in scales], dtype=np.int64)
        sizes = [(len(s.positions) + 1) * int(m) for s, m in zip(scales, self.most, strict=True)]
        self.code_offsets = np.cumsum([0, *sizes[:-1]]).astype(np.int64)
        # Per code, through tables built once: the centred score (0 if not scored) and the
        # band (`self.kinds - 1` if not scored, a column left out).
        self.kinds = max((len(s.bands) for s in scales), default=0) + 1
        code_tables = [
            _code_tables(s, int(m), self.kinds - 1) for s, m in zip(scales, self.most, strict=True)
        ]
        self.score_of = np.concatenate(
            [score for score, _ in code_tables] or [np.zeros(0, np.int64)]
        )
        self.band_of = np.concatenate([band for _, band in code_tables] or [np.zeros(0, np.int64)])
        self.scale_index = np.arange(len(scales), dtype=np.int64)
        # Every answer read, as a slot: one per item, then one per scale position. A
        # slot's table maps each stored value, first clipped to -1 .. top (-1: negative or
        # missing; top: above every item's highest option), to what it adds: for
        # an item, slot * top + the clamped answer; for a scale position, 0 if it is not
        # answered, else (most + its score), so that summed over the scale's positions it
        # gives the code.
        self.items = len(aggregation.items)
        self.slot_columns = [column[item.position] for item in aggregation.items]
        self.slot_columns += [column[p] for s in scales for p in s.positions]
        stored = np.arange(-1, self.top + 1, dtype=np.int32)
        tables = []
        for k, item in enumerate(aggregation.items):
            low, high = lows[column[item.position]], highs[column[item.position]]
            clamped = np.where(stored > 0, np.clip(stored, low, high), 0)
            tables.append(k * self.top + clamped)
        # Each scale's slots, as a slice of the scale slots.
        ends = np.cumsum([len(s.positions) for s in scales]).tolist()
        self.scale_slices = [slice(a, b) for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        for k, s in enumerate(scales):
            for reverse in s.reverse:
                clamped = np.clip(stored, s.low, s.high)
                score = s.low + s.high - clamped if reverse else clamped
                tables.append(np.where(stored > 0, self.most[k] + score, 0))
        self.tables = np.concatenate(tables).astype(np.int32) if tables else stored[:0]
        # Where each slot's table starts, plus 1 for the -1 entry.
        self.slot_offsets = np.arange(len(tables), dtype=np.int32) * len(stored) + 1
        # The columns each kind of slot reads (None: all, in order, so no copy is needed).
        every = list(range(len(self.positions)))
        item_columns, scale_columns = (
            self.slot_columns[: self.items],
            self.slot_columns[self.items :],
        )
        self.item_columns = None if item_columns == every else item_columns
        self.scale_columns = None if scale_columns == every else scale_columns
        u = len(self.units)
        self.n = np.zeros(u, dtype=np.int64)
        self.item_counts = np.zeros(u * self.items * self.top, dtype=np.int64)
        self.sums = np.zeros(u * len(scales), dtype=np.int64)
        self.bands = np.zeros(u * len(scales) * self.kinds, dtype=np.int64)
        self.counting: asyncio.Future[None] | None = None  # the batch being counted
        self.pending: list[bytes] = []  # pieces not counted yet
        self.size = 0
        self.started = False
        self.ended = False
        self.width = 0  # answers in a row laid out like the first plain one; 0 until seen
        self.expected = np.zeros(HEAD, dtype=np.uint8)  # that row's bytes before its answers

    async def feed(self, data: bytes) -> None:
        """asyncpg's COPY output callback: one piece of the stream, rows cut anywhere.

        A batch's rows are counted in a worker thread (numpy lets go of the GIL) while
        the next batch arrives; one batch at a time, so the counts add up in order.
        """
        self.pending.append(bytes(data))
        self.size += len(data)
        if self.size >= self.aggregation.batch_bytes:
            rows = self._take_rows()
            if rows is not None:
                if self.counting is not None:
                    await self.counting
                loop = asyncio.get_running_loop()
                self.counting = loop.run_in_executor(None, self._count, *rows)

    async def per_unit(self) -> list[dict[str, int]]:
        """One row per unit with responses, columns as Aggregation describes them."""
        if self.counting is not None:
            await self.counting
            self.counting = None
        rows = self._take_rows()
        if rows is not None:
            self._count(*rows)
        if self.pending or not self.ended:
            raise ValueError("the answers stream ended in the middle of a row")
        u = len(self.units)
        items = self.item_counts.reshape(u, self.items, self.top).tolist()
        scales = self.aggregation.scales
        sums = self.sums.reshape(u, len(scales)).tolist()
        bands = self.bands.reshape(u, len(scales), self.kinds).tolist()
        out: list[dict[str, int]] = []
        for u in np.flatnonzero(self.n).tolist():
            row = {"unit_id": int(self.units[u]), "n": int(self.n[u])}
            for k, s in enumerate(scales):
                scored = bands[u][k][: len(s.bands)]
                row[f"sum{k}"] = sums[u][k]
                row.update((f"band{k}_{j}", count) for j, count in enumerate(scored))
                row[f"count{k}"] = sum(scored)
            for k, item in enumerate(self.aggregation.items):
                by_value = items[u][k]
                row.update(
                    (f"item{k}_{v}", by_value[v] if v < self.top else 0) for v in item.values
                )
            out.append(row)
        return out

    # --- the stream ---------------------------------------------------------------------

    def _take_rows(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int16]] | None:
        """Every whole row pending, as (unit ids, answers); the cut-off end stays."""
        data, at = b"".join(self.pending), 0
        self.pending, self.size = [], 0
        if not self.started:
            header = len(SIGNATURE) + 8
            if len(data) >= header and data[: len(SIGNATURE)] != SIGNATURE:
                raise ValueError("not a binary COPY stream")
            if len(data) < header or len(data) < header + _int(data, header - 4):
                self.pending, self.size = [data], len(data)
                return None
            at = header + _int(data, header - 4)
            self.started = True
        unit_ids: list[npt.NDArray[np.int64]] = []
        answers: list[npt.NDArray[np.int16]] = []
        while not self.ended:
            if data[at : at + 2] == b"\xff\xff":  # the stream's end
                self.ended, at = True, at + 2
                break
            run = self._run(data, at)
            if run is None:
                break
            ids, matrix, at = run
            unit_ids.append(ids)
            answers.append(matrix)
        if at < len(data):
            self.pending, self.size = [data[at:]], len(data) - at
        if not unit_ids:
            return None
        return np.concatenate(unit_ids), np.concatenate(answers)

    def _run(
        self, data: bytes, at: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int16], int] | None:
        """The rows from `at`: a run laid out like the first plain row, or one other row.

        Returns (unit ids, answers at self.positions, -1 where missing) and where the rows
        end, or None when no whole row is left.
        """
        if self.width:
            w = self.width
            size = HEAD + 6 * w
            rows = (len(data) - at) // size
            block = np.ndarray((rows, size), np.uint8, data, at)
            # A row is alike when everything but its unit id matches: one dimension from
            # subscript 1, w elements, no NULL (so each element is 2 bytes long).
            alike = (block[:, :6] == self.expected[:6]).all(axis=1)
            alike &= (block[:, 14:HEAD] == self.expected[14:]).all(axis=1)
            odd = np.flatnonzero(~alike)
            rows = int(odd[0]) if len(odd) else rows
            if rows:
                ids = np.ndarray((rows,), ">i8", data, at + 6, (size,)).astype(np.int64)
                values = np.ndarray((rows, w), ">i2", data, at + HEAD + 4, (size, 6))
                if self.positions != list(range(1, len(self.positions) + 1)):
                    values = values[:, [p - 1 for p in self.positions]]
                else:
                    values = values[:, : len(self.positions)]
                return ids, values.astype(np.int16), at + rows * size
        row = _parse_row(data, at)
        if row is None:
            return None
        unit_id, answers, plain, end = row
        if plain and not self.width and plain >= max(self.positions, default=0):
            self.width = plain
            self.expected = np.frombuffer(data, np.uint8, HEAD, at)
        matrix = [[answers[p - 1] if p <= len(answers) else -1 for p in self.positions]]
        return np.array([unit_id], np.int64), np.array(matrix, np.int16), end

    # --- counting -----------------------------------------------------------------------

    def _count(self, unit_ids: npt.NDArray[np.int64], raw: npt.NDArray[np.int16]) -> None:
        """Add rows (unit ids, answers at self.positions, -1 where missing) to the counts."""
        u = len(self.units)
        if u == 0:
            return
        if self.table is not None:
            offset = unit_ids - self.first
            inside = (offset >= 0) & (offset < len(self.table))
            index = self.table[np.where(inside, offset, 0)].astype(np.int64)
            inside &= index >= 0
        else:
            index = np.searchsorted(self.units, unit_ids)
            index[index >= u] = 0
            inside = self.units[index] == unit_ids
        if not inside.all():  # responses of units outside the tree are left out
            index, raw = index[inside], raw[inside]
        self.n += np.bincount(index, minlength=u)
        clipped = np.clip(raw, -1, min(self.top, SMALLINT_MAX))
        if self.items:
            cells = self.items * self.top
            answers = clipped if self.item_columns is None else clipped[:, self.item_columns]
            key = self.tables[answers + self.slot_offsets[: self.items]] + (index * cells)[:, None]
            self.item_counts += np.bincount(key.ravel(), minlength=u * cells)
        if self.scale_slices:
            answers = clipped if self.scale_columns is None else clipped[:, self.scale_columns]
            adds = self.tables[answers + self.slot_offsets[self.items :]]
            codes = np.stack([adds[:, part].sum(axis=1) for part in self.scale_slices], axis=1)
            codes += self.code_offsets
            where = (index[:, None] * len(self.scale_index) + self.scale_index).ravel()
            # Float sums of a batch's integer scores stay exact (far below 2 ** 53).
            sums = np.bincount(where, self.score_of[codes].ravel(), len(self.sums))
            self.sums += sums.round().astype(np.int64)
            band = where * self.kinds + self.band_of[codes].ravel()
            self.bands += np.bincount(band, minlength=len(self.bands))


def _code_tables(
    s: ScaleSpec, most: int, unscored: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per code n * most + t: the centred score in hundredths (0 if not scored) and the
    band (`unscored` if not scored). Exact, as the release defines them: round(100 t / n)
    with a half rounded up, and the first band whose upper bound the mean t / n is below."""
    codes = (len(s.positions) + 1) * most
    score = np.zeros(codes, dtype=np.int64)
    band = np.full(codes, unscored, dtype=np.int64)
    for n in range(max(s.required, 1), len(s.positions) + 1):
        for t in range(most):
            score[n * most + t] = (200 * t + n) // (2 * n) - s.midpoint_hundredths
            which = next(
                (j for j, (_, _, upper) in enumerate(s.bands[:-1]) if t / n < upper),
                len(s.bands) - 1,
            )
            band[n * most + t] = which
    return score, band


def _int(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big", signed=True)


def _parse_row(data: bytes, at: int) -> tuple[int, list[int], int, int] | None:
    """One row of any layout: (unit_id, answers by subscript from 1 with -1 where missing,
    the width if it is a plain one-dimensional array without NULL else 0, where it ends),
    or None if the row is not all there."""
    if len(data) - at < 18:
        return None
    fields, unit_length, unit_id, array_length = struct.unpack_from(">hiqi", data, at)
    if fields != 2 or unit_length != 8:
        raise ValueError("the answers stream has an unexpected row")
    start = at + 18
    end = start + max(array_length, 0)
    if len(data) < end:
        return None
    ndim, has_null, element_type = struct.unpack_from(">iiI", data, start)
    if element_type != INT2_OID:
        raise ValueError("the answers stream has an unexpected array")
    dims = [struct.unpack_from(">ii", data, start + 12 + 8 * d) for d in range(ndim)]
    values: list[int] = []
    if ndim == 1:  # another shape answers nothing (migration 0006 refuses it)
        (count, lower), where = dims[0], start + 20
        values = [-1] * max(lower - 1, 0)
        for _ in range(count):
            (length,) = struct.unpack_from(">i", data, where)
            values.append(-1 if length < 0 else struct.unpack_from(">h", data, where + 4)[0])
            where += 4 + max(length, 0)
        values = values[max(1 - lower, 0) :]
    plain = ndim == 1 and has_null == 0 and dims[0][1] == 1
    return unit_id, values, len(values) if plain else 0, end
