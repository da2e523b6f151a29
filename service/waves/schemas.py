"""Wire structs for waves: one occurrence of a program, and what was fixed when it opened."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from service.policy import PrivacyPolicy

WaveStatus = Literal["scheduled", "open", "closed", "released"]
# How a wave collects answers: set on the program, fixed on each wave when it opens.
Mode = Literal["cards", "links", "open"]


class FrozenInstrument(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    version: str
    instrument_id: int


class FrozenSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The program's anonymity and privacy settings as they were when the wave opened."""

    mode: Mode
    policy: PrivacyPolicy
    instruments: list[FrozenInstrument]


class Wave(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    program_id: int
    program_name: str
    # 1 for the program's first wave, then 2, 3, ...
    seq: int
    status: WaveStatus
    # The planned window; opening by hand moves opens_at, closing by hand moves closes_at.
    opens_at: datetime
    closes_at: datetime
    # When the transitions really happened.
    opened_at: datetime | None
    closed_at: datetime | None
    released_at: datetime | None
    # Null while scheduled; fixed from the moment the wave opens.
    frozen: FrozenSettings | None
