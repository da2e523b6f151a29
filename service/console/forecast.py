"""The planner's forecast where a coordinator decides: beside the program form, and on the
open and release confirmations. "With these settings, 11 of 17 units will show scores."

Public information only: the planner reads the unit tree's headcounts, the instruments and
the policy, and assumes a participation; it never reads a response. The one count of
answers shown (on the release confirmation) is the wave's total at the organisation's
root, never a count below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from service.auth.principal import Principal
from service.console.program_form import ProgramForm
from service.db import Conn
from service.errors import DomainError
from service.instruments.service import fetch_instrument
from service.policy import PrivacyPolicy
from service.privacy import planner
from service.privacy.schemas import SharesPlan
from service.programs.schemas import Program
from service.units import service as units

# Answers below this share of what the forecast assumed are "far below" it.
FAR_BELOW = 0.5


@dataclass(frozen=True)
class Forecast:
    # Units whose scale means would all be published, of the units shown to the viewer.
    shown: int
    units: int
    participation: float
    shares: list[float]
    best_shown: int
    best_shares: list[float]
    # participation x the root's headcount: the answers the forecast assumes.
    expected_answers: float

    @property
    def better(self) -> bool:
        """Whether the planner found better shares than these (more units shown, or as many
        with more counts or a narrower interval: its search keeps the shares given on a tie)."""
        return self.best_shares != self.shares

    @property
    def best_text(self) -> str:
        return ", ".join(f"{s:g}" for s in self.best_shares)


def _forecast(current: SharesPlan, best: SharesPlan, participation: float) -> Forecast:
    top = current.units[0] if current.units and current.units[0].level == 0 else None
    return Forecast(
        shown=current.publishable_units,
        units=len(current.units),
        participation=participation,
        shares=[round(s, 4) for s in current.level_shares],
        best_shown=best.publishable_units,
        best_shares=[round(s, 4) for s in best.level_shares],
        expected_answers=top.expected_responses if top is not None else 0.0,
    )


async def form_forecast(conn: Conn, actor: Principal, result: ProgramForm) -> Forecast | None:
    """The forecast of what the program form holds, or None while the units, instruments
    or privacy policy it holds are not yet usable (their errors say why)."""
    raw = result.raw
    needed = ("root_unit", "instruments")
    if not all(raw.get(name) for name in needed) or any(
        name in needed or name.startswith("policy.") for name in result.errors
    ):
        return None
    try:
        policy = msgspec.convert(raw.get("policy", {}), PrivacyPolicy)
        root = await units.fetch_unit_by_ref(conn, raw["root_unit"], actor)
        ids = [(await fetch_instrument(conn, slug)).instrument_id for slug in raw["instruments"]]
        current, best = await planner.forecast(conn, actor, root.unit_id, ids, policy)
    except (msgspec.ValidationError, DomainError):
        return None
    return _forecast(current, best, planner.EXPECTED_PARTICIPATION)


async def program_forecast(
    conn: Conn, actor: Principal, program: Program, policy: PrivacyPolicy
) -> Forecast:
    """The forecast of a saved program under `policy` (a wave's fixed one)."""
    ids = [i.instrument_id for i in program.instruments]
    current, best = await planner.forecast(conn, actor, program.root_unit_id, ids, policy)
    return _forecast(current, best, planner.EXPECTED_PARTICIPATION)


def answers_check(forecast: Forecast, total: int | None) -> dict[str, Any]:
    """The release confirmation's answers at the root, and whether they are far below what
    the forecast assumed."""
    far_below = total is not None and total < FAR_BELOW * forecast.expected_answers
    return {"root_answers": total, "far_below": far_below}
