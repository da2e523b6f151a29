"""Helpers for the responder's side: an open wave with the shipped instruments, cards and
open links written as the invitations capability writes them, answers for a layout, and a
client with the survey routes and the privacy middleware in place."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from service.config import SHIPPED_SURVEYS
from service.db import Conn
from service.instruments.service import sync_instruments
from service.invitations.codes import hash_code, new_code, normalise
from service.responses import controller
from service.responses.middleware import install_respondent_privacy
from service.waves import service as waves
from tests.factories import T0, make_unit, new_program

INSTRUMENTS = ["openness", "workplace-support"]
RESOURCES: list[dict[str, Any]] = [
    {
        "name": "Peer Support Team",
        "kind": "peer_support",
        "names": {"fr": "Équipe de soutien par les pairs"},
        "contact": "Text or call 555-0100, any hour",
        "phone": "+1 555-0100",
        "description": {"en": "Colleagues trained to listen.", "fr": "Des collègues formés."},
    },
    {
        "name": "Crisis Line",
        "kind": "crisis_line",
        "contact": "988",
        "phone": "988",
        "url": "https://988lifeline.org",
    },
]


class Survey(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    survey_key: str
    program_id: int
    program_name: str
    unit_id: int
    other_unit_id: int


async def make_survey(
    conn: Conn,
    *,
    mode: str = "cards",
    instruments: list[str] | None = None,
    state: str = "open",
) -> Survey:
    """A program over a root and two stations, its first wave in `state`
    ("scheduled", "open" or "closed"), asking the shipped instruments."""
    await sync_instruments(conn, SHIPPED_SURVEYS)
    root = await make_unit(conn)
    station = await make_unit(conn, root)
    other = await make_unit(conn, root)
    program = await new_program(
        conn,
        root,
        instruments=instruments or INSTRUMENTS,
        mode=mode,
        resources=RESOURCES,
    )
    assert program.next_wave is not None
    wave_id = program.next_wave.wave_id
    if state in ("open", "closed"):
        await waves.open_wave(conn, None, wave_id, T0)
    if state == "closed":
        await waves.close_wave(conn, None, wave_id, T0 + timedelta(days=1))
    key = await conn.fetchval("SELECT survey_key FROM wave WHERE wave_id = $1", wave_id)
    return Survey(
        wave_id=wave_id,
        survey_key=key,
        program_id=program.program_id,
        program_name=program.name,
        unit_id=station["unit_id"],
        other_unit_id=other["unit_id"],
    )


async def make_cards(conn: Conn, wave_id: int, unit_id: int, count: int) -> list[str]:
    """Printed cards: the plain codes for the test, only their hashes in the database."""
    codes = [new_code() for _ in range(count)]
    await conn.executemany(
        "INSERT INTO invitation (code_hash, wave_id, unit_id) VALUES ($1, $2, $3)",
        [(hash_code(code), wave_id, unit_id) for code in codes],
    )
    return codes


async def make_open_link(conn: Conn, wave_id: int, unit_id: int) -> str:
    """A unit's open link, as invitations makes them (a code, stored hashed); returns what
    the code field receives from the link's fragment: "open-<code>"."""
    token = normalise(new_code())
    await conn.execute(
        "INSERT INTO open_link (link_hash, wave_id, unit_id) VALUES ($1, $2, $3)",
        hash_code(token),
        wave_id,
        unit_id,
    )
    return f"open-{token}"


async def wave_keys(conn: Conn, wave_id: int) -> list[str]:
    """The wave's answer keys in stored order, read straight from its instruments."""
    rows = await conn.fetch(
        """
        SELECT i.slug, i.body FROM wave_instrument wi
        JOIN instrument i ON i.instrument_id = wi.instrument_id
        WHERE wi.wave_id = $1 ORDER BY wi.position
        """,
        wave_id,
    )
    return [f"{row['slug']}.{item['id']}" for row in rows for item in row["body"]["items"]]


async def responses_of(conn: Conn, wave_id: int) -> list[dict[str, Any]]:
    rows = await conn.fetch("SELECT * FROM response WHERE wave_id = $1", wave_id)
    return [dict(row) for row in rows]


def mistype(code: str) -> str:
    """The code with one symbol changed: the check symbol must catch it."""
    symbols = list(code)
    index = 5 if symbols[5] != "-" else 6
    symbols[index] = "7" if symbols[index] != "7" else "8"
    return "".join(symbols)


@pytest.fixture
def respondent(client: TestClient[Any]) -> Iterator[TestClient[Any]]:
    """The app client with the survey routes and the privacy middleware, whether or not
    app.py wires them yet (both steps are idempotent)."""
    app = client.app
    if "/s/{survey_key:str}" not in app.route_handler_method_map:
        for handler in controller.routes:
            app.register(handler)
    install_respondent_privacy(app)
    yield client
