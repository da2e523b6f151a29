"""Wire shapes of the privacy policy, releases, the privacy ledger and the budget planner's
report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

Mechanism = Literal["gaussian", "laplace"]
LevelStatistics = Literal["headline", "means", "bands", "histograms"]


class PrivacyPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """How much privacy each wave may spend and what a release may show.

    Fixed for a wave when it opens: later changes to the program cannot weaken it.
    """

    # The guarantee: ε per person over any rolling year (with δ). Every release is charged
    # to every unit it covers, and the releases over a unit, from any program, may not
    # spend more than this in 365 days.
    annual_epsilon_cap: Annotated[float, msgspec.Meta(gt=0, le=40)] = 4.0
    delta: Annotated[float, msgspec.Meta(gt=0, le=1e-5)] = 1e-7
    # The waves a year is planned for: each wave spends 1/waves_per_year of the year's
    # budget (of its zCDP ρ with the gaussian mechanism, which adds up exactly).
    waves_per_year: Annotated[int, msgspec.Meta(ge=1, le=52)] = 4
    # An override kept for programs made before the yearly budget: one wave spends the
    # largest ρ that OpenDP's conversion keeps within (ε, δ). Left out (the default): the
    # year's budget divided by waves_per_year.
    epsilon_per_wave: Annotated[float, msgspec.Meta(gt=0, le=10)] | None = None
    # "gaussian": zero-concentrated DP; "laplace": pure DP.
    mechanism: Mechanism = "gaussian"
    # A unit's estimate is shown only when its noisy count reaches this.
    min_publish_count: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 10
    # ... and when its 95% interval is no wider than this on either side (in scale points).
    max_half_width: Annotated[float, msgspec.Meta(gt=0, le=100)] = 0.25
    # Item histograms are released for the top this-many levels of the tree (0: none).
    histogram_levels: Annotated[int, msgspec.Meta(ge=0, le=20)] = 2
    # Share of each wave's budget per tree level, root level first; they add up to 1.
    # A zero share measures nothing at that level: its units are reported through their
    # parents (`muster plan` proposes shares). Left out: split evenly.
    # What each level measures, root level first: "headline" (headline scale means),
    # "means" (every scale's mean), "bands" (means and bands), "histograms" (and item
    # histograms). Left out: the deepest level given budget measures headline means, the
    # top histogram_levels levels histograms, the others bands.
    level_statistics: (
        Annotated[list[LevelStatistics], msgspec.Meta(min_length=1, max_length=20)] | None
    ) = None
    # ε (at δ) that all the refreshes of a wave's participation estimate spend together
    # while it is open: part of the wave's budget, which its release spends less by (at
    # most a quarter of the wave's budget; 0: no estimate).
    participation_epsilon: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.1
    # Release each wave as soon as it closes (the scheduler does it within one tick).
    release_on_close: bool = False
    level_shares: (
        Annotated[
            list[Annotated[float, msgspec.Meta(ge=0, le=1)]],
            msgspec.Meta(min_length=1, max_length=20),
        ]
        | None
    ) = None


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
    units: int = 0
    publishable_counts: int = 0
    publishable_means: int = 0
    publishable_headlines: int = 0
    publishable_pooled: int = 0


class SharesPlan(msgspec.Struct, frozen=True, kw_only=True):
    # Share of the wave's budget per level, root level first (they add up to 1).
    level_shares: list[float]
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
    assumed_centred_mean: float
    # The policy's own level shares, and the best ones found (None when not searched).
    current: SharesPlan
    best: SharesPlan | None
    # Plain sentences for a coordinator.
    advice: list[str]
