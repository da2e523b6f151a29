"""The release plan: which noisy measurements a wave's release takes, and their budget.

A plan is built from public information only: the unit tree below the program's root,
the instruments the wave asked, and the privacy policy frozen when the wave opened.
It never looks at responses, so the set of measurements, their noise scales and the
privacy charge are the same whatever the data.

Blocks. Each respondent counts in their unit and every ancestor, so at every level of
the tree they fall in exactly one node. Per level, the plan measures these blocks, each a
vector over the level's nodes (times the block's columns):

- `responses`: the number of responses (sensitivity 1);
- `sum:<scale>`: the sum of centred scale scores, in hundredths of a point
  (score - midpoint, so at most Q * (max - min) / 2 in size; that is the sensitivity);
- `bands:<scale>`: respondents per band of the scale (one band per respondent:
  sensitivity 1); their total is the scale's count, so it needs no block of its own;
- `item:<item>`: answers per option (one option per respondent: sensitivity 1), only at
  the top `histogram_levels` levels.

Responses filed directly under a unit that has children belong, one level down, to a
"direct" node beside the children, so that children always add up to their parent.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import msgspec

from service.instruments.schemas import Instrument, LikertItem
from service.instruments.service import option_range, required_answers

PLAN_VERSION = "1"
# Scale scores are aggregated as integers: hundredths of a point.
Q = 100
# How a wave's budget is split between kinds of statistic, before levels.
STATISTIC_SHARES: dict[str, float] = {"responses": 0.15, "sum": 0.45, "bands": 0.25, "item": 0.15}
Kind = Literal["responses", "sum", "bands", "item"]


class Node(msgspec.Struct, frozen=True):
    # A real unit, or the "direct" node of a unit (unit_id of that unit, direct=True).
    unit_id: int
    parent: int  # index of the parent node, -1 for the root
    level: int
    direct: bool = False
    path: str = ""


class ScaleSpec(msgspec.Struct, frozen=True):
    key: str  # "<instrument slug>/<scale id>"
    instrument: str
    version: str
    positions: list[int]  # 1-based positions in the response's answers array
    reverse: list[bool]
    low: int
    high: int
    required: int
    bands: list[tuple[str, float, float]]  # (band id, lower, upper)

    @property
    def midpoint_hundredths(self) -> int:
        return Q * (self.low + self.high) // 2

    @property
    def sum_sensitivity(self) -> int:
        return math.ceil(Q * (self.high - self.low) / 2)


class ItemSpec(msgspec.Struct, frozen=True):
    key: str  # "<instrument slug>/<item id>"
    instrument: str
    version: str
    position: int
    values: list[int]


class Block(msgspec.Struct, frozen=True):
    kind: Kind
    key: str  # "responses", or the scale or item key
    level: int
    columns: list[str]
    sensitivity: int
    scale: float = 0.0  # noise scale, set by the budget split
    share: float = 0.0  # this block's share of the wave's privacy budget

    @property
    def name(self) -> str:
        return self.kind if self.kind == "responses" else f"{self.kind}:{self.key}"


class Plan(msgspec.Struct, frozen=True):
    version: str
    mechanism: Literal["gaussian", "laplace"]
    epsilon: float
    delta: float
    # The budget the plan was built to spend: rho (gaussian) or epsilon (laplace).
    budget: float
    nodes: list[Node]
    levels: int
    scales: list[ScaleSpec]
    items: list[ItemSpec]
    blocks: list[Block]

    def describe(self) -> dict[str, Any]:
        return {
            "plan_version": self.version,
            "mechanism": self.mechanism,
            "budget": self.budget,
            "blocks": [
                {"block": b.name, "level": b.level, "sensitivity": b.sensitivity,
                 "scale": b.scale, "share": b.share, "cells": len(b.columns)}
                for b in self.blocks
            ],
        }  # fmt: skip


def build_nodes(units: list[tuple[int, int | None, str]], root_id: int) -> list[Node]:
    """Breadth-first nodes of the subtree at root_id, with a direct node under each parent.

    `units` are (unit_id, parent_id, path) rows of the public unit list.
    """
    children: dict[int, list[tuple[int, str]]] = {}
    paths = {unit_id: path for unit_id, _, path in units}
    for unit_id, parent_id, path in units:
        if parent_id is not None:
            children.setdefault(parent_id, []).append((unit_id, path))
    nodes = [Node(unit_id=root_id, parent=-1, level=0, path=paths[root_id])]
    cursor = 0
    while cursor < len(nodes):
        node = nodes[cursor]
        if not node.direct and node.unit_id in children:
            for unit_id, path in sorted(children[node.unit_id], key=lambda c: c[1]):
                nodes.append(Node(unit_id=unit_id, parent=cursor, level=node.level + 1, path=path))
            nodes.append(
                Node(unit_id=node.unit_id, parent=cursor, level=node.level + 1, direct=True)
            )
        cursor += 1
    return nodes


def describe_instruments(instruments: list[tuple[str, str, Instrument]]) -> tuple[
    list[ScaleSpec], list[ItemSpec]
]:  # fmt: skip
    """Scales and items with their positions in the wave's answers array (instruments in order)."""
    scales: list[ScaleSpec] = []
    items: list[ItemSpec] = []
    offset = 0
    for slug, version, instrument in instruments:
        position = {item.id: offset + i + 1 for i, item in enumerate(instrument.items)}
        by_id = {item.id: item for item in instrument.items}
        for item in instrument.items:
            low, high = option_range(instrument, item.options)
            items.append(
                ItemSpec(f"{slug}/{item.id}", slug, version, position[item.id],
                         list(range(low, high + 1)))
            )  # fmt: skip
        for scale in instrument.scales:
            first = by_id[scale.items[0]]
            low, high = option_range(instrument, first.options)
            scales.append(
                ScaleSpec(
                    key=f"{slug}/{scale.id}",
                    instrument=slug,
                    version=version,
                    positions=[position[i] for i in scale.items],
                    reverse=[
                        isinstance(by_id[i], LikertItem) and by_id[i].reverse  # type: ignore[union-attr]
                        for i in scale.items
                    ],
                    low=low,
                    high=high,
                    required=required_answers(scale),
                    bands=[(b.id, b.lower, b.upper) for b in scale.bands],
                )
            )
        offset += len(instrument.items)
    return scales, items


