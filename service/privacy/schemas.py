"""Wire shapes of releases, the privacy ledger and the budget planner's report (the policy
itself is service/policy.py)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from service.policy import LevelStatistics


class ReleaseSummary(msgspec.Struct, frozen=True):
    wave_id: int
    program_id: int
    mechanism: str
    # The release measurement's privacy map at one respondent: rho (zCDP) for the Gaussian
    # mechanism, and the (epsilon, delta) OpenDP's conversion gives for it.
    rho: float | None
    epsilon: float
    delta: float
    rows: int
    published_units: int
    units: int
    # The program's privacy loss over the last 365 days, this release included.
    year_epsilon: float
    annual_epsilon_cap: float


class LedgerEntry(msgspec.Struct, frozen=True):
    entry_id: int
    program_id: int
    wave_id: int
    mechanism: str
    rho: float | None
    epsilon: float
    delta: float
    at: datetime
    # "release", or "participation": one refresh of the estimate while the wave is open.
    kind: str = "release"


class LedgerReport(msgspec.Struct, frozen=True):
    program_id: int
    mechanism: str
    annual_epsilon_cap: float
    # Losses over the last 365 days: rho adds up under zCDP; epsilon is converted from it.
    year_rho: float | None
    year_epsilon: float
    remaining_epsilon: float
    entries: list[LedgerEntry]


# --- the planner's report (planner.py) ----------------------------------------------------


class UnitPlan(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: int
    path: str
    # Levels below the program's root (0 = the root): the index into level_shares.
    level: int
    headcount: int
    # participation x headcount.
    expected_responses: float
    # The standard error the release will store for the unit's response count (exact: it
    # does not depend on the data); None when nothing measured can say anything about it.
    count_std_error: float | None
    count_half_width: float | None
    # The widest predicted 95% half-width over the program's scales, in scale points.
    mean_half_width: float | None
    publish_count: bool
    # True when the mean of every scale would be published.
    publish_mean: bool
    # The widest predicted half-width over the headline scales, one wave and pooled over
    # ROLLING_WAVES waves, and whether each would be published.
    headline_half_width: float | None = None
    publish_headline: bool = False
    pooled_half_width: float | None = None
    publish_pooled: bool = False


class LevelPlan(msgspec.Struct, kw_only=True):
    level: int
    share: float
    # What the level measures (None: nothing, its share is 0).
    statistics: LevelStatistics | None = None
    units: int = 0
    publishable_counts: int = 0
    publishable_means: int = 0
    publishable_headlines: int = 0
    publishable_pooled: int = 0


class SharesPlan(msgspec.Struct, frozen=True, kw_only=True):
    # Share of the wave's budget per level, root level first (they add up to 1).
    level_shares: list[float]
    # What each level measures, root level first (as the policy's level_statistics).
    level_statistics: list[LevelStatistics] = msgspec.field(default_factory=list)
    # Units whose scale means would all be published each wave.
    publishable_units: int
    publishable_counts: int
    # Units whose headline means would be published each wave, and pooled.
    publishable_headlines: int = 0
    publishable_pooled: int = 0
    levels: list[LevelPlan]
    units: list[UnitPlan]


class PlanReport(msgspec.Struct, frozen=True, kw_only=True):
    program_id: int
    # epsilon per person per rolling year, spent over waves_per_year waves.
    epsilon: float
    waves_per_year: int
    delta: float
    mechanism: str
    # What a release spends: zCDP rho (gaussian) or epsilon (laplace).
    budget: float
    participation: float
    levels: int
    min_publish_count: int
    max_half_width: float
    max_pooled_half_width: float = 0.5
    assumed_centred_mean: float
    # The policy's own level shares, and the best ones found (None when not searched).
    current: SharesPlan
    best: SharesPlan | None
    # Plain sentences for a coordinator.
    advice: list[str]
