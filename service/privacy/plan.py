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
- `count:<scale>`: the respondents with a score on the scale (sensitivity 1): the mean's
  denominator, measured on its own;
- `bands:<scale>`: respondents per band of the scale (one band per respondent:
  sensitivity 1);
- `item:<item>`: answers per option (one option per respondent: sensitivity 1).

Statistics per level. Only what leaders read at a level is measured there (its tier):

- `headline`: the means (sum and count) of the instruments' headline scales;
- `means`: the means of every scale;
- `bands`: every scale's mean and its bands;
- `histograms`: all that and the item histograms.

By default the deepest level given budget is `headline`, the top `histogram_levels`
levels are `histograms` and the others `bands`. A level given no share measures nothing.
Each measured level's share is split between its blocks by KIND_WEIGHTS, renormalised
over what the level measures, so no part of the budget is left unspent.

Responses filed directly under a unit that has children belong, one level down, to a
"direct" node beside the children, so that children always add up to their parent.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import msgspec

from service.instruments.schemas import Instrument, LikertItem
from service.instruments.service import option_range, required_answers

PLAN_VERSION = "2"
# Scale scores are aggregated as integers: hundredths of a point.
Q = 100
# How a level's share of the budget is split between kinds of statistic ("means": the
# sums and counts of the scales measured there), renormalised over the kinds it measures.
KIND_WEIGHTS: dict[str, float] = {"responses": 0.03, "means": 0.65, "bands": 0.15, "item": 0.15}
# The centred scale mean m (mean minus midpoint, in scale points) plans assume. A mean's
# variance is (Var(sum) + m^2 Var(count)) / n^2, which is smallest when the sum and the
# count share the mean's budget as sensitivity : m (4 : 1 on a 1-5 scale at m = 0.5).
# Measured on the demo county (bench/utility.py): at m = 1 the default policy's battalions
# and stations cannot both be planned within their limits (docs/privacy.md); at 0.5 they
# can, and a unit further from the midpoint shows its own, wider interval (at a mean of 4 on
# 1-5, 1.26x the predicted half-width).
ASSUMED_CENTRED_MEAN = 0.5
# The weight, within a level, of a scale also measured at a deeper level (1 for others).
BELOW_WEIGHT = 0.7
Kind = Literal["responses", "sum", "count", "bands", "item"]
Tier = Literal["headline", "means", "bands", "histograms"]
TIERS: tuple[Tier, ...] = ("headline", "means", "bands", "histograms")


class Node(msgspec.Struct, frozen=True):
    # A real unit, or the "direct" node of a unit (unit_id of that unit, direct=True).
    unit_id: int
    parent: int  # index of the parent node, -1 for the root
    level: int
    direct: bool = False
    path: str = ""
    # The unit's public headcount (0 for a direct node).
    headcount: int = 0


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
    # Measured at headline levels (the smallest units).
    headline: bool = True

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


def build_nodes(
    units: list[tuple[int, int | None, str]], root_id: int, headcounts: dict[int, int] | None = None
) -> list[Node]:
    """Breadth-first nodes of the subtree at root_id, with a direct node under each parent.

    `units` are (unit_id, parent_id, path) rows of the public unit list.
    """
    children: dict[int, list[tuple[int, str]]] = {}
    paths = {unit_id: path for unit_id, _, path in units}
    heads = headcounts or {}
    for unit_id, parent_id, path in units:
        if parent_id is not None:
            children.setdefault(parent_id, []).append((unit_id, path))
    nodes = [Node(unit_id=root_id, parent=-1, level=0, path=paths[root_id],
                  headcount=heads.get(root_id, 0))]  # fmt: skip
    cursor = 0
    while cursor < len(nodes):
        node = nodes[cursor]
        if not node.direct and node.unit_id in children:
            for unit_id, path in sorted(children[node.unit_id], key=lambda c: c[1]):
                nodes.append(Node(unit_id=unit_id, parent=cursor, level=node.level + 1, path=path,
                                  headcount=heads.get(unit_id, 0)))  # fmt: skip
            nodes.append(
                Node(unit_id=node.unit_id, parent=cursor, level=node.level + 1, direct=True)
            )
        cursor += 1
    # A unit counts at least the people of its children: a parent left at headcount 0 (or
    # below its children's total) is given that total.
    below = [0] * len(nodes)
    for index in reversed(range(len(nodes))):
        node = nodes[index]
        size = max(node.headcount, below[index])
        if size != node.headcount:
            nodes[index] = msgspec.structs.replace(node, headcount=size)
        if node.parent >= 0:
            below[node.parent] += size
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
                    # A version stored before headlines: every scale is one.
                    headline=scale.headline or not any(s.headline for s in instrument.scales),
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


