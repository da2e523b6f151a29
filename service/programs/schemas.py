"""Wire structs for programs: what creates and changes one, the privacy policy, resources.

Constraints that concern one field live here (msgspec checks them while decoding);
rules that compare fields or need the database (window shorter than cadence, the cap at
least one wave's budget, known instruments and units) live in programs/service.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

Mode = Literal["cards", "links", "open"]
Mechanism = Literal["gaussian", "laplace"]
ResourceKind = Literal["peer_support", "eap", "crisis_line", "chaplain", "other"]

MAX_INSTRUMENTS = 5
MAX_RESOURCES = 20
# No control characters: names end up on printed cards, CSV exports and terminals.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$"

ProgramName = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=200, pattern=TEXT_PATTERN, examples=["Quarterly survey"]),
]
# A unit by its full path ('county-fire/battalion-1'), its id as a string, or a unique slug.
UnitRef = Annotated[
    str, msgspec.Meta(min_length=1, max_length=1000, examples=["county-fire/battalion-1"])
]
InstrumentSlug = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$",
        examples=["help-seeking-stigma"],
    ),
]
# ISO 8601 durations with years, months, weeks or days only; checked by parse_duration.
DurationText = Annotated[
    str,
    msgspec.Meta(
        min_length=2,
        max_length=32,
        description="ISO 8601 duration: PnY, PnM, PnW, PnD or a combination such as P1Y6M.",
        examples=["P3M"],
    ),
]
Instruments = Annotated[
    list[InstrumentSlug], msgspec.Meta(min_length=1, max_length=MAX_INSTRUMENTS)
]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]


class LocalizedText(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    en: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)] | None = None
    fr: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)] | None = None


class Resource(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Help shown to responders on the thank-you page: a peer team, an EAP, a crisis line."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=TEXT_PATTERN)]
    kind: ResourceKind
    # A phone number or how to text, in the words responders should read.
    contact: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=TEXT_PATTERN)] | None
    ) = None
    # https only (checked by the service, which says so in plain words).
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | None = None
    description: LocalizedText | None = None


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
    # Release each wave as soon as it closes (the scheduler does it within one tick).
    release_on_close: bool = False
    level_shares: (
        Annotated[
            list[Annotated[float, msgspec.Meta(ge=0, le=1)]],
            msgspec.Meta(min_length=1, max_length=20),
        ]
        | None
    ) = None


class ProgramCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    name: ProgramName
    root_unit: UnitRef
    # Instrument slugs; the latest loaded version of each is pinned.
    instruments: Instruments
    # Time between the openings of two waves.
    cadence: DurationText
    starts_at: AwareDatetime
    # How long each wave stays open; shorter than the cadence.
    window: DurationText = "P14D"
    mode: Mode = "cards"
    policy: PrivacyPolicy = msgspec.field(default_factory=PrivacyPolicy)
    resources: Annotated[list[Resource], msgspec.Meta(max_length=MAX_RESOURCES)] = msgspec.field(
        default_factory=list
    )


class ProgramUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Fields left out stay as they are.

    Name and resources may always change. The others are fixed once a wave has opened.
    """

    name: ProgramName | msgspec.UnsetType = msgspec.UNSET
    resources: (
        Annotated[list[Resource], msgspec.Meta(max_length=MAX_RESOURCES)] | msgspec.UnsetType
    ) = msgspec.UNSET
    root_unit: UnitRef | msgspec.UnsetType = msgspec.UNSET
    instruments: Instruments | msgspec.UnsetType = msgspec.UNSET
    cadence: DurationText | msgspec.UnsetType = msgspec.UNSET
    window: DurationText | msgspec.UnsetType = msgspec.UNSET
    starts_at: AwareDatetime | msgspec.UnsetType = msgspec.UNSET
    mode: Mode | msgspec.UnsetType = msgspec.UNSET
    policy: PrivacyPolicy | msgspec.UnsetType = msgspec.UNSET


class PinnedInstrument(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    version: str
    instrument_id: int
    title: str


class NextWave(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    seq: int
    opens_at: datetime
    closes_at: datetime


class Program(msgspec.Struct, frozen=True, kw_only=True):
    program_id: int
    name: str
    root_unit_id: int
    root_unit_path: str
    instruments: list[PinnedInstrument]
    cadence: str
    window: str
    mode: Mode
    policy: PrivacyPolicy
    resources: list[Resource]
    starts_at: datetime
    # True once a wave has opened: mode, policy, instruments, unit and schedule are then fixed.
    frozen: bool
    # The earliest wave still scheduled.
    next_wave: NextWave | None
