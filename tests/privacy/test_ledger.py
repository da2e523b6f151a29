"""The cap holds per person: every release charges every unit it covers, across programs."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from service.config import Settings
from service.errors import BudgetExhausted
from service.instruments.service import sync_instruments
from service.privacy import service as release
from service.programs import service as programs
from service.programs.schemas import ProgramCreate
from service.waves import service as waves
from tests.factories import (
    INSTRUMENTS,
    T0,
    add_responses,
    close,
    make_tree,
    random_answers,
    wave_items,
)

NOW = T0 + timedelta(days=3)


async def _program(conn: Any, root: str, name: str, mode: str = "cards", **policy: Any) -> int:
    program = await programs.create_program(
        conn,
        None,
        msgspec.convert(
            {"name": name, "root_unit": root, "instruments": INSTRUMENTS, "cadence": "P3M",
             "window": "P14D", "starts_at": T0.isoformat(), "mode": mode,
             "policy": {"level_shares": [0.5, 0.5], **policy}},
            ProgramCreate,
        ),
        T0 - timedelta(days=1),
    )  # fmt: skip
    return program.program_id


async def _first_wave(conn: Any, program_id: int, units: list[dict[str, Any]]) -> int:
    wave_id: int = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = 1", program_id
    )
    items = await wave_items(conn, wave_id)
    rng = random.Random(program_id)
    for unit in units:
        await add_responses(conn, wave_id, unit["unit_id"], [random_answers(rng, items)] * 12)
    await close(conn, wave_id)
    return wave_id


async def _overlapping_waves(
    conn: Any, whole: dict[str, Any], part: dict[str, Any]
) -> tuple[int, int, str]:
    """A closed wave of a program over a whole tree and one of a program over a station of
    it, both answered by the station's people: (whole's wave, part's wave, station path)."""
    await sync_instruments(conn, Settings().surveys_path)
    units = await make_tree(conn, (2, 2))
    station = next(u for u in units if u["depth"] == 1)
    below = [u for u in units if u["path"].startswith(station["path"] + "/")]
    first = await _program(conn, units[0]["path"], "Whole", level_shares=[0.4, 0.3, 0.3], **whole)
    second = await _program(conn, station["path"], "Part", **part)
    await waves.advance_waves(conn, T0 + timedelta(hours=1))
    return (
        await _first_wave(conn, first, below),
        await _first_wave(conn, second, below),
        station["path"],
    )


async def test_two_programs_over_the_same_people_share_one_cap(conn: Any) -> None:
    # Each program alone stays within its cap of 4 (one wave of epsilon 3) ...
    policy = {"epsilon_per_wave": 3.0, "annual_epsilon_cap": 4.0}
    first, second, station = await _overlapping_waves(conn, policy, policy)
    await release.release_wave(conn, None, first, NOW)
    # ... but the people under the station are in both: together ε ≈ 4.5 > 4.
    with pytest.raises(BudgetExhausted) as refused:
        await release.release_wave(conn, None, second, NOW)
    assert station in refused.value.detail
    # A year later the first release has left the window.
    await release.release_wave(conn, None, second, NOW + timedelta(days=366))


async def test_a_laplace_charge_counts_as_rho_of_half_its_epsilon_squared(conn: Any) -> None:
    # ε = 2 pure is ρ = 2; with a Gaussian ε = 1 wave (ρ ≈ 0.02) it is ε > 5 at δ = 1e-7.
    first, second, _ = await _overlapping_waves(
        conn,
        {"mechanism": "laplace", "epsilon_per_wave": 2.0, "annual_epsilon_cap": 5.0},
        {"epsilon_per_wave": 1.0, "annual_epsilon_cap": 5.0},
    )
    await release.release_wave(conn, None, first, NOW)
    with pytest.raises(BudgetExhausted):
        await release.release_wave(conn, None, second, NOW)


async def test_an_open_link_charge_states_its_guarantee_per_response(conn: Any) -> None:
    await sync_instruments(conn, Settings().surveys_path)
    units = await make_tree(conn, (2,))
    program_id = await _program(conn, units[0]["path"], "Open", mode="open")
    await waves.advance_waves(conn, T0 + timedelta(hours=1))
    wave_id = await _first_wave(conn, program_id, units[1:])
    await release.release_wave(conn, None, wave_id, NOW)
    measurement = await conn.fetchval("SELECT measurement FROM ledger WHERE wave_id = $1", wave_id)
    assert "per response only" in measurement["guarantee"]
    assert "k^2" in measurement["guarantee"]
