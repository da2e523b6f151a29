"""The planner's search over level shares and statistics per level (issue 11).

A plain optimiser: it knows the shape of the choices (shares of the budget per tree level on
a grid, zeros allowed; statistics per level never richer below than above) and asks the
caller for a plan's score (higher is better, compared as a tuple). `planner` scores a plan
by the means it would show, from public information only.

The search: the share grid for the given statistics and for every lean shape (`lean_tiers`);
from the best, statistics and shares in turn until neither changes; then the shares are
refined in REFINE_STEPS, one step moved from a level to another while that scores better.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable
from typing import Any

from service.privacy import plan

# A plan's score, compared as a tuple (planner._score).
Score = tuple[Any, ...]
# The share grid is the finest of these steps whose grid has at most MAX_CANDIDATES points.
GRID_STEPS = (10, 5, 4, 2, 1)
MAX_CANDIDATES = 1500
# Rounds of the search (statistics per level, then shares) at most.
SEARCH_ROUNDS = 3
# The steps the best grid point's shares are then refined in (finer than the grid's): on
# the demo county the default targets hold only for battalion shares in 0.542-0.554.
REFINE_STEPS = (0.05, 0.025, 0.0125)


def share_grid(levels: int) -> list[list[float]]:
    """Every split of the budget over the levels in steps of 1/k (zeros allowed), with the
    finest k whose grid stays small."""
    for k in GRID_STEPS:
        if math.comb(k + levels - 1, levels - 1) <= MAX_CANDIDATES:
            break
    grid = []
    # Stars and bars: k units of budget, levels - 1 bars between them.
    for bars in itertools.combinations(range(k + levels - 1), levels - 1):
        edges = (-1, *bars, k + levels - 1)
        grid.append([(edges[i + 1] - edges[i] - 1) / k for i in range(levels)])
    return grid


def tier_grid(levels: int, histogram_levels: int) -> list[list[plan.Tier]]:
    """Every choice of statistics per level that measures no less at a level than below it
    (item histograms at the top, headline means at the bottom), root level first. The top
    level measures every scale's mean at least: its leaders read all of them. Item
    histograms are measured only on the top `histogram_levels` levels, where they are
    released (PrivacyPolicy.histogram_levels): nobody reads them further down."""
    histograms = plan.TIERS.index("histograms")
    ranks = range(len(plan.TIERS) - 1, -1, -1)
    grid = []
    for combo in itertools.combinations_with_replacement(ranks, levels):
        # combinations_with_replacement of a decreasing range: non-increasing sequences.
        if combo[0] > 0 and all(rank < histograms for rank in combo[histogram_levels:]):
            grid.append([plan.TIERS[r] for r in combo])
    return grid


def lean_tiers(levels: int) -> list[list[plan.Tier]]:
    """The statistics per level that spend only on means: every scale's mean on the top
    `k` levels and headline means below, for each k. Bands and histograms add no mean, so
    the plan showing the most means has one of these shapes; the search starts from each."""
    means: list[plan.Tier] = ["means"]
    headline: list[plan.Tier] = ["headline"]
    return [means * k + headline * (levels - k) for k in range(1, levels + 1)]


def best_plan(
    levels: int,
    shares: list[float],
    tiers: list[plan.Tier] | None,
    score_of: Callable[[list[float], list[plan.Tier] | None], Score],
    measured: Callable[[list[float], list[plan.Tier] | None], Hashable],
    *,
    histogram_levels: int,
    statistics: bool = True,
) -> tuple[list[float], list[plan.Tier] | None]:
    """The level shares and (with `statistics`) statistics per level with the best score
    (item histograms only on the top `histogram_levels` levels, tier_grid).

    First the share grid for the given statistics and (with `statistics`) for every lean
    shape (lean_tiers); from the best of those, shares and statistics in turn (shares with
    the statistics fixed, then statistics with the shares fixed) until neither changes;
    then the shares are refined in REFINE_STEPS, moving one step from a level to another
    while that scores better. The current ones stay unless something beats them."""
    scores: dict[tuple[tuple[float, ...], Hashable], Score] = {}

    def score(sh: list[float], ti: list[plan.Tier] | None) -> Score:
        # Each candidate is scored once, keyed by what it measures (`measured`).
        key = (tuple(sh), measured(sh, ti))
        got = scores.get(key)
        if got is None:
            got = scores[key] = score_of(sh, ti)
        return got

    best = (shares, tiers)
    best_score = score(*best)
    grid = share_grid(levels)

    def shares_step(ti: list[plan.Tier] | None) -> None:
        nonlocal best, best_score
        for candidate in grid:
            got = score(candidate, ti)
            if got > best_score:
                best, best_score = (candidate, ti), got

    for start in [tiers, *(lean_tiers(levels) if statistics else [])]:
        shares_step(start)
    for _ in range(SEARCH_ROUNDS):
        before = best
        for candidate_tiers in tier_grid(levels, histogram_levels) if statistics else []:
            got = score(best[0], candidate_tiers)
            if got > best_score:
                best, best_score = (best[0], candidate_tiers), got
        if best == before:
            break
        shares_step(best[1])
    for step in REFINE_STEPS:
        moved = True
        while moved:
            moved = False
            current = best[0]
            for i, j in itertools.permutations(range(levels), 2):
                if current[i] < step - 1e-9:
                    continue
                candidate = list(current)
                candidate[i] = round(candidate[i] - step, 6)
                candidate[j] = round(candidate[j] + step, 6)
                got = score(candidate, best[1])
                if got > best_score:
                    best, best_score, moved = (candidate, best[1]), got, True
    return best
