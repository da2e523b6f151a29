"""The privacy policy a program carries and each wave freezes when it opens.

A leaf module (it imports nothing of the service): programs and waves carry the policy, and
privacy spends it, without any of them importing another for its type.
"""

from __future__ import annotations

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
    # A mean pooled over the last 4 waves (`:rolling4`) has its own limit: it is shown when
    # ITS 95% interval is predicted within ± this, whether or not a single wave's mean is;
    # it is labelled as pooled, with its own interval, wherever it is shown.
    max_pooled_half_width: Annotated[float, msgspec.Meta(gt=0, le=100)] = 0.5
    # Item histograms are released for the top this-many levels of the tree (0: none).
    histogram_levels: Annotated[int, msgspec.Meta(ge=0, le=20)] = 2
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
    # Share of each wave's budget per tree level, root level first; they add up to 1.
    # A zero share measures nothing at that level: its units are reported through their
    # parents (`muster plan` proposes shares). Left out: split evenly.
    level_shares: (
        Annotated[
            list[Annotated[float, msgspec.Meta(ge=0, le=1)]],
            msgspec.Meta(min_length=1, max_length=20),
        ]
        | None
    ) = None
