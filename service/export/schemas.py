"""Wire shapes of the researcher export: the tidy release row, a page of rows, the metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from service.policy import PrivacyPolicy

Format = Literal["csv", "json", "parquet"]
FORMAT_VERSION = 1


class ReleaseRow(msgspec.Struct, frozen=True, kw_only=True):
    """One released value: one (wave, unit, statistic). Unpublished values are null."""

    program_id: int
    program_name: str
    wave_id: int
    wave_seq: int
    wave_opens_at: datetime
    wave_closes_at: datetime
    unit_id: int
    unit_path: str
    # Depth below the program's root unit: 0 for the root.
    level: int
    statistic: str
    instrument_slug: str | None
    scale: str | None
    item: str | None
    measure: str
    value: float | None
    std_error: float | None
    lower: float | None
    upper: float | None
    published: bool
    mechanism: str
    noise_scale: float | None
    privacy_share: float | None
    instrument_version: str | None
    plan_version: str
    unverified: bool


class ReleasePage(msgspec.Struct, frozen=True, kw_only=True):
    program_id: int
    rows: list[ReleaseRow]
    limit: int
    # Pass as `cursor=` for the next page; null on the last page.
    next_cursor: str | None
    # Where the privacy metadata of these rows is.
    metadata: str


# --- metadata --------------------------------------------------------------------------


class ProgramInfo(msgspec.Struct, frozen=True, kw_only=True):
    program_id: int
    name: str
    root_unit_id: int
    root_unit_path: str
    cadence: str
    window: str
    mode: str


class LedgerCharge(msgspec.Struct, frozen=True, kw_only=True):
    """The wave's entry in the privacy ledger: the release measurement's privacy map."""

    mechanism: str
    rho: float | None
    epsilon: float
    delta: float
    charged_at: datetime
    # The program's loss over the 365 days up to and including this release.
    rolling_year_rho: float | None
    rolling_year_epsilon: float


class InstrumentRef(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    version: str


class WaveInfo(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    seq: int
    opens_at: datetime
    closes_at: datetime
    released_at: datetime | None
    mode: str
    # Open-link waves cannot guarantee one response per person.
    unverified: bool
    # The policy as fixed when the wave opened: what its release could spend and show.
    policy: PrivacyPolicy
    instruments: list[InstrumentRef]
    plan_versions: list[str]
    rows: int
    charge: LedgerCharge | None


class LedgerTotals(msgspec.Struct, frozen=True, kw_only=True):
    as_of: datetime
    mechanism: str
    annual_epsilon_cap: float
    year_rho: float | None
    year_epsilon: float
    remaining_epsilon: float
    # Every charge the program ever made, for the record (the cap is on the rolling year).
    all_time_rho: float | None
    all_time_epsilon_sum: float
    charges: int


class Mechanism(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    description: str
    accounting: str


class IntervalRule(msgspec.Struct, frozen=True, kw_only=True):
    level: float
    z: float
    formula: str
    clamping: str


class StatisticInfo(msgspec.Struct, frozen=True, kw_only=True):
    pattern: str
    meaning: str
    # The range value, lower and upper are clamped to, e.g. "[0, 1]".
    clamping: str
    budget: str


class OptionInfo(msgspec.Struct, frozen=True, kw_only=True):
    value: int
    label: dict[str, str]


class ItemInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    text: dict[str, str]
    option_set: str
    options: list[OptionInfo]
    reverse: bool


class BandInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    label: dict[str, str]
    lower: float
    upper: float


class ScaleInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: dict[str, str]
    description: dict[str, str] | None
    items: list[str]
    reverse_coded: list[str]
    scoring: str
    # Share of the scale's items a respondent must answer to count in it, and that as items.
    min_answered: float
    min_items_answered: int
    low: int
    high: int
    bands: list[BandInfo]


class InstrumentInfo(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    version: str
    title: dict[str, str]
    languages: list[str]
    items: list[ItemInfo]
    scales: list[ScaleInfo]


class ColumnInfo(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    type: str
    description: str


class ExportFilters(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int | None
    unit: str | None
    scale: str | None
    level: int | None
    # The subtree the viewer may see; rows outside it are never exported.
    scope: str | None


class ExportMetadata(msgspec.Struct, frozen=True, kw_only=True):
    format_version: int
    generated_at: datetime
    program: ProgramInfo
    filters: ExportFilters
    privacy_unit: str
    guarantee: str
    # The program's current policy; each wave lists the policy it was released under.
    privacy_policy: PrivacyPolicy
    mechanism: Mechanism
    consistency: str
    publish_rule: str
    interval: IntervalRule
    unpublished: str
    statistics: list[StatisticInfo]
    waves: list[WaveInfo]
    ledger: LedgerTotals
    instruments: list[InstrumentInfo]
    columns: list[ColumnInfo]
    citation: str


class ExportSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What `export_to_file` wrote."""

    program_id: int
    wave_id: int | None
    format: Format
    path: str
    rows: int
    bytes: int
    sha256: str
    # CSV only: the metadata sidecar written next to the file.
    metadata_path: str | None
