"""Builders for tests, so that each test states only what matters to it.

Rows are written with plain SQL; programs go through the programs service with the tests'
clock (T0), as their rules (pinned instruments, the first wave) are what tests rely on.
Every builder lives here, by the capability it builds for; conftest files hold fixtures
only, and HTTP helpers (signing in, checking a problem) are in tests/http.py.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from argon2 import PasswordHasher

from service.auth.principal import Principal, Role
from service.auth.secrets import (
    hash_api_token,
    hash_session_id,
    new_api_token,
    new_csrf_token,
    new_session_id,
)
from service.config import Settings
from service.db import Conn
from service.instruments.service import load_instrument_file, sync_instruments
from service.invitations import service as invitations
from service.invitations.codes import normalise
from service.programs import service as programs
from service.programs.schemas import Program, ProgramCreate
from service.waves import service as waves

_counter = itertools.count(1)
_SHIPPED_BODY = load_instrument_file(Settings().surveys_path / "openness.toml").body
# Cheap parameters: tests hash many passwords and need none of argon2's cost.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
DEFAULT_POLICY: dict[str, Any] = {
    "epsilon_per_wave": 1.0,
    "delta": 1e-7,
    "annual_epsilon_cap": 4.0,
}


async def make_unit(
    conn: Conn,
    parent: dict[str, Any] | None = None,
    *,
    slug: str | None = None,
    name: str | None = None,
    headcount: int = 20,
) -> dict[str, Any]:
    slug = slug or f"unit-{next(_counter)}"
    path = f"{parent['path']}/{slug}" if parent else slug
    row = await conn.fetchrow(
        """
        INSERT INTO unit (parent_id, slug, name, headcount, path, depth)
        VALUES ($1, $2, $3, $4, $5, $6)
        RETURNING unit_id, parent_id, slug, name, headcount, path, depth
        """,
        parent["unit_id"] if parent else None,
        slug,
        name or slug.replace("-", " ").title(),
        headcount,
        path,
        parent["depth"] + 1 if parent else 0,
    )
    assert row is not None
    return dict(row)


async def make_tree(conn: Conn, shape: tuple[int, ...] = (2, 2)) -> list[dict[str, Any]]:
    """A root and `shape[i]` children under every unit of level i; returns all units, root first."""
    root = await make_unit(conn, slug=f"org-{next(_counter)}")
    units, level = [root], [root]
    for fan_out in shape:
        nxt = []
        for parent in level:
            for i in range(fan_out):
                nxt.append(await make_unit(conn, parent, slug=f"{parent['slug']}-{i + 1}"))
        units.extend(nxt)
        level = nxt
    return units


async def make_staff(
    conn: Conn,
    *,
    role: Role = "admin",
    unit: dict[str, Any] | None = None,
    email: str | None = None,
    password: str = "correct horse battery staple",
) -> dict[str, Any]:
    row = await conn.fetchrow(
        """
        INSERT INTO staff (email, password_hash, role, unit_id)
        VALUES ($1, $2, $3, $4)
        RETURNING staff_id, email, role, unit_id
        """,
        email or f"person{next(_counter)}@example.org",
        FAST_HASHER.hash(password),
        role,
        unit["unit_id"] if unit else None,
    )
    assert row is not None
    return {**dict(row), "password": password, "unit_path": unit["path"] if unit else None}


def principal_for(staff: dict[str, Any], via: str = "session") -> Principal:
    return Principal(
        staff_id=staff["staff_id"],
        email=staff["email"],
        role=staff["role"],
        scope_unit_id=staff["unit_id"],
        scope_path=staff["unit_path"],
        via=via,  # type: ignore[arg-type]
    )


async def make_session(conn: Conn, staff: dict[str, Any]) -> tuple[str, str]:
    """A signed-in session for `staff`: (session id for the cookie, CSRF token)."""
    session_id, csrf = new_session_id(), new_csrf_token()
    await conn.execute(
        """
        INSERT INTO staff_session (session_hash, staff_id, csrf_token, expires_at)
        VALUES ($1, $2, $3, $4)
        """,
        hash_session_id(session_id),
        staff["staff_id"],
        csrf,
        datetime.now(UTC) + timedelta(hours=1),
    )
    return session_id, csrf


async def make_token(
    conn: Conn,
    staff: dict[str, Any],
    key: bytes,
    *,
    scopes: tuple[str, ...] = ("read", "write"),
    expires_in: timedelta = timedelta(days=30),
) -> str:
    token = new_api_token()
    await conn.execute(
        """
        INSERT INTO api_token (token_hash, staff_id, name, scopes, expires_at)
        VALUES ($1, $2, 'test', $3, $4)
        """,
        hash_api_token(key, token),
        staff["staff_id"],
        list(scopes),
        datetime.now(UTC) + expires_in,
    )
    return token


# --- programs through the service, with the tests' clock -----------------------------------


# The tests' clock: a Monday in a year far from the real one, so a slip to the wall clock shows.
T0 = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)


async def add_instrument(conn: Conn, slug: str, *, title: str | None = None) -> dict[str, Any]:
    """A loaded instrument version; a second call with the same slug adds a newer version."""
    digest = hashlib.sha256(f"{slug}-{next(_counter)}".encode()).hexdigest()
    row = await conn.fetchrow(
        """
        INSERT INTO instrument (slug, version, sha256, title, body)
        VALUES ($1, $2, $3, $4, $5)
        RETURNING instrument_id, slug, version
        """,
        slug,
        digest[:12],
        digest,
        title or slug.replace("-", " ").title(),
        # A real body (the shipped openness instrument under this slug): a new program's
        # planner reads its scales (issue 11).
        {**_SHIPPED_BODY, "slug": slug},
    )
    assert row is not None
    return dict(row)


def program_data(root: dict[str, Any], instruments: list[str], **overrides: Any) -> ProgramCreate:
    """A valid ProgramCreate decoded from plain data, as the API and the CLI decode theirs."""
    raw: dict[str, Any] = {
        "name": f"Program {next(_counter)}",
        "root_unit": root["path"],
        "instruments": instruments,
        "cadence": "P3M",
        "window": "P14D",
        "starts_at": T0.isoformat(),
    }
    raw.update(overrides)
    return msgspec.convert(raw, type=ProgramCreate)


async def new_program(
    conn: Conn,
    root: dict[str, Any],
    *,
    now: datetime = T0,
    instruments: list[str] | None = None,
    **overrides: Any,
) -> Program:
    if instruments is None:
        slug = f"instrument-{next(_counter)}"
        await add_instrument(conn, slug)
        instruments = [slug]
    return await programs.create_program(
        conn, None, program_data(root, instruments, **overrides), now
    )


async def audit_rows(conn: Conn, action_prefix: str = "") -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """
        SELECT staff_id, action, subject FROM audit
        WHERE starts_with(action, $1)
        ORDER BY entry_id
        """,
        action_prefix,
    )
    return [dict(row) for row in rows]


# --- programs and waves in plain SQL, for unit tests ---------------------------------------


async def add_program(conn: Conn, root: dict[str, Any], *, name: str | None = None) -> int:
    program_id: int = await conn.fetchval(
        """
        INSERT INTO program (name, root_unit_id, cadence, open_window, mode, policy, starts_at)
        VALUES ($1, $2, 'P3M', 'P14D', 'cards', $3, $4)
        RETURNING program_id
        """,
        name or f"Program {next(_counter)}",
        root["unit_id"],
        {"epsilon_per_wave": 1.0, "annual_epsilon_cap": 4.0},
        datetime(2030, 1, 1, tzinfo=UTC),
    )
    return program_id


async def add_wave(conn: Conn, program_id: int, *, status: str = "scheduled") -> int:
    opens = datetime(2030, 1, 1, tzinfo=UTC)
    seq = await conn.fetchval(
        "SELECT coalesce(max(seq), 0) + 1 FROM wave WHERE program_id = $1", program_id
    )
    wave_id: int = await conn.fetchval(
        """
        INSERT INTO wave (program_id, seq, opens_at, closes_at, status, frozen)
        VALUES ($1, $2, $3, $4, $5, $6)
        RETURNING wave_id
        """,
        program_id,
        seq,
        opens,
        opens + timedelta(days=14),
        status,
        None if status == "scheduled" else {"mode": "cards"},
    )
    return wave_id


async def audit_actions(conn: Conn) -> list[str]:
    rows = await conn.fetch("SELECT action FROM audit ORDER BY entry_id")
    return [row["action"] for row in rows]


async def paths(conn: Conn) -> list[str]:
    rows = await conn.fetch("SELECT path FROM unit ORDER BY path")
    return [row["path"] for row in rows]


# --- programs and waves in plain SQL, for page tests ---------------------------------------


START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


async def insert_program(conn: Any, root: dict[str, Any], name: str) -> dict[str, Any]:
    row = await conn.fetchrow(
        """
        INSERT INTO program (name, root_unit_id, cadence, open_window, mode, policy, starts_at)
        VALUES ($1, $2, 'P3M', 'P14D', 'cards', $3, $4)
        RETURNING program_id, name
        """,
        name,
        root["unit_id"],
        DEFAULT_POLICY,
        START,
    )
    return dict(row)


async def insert_wave(
    conn: Any, program: dict[str, Any], seq: int, status: str = "scheduled"
) -> dict[str, Any]:
    opens = START + timedelta(days=91 * (seq - 1))
    frozen = None
    if status != "scheduled":
        frozen = {"mode": "cards", "policy": DEFAULT_POLICY, "instruments": []}
    row = await conn.fetchrow(
        """
        INSERT INTO wave (program_id, seq, opens_at, closes_at, status, frozen)
        VALUES ($1, $2, $3, $4, $5, $6)
        RETURNING wave_id, seq, status
        """,
        program["program_id"],
        seq,
        opens,
        opens + timedelta(days=14),
        status,
        frozen,
    )
    return dict(row)


# --- waves with known responses, for release tests -----------------------------------------


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


# --- waves to print cards for, and what the database holds ---------------------------------


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


# --- the console's world: a program over a small tree, wave 1 open -------------------------


class World(dict[str, Any]):
    """Ids of the rows the console pages show."""


async def make_world(conn: Any) -> World:
    """A program over a small tree with wave 1 open and wave 2 scheduled, plus accounts."""
    program_id, wave_id, units = await open_wave_on(conn, (2, 2))
    other = await make_staff(conn, role="researcher")
    wave_2 = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = 2", program_id
    )
    return World(
        program=program_id,
        wave=wave_id,
        wave_2=wave_2,
        units=units,
        unit=units[-1]["unit_id"],
        staff=other["staff_id"],
    )