def level_tiers(
    shares: list[float], histogram_levels: int, configured: list[Tier] | None = None
) -> list[Tier | None]:
    """What each level measures: None where its share is zero, else its tier."""
    levels = len(shares)
    measured = [lv for lv in range(levels) if shares[lv] > 0]
    tiers: list[Tier | None] = [None] * levels
    for level in measured:
        if configured is not None and level < len(configured):
            tiers[level] = configured[level]
        elif level < histogram_levels:
            tiers[level] = "histograms"
        elif level == measured[-1] and level > 0:
            tiers[level] = "headline"
        else:
            tiers[level] = "bands"
    return tiers


def blocks_for(
    scales: list[ScaleSpec], items: list[ItemSpec], tiers: list[Tier | None]
) -> list[Block]:
    """The blocks each level measures, with their weight within the level as `share`."""
    blocks: list[Block] = []
    for level, tier in enumerate(tiers):
        if tier is None:
            continue
        rank = TIERS.index(tier)
        measured = [s for s in scales if s.headline or rank > 0]
        weights = {
            "responses": KIND_WEIGHTS["responses"],
            "means": KIND_WEIGHTS["means"] if measured else 0.0,
            "bands": KIND_WEIGHTS["bands"] if rank >= 2 and measured else 0.0,
            "item": KIND_WEIGHTS["item"] if rank >= 3 and items else 0.0,
        }
        total = sum(weights.values())
        w = {k: v / total for k, v in weights.items()}
        blocks.append(Block("responses", "responses", level, ["n"], 1, share=w["responses"]))
        # A scale measured again further down (a headline scale above the headline level)
        # also gets its children's measurements through GLS: it needs less here.
        below = any(t is not None for t in tiers[level + 1 :])
        weight = {s.key: BELOW_WEIGHT if below and s.headline else 1.0 for s in measured}
        for s in measured:
            # Sum and count split the scale's part as sensitivity : assumed centred mean.
            part = w["means"] * weight[s.key] / sum(weight.values())
            points = s.sum_sensitivity / Q
            to_sum = points / (points + ASSUMED_CENTRED_MEAN)
            blocks.append(
                Block("sum", s.key, level, ["sum"], s.sum_sensitivity, share=part * to_sum)
            )
            blocks.append(Block("count", s.key, level, ["n"], 1, share=part * (1 - to_sum)))
            if w["bands"]:
                blocks.append(
                    Block("bands", s.key, level, [b[0] for b in s.bands], 1,
                          share=w["bands"] / len(measured))
                )  # fmt: skip
        if w["item"]:
            blocks.extend(
                Block("item", i.key, level, [str(v) for v in i.values], 1,
                      share=w["item"] / len(items))
                for i in items
            )  # fmt: skip
    return blocks


def split_budget(blocks: list[Block], budget: float, shares_by_level: list[float]) -> list[Block]:
    """Each block's share of the budget: its level's share times its weight in the level.

    Levels measured (with blocks) share the whole budget; a level without blocks or with
    a zero share spends nothing, and its share goes to the others.
    """
    measured = {b.level for b in blocks if shares_by_level[b.level] > 0}
    total = sum(shares_by_level[lv] for lv in measured)
    return [
        msgspec.structs.replace(b, share=budget * b.share * shares_by_level[b.level] / total)
        for b in blocks
        if b.level in measured
    ]
