"""Wire structs for programs: what creates and changes one, and resources (the privacy
policy a program carries is privacy/schemas.py's PrivacyPolicy).

Constraints that concern one field live here (msgspec checks them while decoding);
rules that compare fields or need the database (window shorter than cadence, the cap at
least one wave's budget, known instruments and units) live in programs/service.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from service.policy import PrivacyPolicy
from service.waves.schemas import Mode

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


# A number a phone can dial: digits, an optional leading +, and spaces, dots, dashes or
# brackets between them ("988", "+1 555-0100").
PhoneNumber = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=32,
        pattern=r"^\+?[0-9](?:[0-9 ().-]{0,30}[0-9])?$",
        examples=["988"],
    ),
]
RunBy = Annotated[
    LocalizedText,
    msgspec.Meta(
        description="Who runs the survey, as responders read it: 'the peer-support team'."
    ),
]


class Resource(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Help shown to responders on every survey page: a peer team, an EAP, a crisis line."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=TEXT_PATTERN)]
    kind: ResourceKind
    # A phone number or how to text, in the words responders should read.
    contact: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=TEXT_PATTERN)] | None
    ) = None
    # The number to call, shown as a link that dials it (tel:).
    phone: PhoneNumber | None = None
    # The name in each language; `name` where a language has none.
    names: LocalizedText | None = None
    # https only (checked by the service, which says so in plain words).
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | None = None
    description: LocalizedText | None = None


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
    run_by: RunBy | None = None


class ProgramUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Fields left out stay as they are.

    Name, resources and run_by may always change. The others are fixed once a wave has
    opened.
    """

    name: ProgramName | msgspec.UnsetType = msgspec.UNSET
    run_by: RunBy | msgspec.UnsetType | None = msgspec.UNSET
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
    run_by: LocalizedText | None
    starts_at: datetime
    # True once a wave has opened: mode, policy, instruments, unit and schedule are then fixed.
    frozen: bool
    # The earliest wave still scheduled.
    next_wave: NextWave | None