def level_shares(levels: int, configured: list[float] | None) -> list[float]:
    if configured is None:
        return [1.0 / levels] * levels
    shares = list(configured[:levels]) + [0.0] * max(0, levels - len(configured))
    total = sum(shares)
    return [s / total for s in shares] if total > 0 else [1.0 / levels] * levels


def blocks_for(
    levels: int, scales: list[ScaleSpec], items: list[ItemSpec], histogram_levels: int
) -> list[Block]:
    blocks: list[Block] = []
    for level in range(levels):
        blocks.append(Block("responses", "responses", level, ["n"], 1))
        for s in scales:
            blocks.append(Block("sum", s.key, level, ["sum"], s.sum_sensitivity))
            blocks.append(Block("bands", s.key, level, [b[0] for b in s.bands], 1))
        if level < histogram_levels:
            blocks.extend(Block("item", i.key, level, [str(v) for v in i.values], 1) for i in items)
    return blocks


def split_budget(blocks: list[Block], budget: float, shares_by_level: list[float]) -> list[Block]:
    """Give each block its share of the budget: by kind of statistic, then by level.

    A kind measured at fewer levels (item histograms) spreads its share over those levels.
    A block whose share is zero is dropped: nothing is measured there.
    """
    kinds = {b.kind for b in blocks}
    kind_total = sum(STATISTIC_SHARES[k] for k in kinds)
    out: list[Block] = []
    for kind in STATISTIC_SHARES:
        of_kind = [b for b in blocks if b.kind == kind]
        if not of_kind:
            continue
        measured_levels = sorted({b.level for b in of_kind})
        level_total = sum(shares_by_level[lv] for lv in measured_levels)
        if level_total <= 0:
            continue
        for level in measured_levels:
            at_level = [b for b in of_kind if b.level == level]
            share = (
                STATISTIC_SHARES[kind] / kind_total
                * shares_by_level[level] / level_total
                / len(at_level)
            )  # fmt: skip
            if share <= 0:
                continue
            out.extend(msgspec.structs.replace(b, share=share) for b in at_level)
    return out
