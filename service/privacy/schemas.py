"""Wire shapes of releases and the privacy ledger."""

from __future__ import annotations

from datetime import datetime

import msgspec


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


class LedgerReport(msgspec.Struct, frozen=True):
    program_id: int
    mechanism: str
    annual_epsilon_cap: float
    # Losses over the last 365 days: rho adds up under zCDP; epsilon is converted from it.
    year_rho: float | None
    year_epsilon: float
    remaining_epsilon: float
    entries: list[LedgerEntry]
