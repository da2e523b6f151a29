"""The two-pass tree estimator against a dense weighted least-squares solve."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.privacy.gls import Tree, estimate, pattern


def random_tree(rng: random.Random, depth: int, fan_out: tuple[int, int]) -> tuple[Tree, list[int]]:
    parent, level = [-1], [0]
    frontier = [0]
    for d in range(1, depth + 1):
        nxt = []
        for node in frontier:
            for _ in range(rng.randint(*fan_out)):
                parent.append(node)
                level.append(d)
                nxt.append(len(parent) - 1)
        frontier = nxt
    return Tree(parent=parent), level


def dense_wls(tree: Tree, y: list[float], var: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Estimate the leaves by weighted least squares, then sum them up the tree."""
    children = tree.children
    leaves = [v for v in range(len(y)) if not children[v]]
    index = {leaf: i for i, leaf in enumerate(leaves)}
    m = np.zeros((len(y), len(leaves)))
    for leaf in leaves:
        v = leaf
        while v >= 0:
            m[v, index[leaf]] = 1.0
            v = tree.parent[v]
    measured = [v for v in range(len(y)) if math.isfinite(var[v])]
    ms = m[measured]
    w = np.diag([1.0 / var[v] for v in measured])
    cov = np.linalg.inv(ms.T @ w @ ms)
    leaves_hat = cov @ ms.T @ w @ np.array([y[v] for v in measured])
    return m @ leaves_hat, np.einsum("ij,jk,ik->i", m, cov, m)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), depth=st.integers(1, 3), skip_middle=st.booleans())
def test_two_passes_equal_the_dense_solve(seed: int, depth: int, skip_middle: bool) -> None:
    rng = random.Random(seed)
    tree, level = random_tree(rng, depth, (1, 4))
    level_var = [rng.uniform(0.5, 30.0) for _ in range(depth + 1)]
    if skip_middle and depth >= 2:
        level_var[1] = math.inf  # a level the policy gives no budget
    var = [level_var[d] for d in level]
    y = [rng.uniform(-50, 50) if math.isfinite(s) else 0.0 for s in var]
    p = pattern(tree, var)
    x = estimate(p, y)
    expected_x, expected_var = dense_wls(tree, y, var)
    assert np.allclose(x, expected_x, rtol=1e-9, atol=1e-9)
    assert np.allclose(p.variance, expected_var, rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_children_add_up_to_their_parent(seed: int) -> None:
    rng = random.Random(seed)
    tree, level = random_tree(rng, 3, (1, 5))
    var = [rng.uniform(1, 10) for _ in level]
    x = estimate(pattern(tree, var), [rng.gauss(0, 20) for _ in level])
    for v, kids in enumerate(tree.children):
        if kids:
            assert x[v] == pytest.approx(sum(x[c] for c in kids), abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_the_consistent_estimate_is_never_noisier_than_the_raw_one(seed: int) -> None:
    rng = random.Random(seed)
    tree, level = random_tree(rng, 3, (1, 5))
    level_var = [rng.uniform(0.1, 100.0) for _ in range(4)]
    var = [level_var[d] for d in level]
    p = pattern(tree, var)
    assert all(after <= before * (1 + 1e-12) for after, before in zip(p.variance, var, strict=True))


def test_an_unmeasured_bottom_level_stays_unknown_unless_an_only_child() -> None:
    # root -> a, b; a -> a1 (only child); b -> b1, b2; the bottom level is not measured.
    tree = Tree(parent=[-1, 0, 0, 1, 2, 2])
    var = [1.0, 2.0, 2.0, math.inf, math.inf, math.inf]
    p = pattern(tree, var)
    x = estimate(p, [10.0, 4.0, 5.0, 0.0, 0.0, 0.0])
    assert p.variance[3] == p.variance[1] and x[3] == x[1]
    assert p.variance[4] == math.inf and p.variance[5] == math.inf


def test_the_variance_does_not_depend_on_the_values() -> None:
    tree = Tree(parent=[-1, 0, 0, 1, 1])
    p = pattern(tree, [4.0, 4.0, 4.0, 9.0, 9.0])
    # Measured root and two children with the same variance, leaves noisier.
    assert p.variance[0] < 4.0
    assert p.variance[3] == p.variance[4] < 9.0


def test_an_unknown_sibling_leaves_the_measured_subtrees_known() -> None:
    # The demo's shape with shares [0, 0, .3, .7]: root (unmeasured) -> battalions a, b
    # (unmeasured) and the root's "direct" node d (unmeasured, no children); stations below.
    # root=0, a=1, b=2, d=3, a1=4, a2=5, b1=6, b2=7, leaves of a1..b2 = 8..15.
    parent = [-1, 0, 0, 0, 1, 1, 2, 2, 4, 4, 5, 5, 6, 6, 7, 7]
    level = [0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3]
    var = [[math.inf, math.inf, 3.0, 1.5][d] for d in level]
    rng = random.Random(4)
    y = [rng.uniform(-20, 20) if math.isfinite(s) else 0.0 for s in var]
    p = pattern(Tree(parent=parent), var)
    x = estimate(p, y)
    # The root and its direct node stay unknown; everything under a and b is known ...
    assert p.variance[0] == math.inf and p.variance[3] == math.inf
    assert all(math.isfinite(p.variance[v]) for v in [1, 2, *range(4, 16)])
    # ... and equals the dense solve of the tree without the unknown node.
    kept = [v for v in range(16) if v != 3]
    renumber = {v: i for i, v in enumerate(kept)}
    sub = Tree(parent=[renumber[parent[v]] if parent[v] >= 0 else -1 for v in kept])
    expected_x, expected_var = dense_wls(sub, [y[v] for v in kept], [var[v] for v in kept])
    for v in kept[1:]:
        assert x[v] == pytest.approx(expected_x[renumber[v]], abs=1e-9)
        assert p.variance[v] == pytest.approx(expected_var[renumber[v]], rel=1e-9)
