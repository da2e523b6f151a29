"""Waves with known responses, for release tests.

Responses are written with plain SQL: these tests are about what the release engine does
with stored responses, not about how they were collected.
"""

from __future__ import annotations

import itertools
import random
from datetime import timedelta
from typing import Any

import msgspec

from service.config import Settings
from service.db import Conn
from service.instruments.service import sync_instruments
from service.invitations import service as invitations
from service.programs import service as programs
from service.programs.schemas import ProgramCreate
from service.waves import service as waves
from tests.factories import make_tree
from tests.programs.conftest import T0

_names = itertools.count(1)
INSTRUMENTS = ["help-seeking-stigma", "openness", "workplace-support"]


async def wave_items(conn: Conn, wave_id: int) -> list[tuple[int, int]]:
    """(low, high) of every item in the wave's answers order."""
    from service.instruments.service import fetch_instruments_by_ids, option_range

    ids = await conn.fetch(
        "SELECT instrument_id FROM wave_instrument WHERE wave_id = $1 ORDER BY position", wave_id
    )
    out = []
    for row in await fetch_instruments_by_ids(conn, [r["instrument_id"] for r in ids]):
        out += [option_range(row.instrument, item.options) for item in row.instrument.items]
    return out


def random_answers(
    rng: random.Random, items: list[tuple[int, int]], skip: float = 0.1
) -> list[int]:
    return [0 if rng.random() < skip else rng.randint(low, high) for low, high in items]


async def open_wave_on(
    conn: Conn, shape: tuple[int, ...] = (2, 2), instruments: list[str] | None = None,
    **policy: Any,
) -> tuple[int, int, list[dict[str, Any]]]:  # fmt: skip
    """A program over a fresh tree with its first wave open: (program_id, wave_id, units)."""
    await sync_instruments(conn, Settings().surveys_path)
    units = await make_tree(conn, shape)
    program = await programs.create_program(
        conn,
        None,
        msgspec.convert(
            {
                "name": f"Release test {next(_names)}",
                "root_unit": units[0]["path"],
                "instruments": instruments or INSTRUMENTS,
                "cadence": "P3M",
                "window": "P14D",
                "starts_at": T0.isoformat(),
                # Every level measured (an even split), not the planner's choice for the
                # tree: these tests are about what the engine does at every level.
                "policy": {
                    "epsilon_per_wave": 1.0,
                    "annual_epsilon_cap": 4.0,
                    "level_shares": [1 / (len(shape) + 1)] * (len(shape) + 1),
                    **policy,
                },
            },
            ProgramCreate,
        ),
        T0 - timedelta(days=1),
    )
    await waves.advance_waves(conn, T0 + timedelta(hours=1))
    wave_id = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = 1", program.program_id
    )
    return program.program_id, wave_id, units


async def open_wave_with_card(conn: Conn) -> tuple[str, str, int]:
    """An open card wave and one unused card: (survey key, plain code, wave id)."""
    _, wave_id, units = await open_wave_on(conn, shape=(2,))
    batch = await invitations.generate_cards(conn, None, wave_id, units[1]["path"], 1)
    return batch.wave.survey_key, batch.cards[0].code.replace("-", ""), wave_id


async def add_responses(conn: Conn, wave_id: int, unit_id: int, answers: list[list[int]]) -> None:
    await conn.executemany(
        "INSERT INTO response (wave_id, unit_id, answers) VALUES ($1, $2, $3)",
        [(wave_id, unit_id, a) for a in answers],
    )


async def close(conn: Conn, wave_id: int) -> None:
    await waves.close_wave(conn, None, wave_id, T0 + timedelta(days=2))
