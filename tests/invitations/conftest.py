"""Helpers for invitation tests: a program with its first wave in a chosen state, a client
that serves the invitation routes, and a search of every stored value for a code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.config import Settings
from service.db import Conn
from service.invitations import controller
from service.invitations.codes import normalise
from service.waves import service as waves
from tests.factories import make_tree
from tests.programs.conftest import T0, new_program

BASE_URL = "https://cards.example.org"


async def wave_of(
    conn: Conn,
    *,
    mode: str = "cards",
    status: str = "scheduled",
    shape: tuple[int, ...] = (2, 2),
) -> tuple[list[dict[str, Any]], int]:
    """A unit tree (root first), a program over it in `mode`, and its first wave's id,
    left scheduled, opened, or opened and closed."""
    units = await make_tree(conn, shape)
    program = await new_program(conn, units[0], mode=mode)
    wave_id: int = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = 1", program.program_id
    )
    if status in ("open", "closed"):
        await waves.open_wave(conn, None, wave_id, T0)
    if status == "closed":
        await waves.close_wave(conn, None, wave_id, T0)
    return units, wave_id


def leaves(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    parents = {unit["parent_id"] for unit in units}
    return [unit for unit in units if unit["unit_id"] not in parents]


def forms_of(code: str) -> list[str]:
    """Every way a code could have been written down: grouped, plain, and as hex bytes."""
    plain = normalise(code)
    grouped = "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))
    forms = [plain, grouped, plain.lower(), grouped.lower()]
    return forms + [form.encode().hex() for form in forms]


async def every_stored_text(conn: Conn) -> str:
    """Every value of every column of every table in the public schema, as one text."""
    columns = await conn.fetch(
        """
        SELECT c.table_name, c.column_name
        FROM information_schema.columns c
        JOIN information_schema.tables t
          ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_name, c.ordinal_position
        """
    )
    assert len(columns) > 20
    parts = []
    for column in columns:
        table, name = column["table_name"], column["column_name"]
        value = await conn.fetchval(f'SELECT string_agg("{name}"::text, chr(10)) FROM "{table}"')
        parts.append(value or "")
    return "\n".join(parts)


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient[Any]]:
    """The app with the invitation routes, whether or not app.py lists them yet."""
    app = create_app(settings)
    paths = {route.path for route in app.routes}
    for handler in controller.routes:
        if not any(path in paths for path in handler.paths):
            app.register(handler)
    with TestClient(app, base_url="https://testserver.local") as test_client:
        yield test_client
