"""Generalised least squares over the unit tree: make noisy counts add up.

Every node v of the tree has a noisy measurement y_v with variance s_v (math.inf when
the node's level was not measured). The true values satisfy one constraint per
internal node: the parent equals the sum of its children. The GLS estimate is the
minimum-variance linear unbiased estimate under those constraints; on a tree it is
found in two passes (Hay et al., 2010, generalised to a different variance per node):

- up: z_v combines y_v with the sum of the children's z, weighting by precision;
- down: the root keeps z; each child takes its z plus its share (proportional to its
  variance) of the parent's discrepancy x_v - sum(z_c). When a sibling is unknown
  (infinite variance), it takes the whole discrepancy and the others keep their z.

The exact variance of every final estimate follows the same passes:
Var(x_c) = P_c (1 - P_c / P_S) + (P_c / P_S)^2 Var(x_v), where P_c is the child's
up-pass variance and P_S the sum over its siblings. This is post-processing of the
noisy values: it costs no privacy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec

INF = math.inf


class Tree(msgspec.Struct, frozen=True):
    """Nodes in an order where every parent comes before its children; parent -1 = root."""

    parent: list[int]

    @property
    def children(self) -> list[list[int]]:
        kids: list[list[int]] = [[] for _ in self.parent]
        for node, parent in enumerate(self.parent):
            if parent >= 0:
                kids[parent].append(node)
        return kids


class Pattern(msgspec.Struct, frozen=True):
    """Everything of the two passes that depends only on the variances, not the values."""

    tree: Tree
    children: list[list[int]]
    # Up pass: the weight of a node's own measurement in z_v; the rest goes to its children.
    own_weight: list[float]
    # Down pass: the share of the parent's discrepancy a node takes; None where the node's
    # level (and so all its siblings) was not measured and nothing can be said about it.
    share: list[float | None]
    # The exact variance of each final estimate (math.inf where nothing is known).
    variance: list[float]


def pattern(tree: Tree, variance: Sequence[float]) -> Pattern:
    if len(variance) != len(tree.parent):
        raise ValueError("one variance per node")
    children = tree.children
    n = len(tree.parent)
    up = [INF] * n
    own = [0.0] * n
    # The up-pass variance of each node's children, summed once per parent.
    children_var = [INF] * n
    for v in reversed(range(n)):
        kids = children[v]
        sum_var = sum(up[c] for c in kids) if kids else INF
        children_var[v] = sum_var
        s = variance[v]
        if sum_var == INF:
            up[v], own[v] = s, 1.0 if s < INF else 0.0
        elif s == INF:
            up[v], own[v] = sum_var, 0.0
        else:
            up[v] = 1.0 / (1.0 / s + 1.0 / sum_var)
            own[v] = up[v] / s
    share: list[float | None] = [None] * n
    final = [INF] * n
    for v in range(n):
        parent = tree.parent[v]
        if parent < 0:
            final[v] = up[v]
            continue
        siblings = children[parent]
        sum_var = children_var[parent]
        if len(siblings) == 1:
            # An only child equals its parent.
            share[v], final[v] = 1.0, final[parent]
        elif sum_var < INF:
            k = up[v] / sum_var
            share[v] = k
            final[v] = up[v] * (1.0 - k) + k * k * final[parent]
        elif up[v] < INF:
            # A sibling nothing measured says anything about (a "direct" node on a level
            # given no budget) takes all of the parent's discrepancy: its share is 1 in the
            # limit, every other sibling's is 0 and it keeps its own up-pass estimate.
            share[v], final[v] = 0.0, up[v]
    return Pattern(tree=tree, children=children, own_weight=own, share=share, variance=final)


def estimate(p: Pattern, y: Sequence[float]) -> list[float]:
    """The consistent estimates for one column of noisy values (ignored where unmeasured)."""
    parents, children, own_weight, share = p.tree.parent, p.children, p.own_weight, p.share
    n = len(parents)
    z = [0.0] * n
    child_sum = [0.0] * n
    for v in reversed(range(n)):
        s = 0.0
        for c in children[v]:
            s += z[c]
        child_sum[v] = s
        own = own_weight[v]
        z[v] = own * y[v] + (1.0 - own) * s
    x = z[:]
    for v, parent in enumerate(parents):
        k = share[v]
        if parent >= 0 and k is not None:
            x[v] = z[v] + k * (x[parent] - child_sum[parent])
    return x
