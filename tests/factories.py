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
from service.config import SHIPPED_SURVEYS, Settings
from service.db import Conn, Pool
from service.instruments.service import load_instrument_file, sync_instruments
from service.invitations import service as invitations
from service.invitations.codes import hash_code, new_code, normalise
from service.privacy import service as release
from service.programs import service as programs
from service.programs.schemas import Program, ProgramCreate
from service.tokens import service as tokens
from service.tokens.signing import Signer
from service.waves import service as waves
from tests.tokens import client as blind_client

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
        [(wave_id, unit_id, bytes(a)) for a in answers],
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


# --- the responder's side: an open wave with the shipped instruments, cards, open links ---


# The shipped instruments make_survey asks (a shorter form than INSTRUMENTS).
SURVEY_INSTRUMENTS = ["openness", "workplace-support"]


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
        instruments=instruments or SURVEY_INSTRUMENTS,
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


# --- released history: a program driven through real waves and releases ------------------


# Generous enough that values below the root get published (docs/privacy.md).
GENEROUS: dict[str, Any] = {"epsilon_per_wave": 8.0, "annual_epsilon_cap": 40.0}


CADENCE = timedelta(days=92)  # more than the program's P3M


async def released_history(
    conn: Conn,
    *,
    waves_count: int = 2,
    shape: tuple[int, ...] = (2, 2),
    per_leaf: int = 60,
    seed: int = 7,
    **policy: Any,
) -> dict[str, Any]:
    """A program over a fresh tree with `waves_count` released waves.

    Returns program_id, wave_ids (by seq) and units (root first, as make_tree gives them).
    """
    program_id, wave_id, units = await open_wave_on(conn, shape, **{**GENEROUS, **policy})
    rng = random.Random(seed)
    leaves = [u for u in units if u["depth"] == max(x["depth"] for x in units)]
    wave_ids = []
    for n in range(waves_count):
        start = T0 + n * CADENCE
        if n:
            await waves.advance_waves(conn, start + timedelta(hours=1))
            wave_id = await conn.fetchval(
                "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = $2", program_id, n + 1
            )
        items = await wave_items(conn, wave_id)
        for leaf in leaves:
            await add_responses(
                conn,
                wave_id,
                leaf["unit_id"],
                [random_answers(rng, items) for _ in range(per_leaf)],
            )
        await waves.close_wave(conn, None, wave_id, start + timedelta(days=2))
        async with conn.transaction():
            await release.release_wave(conn, None, wave_id, start + timedelta(days=3))
        wave_ids.append(wave_id)
    return {"program_id": program_id, "wave_ids": wave_ids, "units": units}


# --- releases for the dashboard ---------------------------------------------------------
#
# Two ways to get releases:
# - `stored_waves` + `put_rows`: waves marked released and release rows written with plain
#   SQL, with exactly the values and publish flags a test needs (fast and deterministic);
# - `released_org`: the real release engine over synthetic responses, wave after wave, as
#   the product runs it (slower; for journeys and end-to-end checks).


class Org(msgspec.Struct):
    program_id: int
    wave_ids: list[int]
    units: list[dict[str, Any]]

    @property
    def root(self) -> dict[str, Any]:
        return self.units[0]

    def at_depth(self, depth: int) -> list[dict[str, Any]]:
        return [u for u in self.units if u["depth"] == depth]

    def children(self, unit: dict[str, Any]) -> list[dict[str, Any]]:
        return [u for u in self.units if u["parent_id"] == unit["unit_id"]]


async def _next_wave(conn: Conn, program_id: int, seq: int) -> int:
    """Move the schedule on until wave `seq` is open; earlier waves close on the way."""
    await waves.advance_waves(conn, T0 + CADENCE * (seq - 1) + timedelta(hours=1))
    wave_id: int = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = $2 AND status = 'open'",
        program_id,
        seq,
    )
    return wave_id


async def _close(conn: Conn, wave_id: int, seq: int) -> None:
    await waves.close_wave(conn, None, wave_id, T0 + CADENCE * (seq - 1) + timedelta(days=2))


async def stored_waves(
    conn: Conn, shape: tuple[int, ...] = (2, 2), count: int = 2, **policy: Any
) -> Org:
    """A program over a fresh tree with `count` waves marked released and no rows yet."""
    program_id, first, units = await open_wave_on(conn, shape, **{**GENEROUS, **policy})
    ids = [first]
    for seq in range(2, count + 1):
        await _close(conn, ids[-1], seq - 1)
        ids.append(await _next_wave(conn, program_id, seq))
    await _close(conn, ids[-1], count)
    await conn.execute(
        "UPDATE wave SET status = 'released', released_at = closed_at WHERE wave_id = ANY($1)",
        ids,
    )
    return Org(program_id=program_id, wave_ids=ids, units=units)


Value = tuple[float, float, bool]  # (value, half-width of the 95% interval, published)


async def put_rows(conn: Conn, wave_id: int, unit_id: int, values: dict[str, Value]) -> None:
    """Release rows with chosen values: interval = value ± half-width, std_error = half/1.96."""
    await conn.executemany(
        """
        INSERT INTO release (wave_id, unit_id, statistic, value, std_error, lower, upper,
                             published, mechanism, noise_scale, privacy_share,
                             instrument_version, plan_version, unverified)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'gaussian', 1.0, 0.1, NULL, 'test', false)
        """,
        [
            (wave_id, unit_id, stat, v, half / 1.96, v - half, v + half, published)
            for stat, (v, half, published) in values.items()
        ],
    )


def scale_values(
    key: str, mean: float, published: bool = True, half: float = 0.2
) -> dict[str, Value]:
    """A scale's mean, count and three bands (low / moderate / high), all with one flag."""
    return {
        f"scale:{key}:mean": (mean, half, published),
        f"scale:{key}:count": (50.0, 8.0, published),
        f"scale:{key}:band:low": (0.2, 0.05, published),
        f"scale:{key}:band:moderate": (0.5, 0.06, published),
        f"scale:{key}:band:high": (0.3, 0.05, published),
    }


def biased_answers(
    rng: random.Random, items: list[tuple[int, int]], lean: float, skip: float = 0.05
) -> list[int]:
    """Answers that lean up (lean > 0) or down from the middle of each item's range."""
    out = []
    for low, high in items:
        if rng.random() < skip:
            out.append(0)
            continue
        centre = (low + high) / 2 + lean * (high - low) / 4
        out.append(max(low, min(high, round(rng.gauss(centre, 0.9)))))
    return out


async def _realistic_units(
    conn: Conn,
    units: list[dict[str, Any]],
    leaves: list[dict[str, Any]],
    per_leaf: int,
    small_leaf: int | None,
) -> None:
    """Names a chief would recognise, and headcounts: about 70% of each leaf answers; inner
    units add up their leaves, plus a few staff."""
    kinds = ["Battalion", "Station", "Crew"]
    seen: dict[int, int] = {}
    for unit in units:
        if unit["parent_id"] is None:
            unit["name"] = "Lakeside Fire Department"
            continue
        seen[unit["depth"]] = seen.get(unit["depth"], 0) + 1
        kind = kinds[min(unit["depth"], len(kinds)) - 1]
        unit["name"] = f"{kind} {seen[unit['depth']]}"
    await conn.executemany(
        "UPDATE unit SET name = $2 WHERE unit_id = $1", [(u["unit_id"], u["name"]) for u in units]
    )
    counts: dict[int, int] = {}
    for index, leaf in enumerate(leaves):
        n = small_leaf if small_leaf is not None and index == len(leaves) - 1 else per_leaf
        counts[leaf["unit_id"]] = max(4, round(n / 0.7))
    for unit in sorted(units, key=lambda u: -u["depth"]):
        if unit["unit_id"] not in counts:
            counts[unit["unit_id"]] = 2 + sum(
                counts[u["unit_id"]] for u in units if u["parent_id"] == unit["unit_id"]
            )
    await conn.executemany(
        "UPDATE unit SET headcount = $2 WHERE unit_id = $1", list(counts.items())
    )
    for unit in units:
        unit["headcount"] = counts[unit["unit_id"]]


async def released_org(
    conn: Conn,
    shape: tuple[int, ...] = (3, 3),
    count: int = 3,
    per_leaf: int = 40,
    seed: int = 1,
    small_leaf: int | None = None,
    **policy: Any,
) -> Org:
    """`count` waves released by the real engine; every leaf gets `per_leaf` responses a wave
    (the last leaf only `small_leaf`, if given, so it cannot be published) and leans a little
    more towards agreement every wave, so that trends show."""
    rng = random.Random(seed)
    program_id, first, units = await open_wave_on(conn, shape, **{**GENEROUS, **policy})
    leaves = [u for u in units if u["depth"] == len(shape)]
    await _realistic_units(conn, units, leaves, per_leaf, small_leaf)
    ids: list[int] = []
    wave_id = first
    for seq in range(1, count + 1):
        if seq > 1:
            wave_id = await _next_wave(conn, program_id, seq)
        items = await wave_items(conn, wave_id)
        for index, leaf in enumerate(leaves):
            n = small_leaf if small_leaf is not None and index == len(leaves) - 1 else per_leaf
            lean = -0.6 + 0.35 * seq + 0.15 * (index % 3)
            await add_responses(
                conn, wave_id, leaf["unit_id"],
                [biased_answers(rng, items, lean) for _ in range(n)],
            )  # fmt: skip
        await _close(conn, wave_id, seq)
        await release.release_wave(
            conn, None, wave_id, T0 + CADENCE * (seq - 1) + timedelta(days=3)
        )
        ids.append(wave_id)
    return Org(program_id=program_id, wave_ids=ids, units=units)


async def leader_session(
    conn: Conn, unit: dict[str, Any] | None, role: str = "leader"
) -> tuple[dict[str, Any], str]:
    """A staff account (scoped to `unit`) and a signed-in session id for it."""
    staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
    session_id, _csrf = await make_session(conn, staff)
    return staff, session_id


SAFETY = "openness/psych_safety"


STRESS = "workplace-support/org_stress"


NAMES = {
    "root": "Metro Fire Department",
    "north": "North Battalion",
    "south": "South Battalion",
    "alder": "Station Alder",
    "birch": "Station Birch",
    "cedar": "Station Cedar",
    "dogwood": "Station Dogwood",
}


# Station Birch's values are stored but not published: these strings must appear nowhere.
HIDDEN_MEAN = 4.19


HIDDEN_STRINGS = ("4.19", "3.99", "4.39", "1.87", "1.67", "2.07", "613 (")


ITEM = "openness/ps_rough_time"


ITEM_COUNTS = (11.0, 17.0, 23.0, 41.0, 39.0)


class SmallWorld(msgspec.Struct):
    org: Org
    unit: dict[str, dict[str, Any]]

    def id(self, key: str) -> int:
        unit_id: int = self.unit[key]["unit_id"]
        return unit_id


async def small_world(conn: Conn) -> SmallWorld:
    """Metro Fire Department > North (Alder, Birch) and South (Cedar, Dogwood), two released
    waves with chosen values. Birch is too small: nothing of it is published."""
    org = await stored_waves(conn, (2, 2), count=2)
    root, north, south = org.units[0], org.units[1], org.units[2]
    alder, birch, cedar, dogwood = org.units[3:7]
    unit = {"root": root, "north": north, "south": south, "alder": alder, "birch": birch,
            "cedar": cedar, "dogwood": dogwood}  # fmt: skip
    for key, row in unit.items():
        await conn.execute(
            "UPDATE unit SET name = $2, headcount = $3 WHERE unit_id = $1",
            row["unit_id"], NAMES[key], 200 if key == "root" else 100 if key in
            ("north", "south") else 48,
        )  # fmt: skip
        row["name"] = NAMES[key]
    first, second = org.wave_ids
    # Wave 1: the department and the battalions only.
    await put_rows(conn, first, root["unit_id"], {
        "responses": (118.0, 9.0, True), **scale_values(SAFETY, 3.16), **scale_values(STRESS, 2.74),
    })  # fmt: skip
    for key, mean in (("north", 3.27), ("south", 3.08)):
        await put_rows(conn, first, unit[key]["unit_id"], {
            "responses": (58.0, 8.0, True), **scale_values(SAFETY, mean),
            **scale_values(STRESS, 2.66),
        })  # fmt: skip
    # Wave 2: everyone; Birch unpublished.
    await put_rows(conn, second, root["unit_id"], {
        "responses": (131.0, 9.0, True), **scale_values(SAFETY, 3.47), **scale_values(STRESS, 2.58),
        f"scale:{SAFETY}:trend": (0.31, 0.12, True), f"scale:{STRESS}:trend": (-0.16, 0.2, True),
        f"scale:{SAFETY}:rolling4": (3.32, 0.1, True),
        **{f"item:{ITEM}:{i + 1}": (n, 5.0, True) for i, n in enumerate(ITEM_COUNTS)},
    })  # fmt: skip
    for key, mean, count in (("north", 3.61, 66.0), ("south", 3.33, 65.0),
                             ("alder", 2.83, 40.0), ("cedar", 3.52, 33.0),
                             ("dogwood", 3.14, 32.0)):  # fmt: skip
        await put_rows(conn, second, unit[key]["unit_id"], {
            "responses": (count, 7.0, True), **scale_values(SAFETY, mean),
            **scale_values(STRESS, 2.51),
        })  # fmt: skip
    await put_rows(conn, second, birch["unit_id"], {
        "responses": (26.0, 11.0, False), **scale_values(SAFETY, HIDDEN_MEAN, published=False),
        **scale_values(STRESS, 1.87, published=False),
        **{f"item:{ITEM}:{i + 1}": (613.0, 11.0, False) for i in range(5)},
    })  # fmt: skip
    return SmallWorld(org=org, unit=unit)


# --- links waves: issuance links, and tokens got as a responder's browser gets them ------


class LinksSurvey(msgspec.Struct, frozen=True, kw_only=True):
    survey: Survey
    unit_path: str
    tickets: list[str]


async def links_survey(conn: Conn, count: int = 3, **options: Any) -> LinksSurvey:
    """An open links wave (its key made as it opened) and `count` issuance links for one
    station, made as the coordinator makes them."""
    survey = await make_survey(conn, mode="links", **options)
    path = await conn.fetchval("SELECT path FROM unit WHERE unit_id = $1", survey.unit_id)
    batch = await invitations.create_links(conn, None, survey.wave_id, path, count)
    return LinksSurvey(survey=survey, unit_path=path, tickets=[link.ticket for link in batch.links])


async def public_key(conn: Conn, survey_key: str) -> bytes:
    key = await tokens.fetch_wave_key(conn, survey_key)
    return blind_client.unb64(key.public_key)


async def get_token(pool: Pool, signer: Signer, survey_key: str, ticket: str) -> str:
    """What a responder's browser does with an issuance link: blind, get signed, unblind."""
    async with pool.acquire() as conn:
        der = await public_key(conn, survey_key)
    unit_id = int(ticket.split(".", 1)[0])
    blinded = blind_client.blind(der, blind_client.message_for(survey_key, unit_id))
    issued = await tokens.issue_token(
        pool, signer, survey_key, ticket, blind_client.b64(blinded.blinded_msg)
    )
    signature = blind_client.finalize(der, blinded, blind_client.unb64(issued.blind_sig))
    return blind_client.token(blinded.prepared, signature)


async def count_invitation_inserts(conn: Conn) -> None:
    """Count every INSERT into invitation in a sequence (see invitation_inserts): unlike the
    rows, a rolled-back transaction leaves it advanced, so it tells whether codes were made
    at all."""
    await conn.execute(
        """
        CREATE SEQUENCE invitation_inserts;
        CREATE FUNCTION count_invitation_insert() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM nextval('invitation_inserts'); RETURN NULL; END $$;
        CREATE TRIGGER count_inserts BEFORE INSERT ON invitation
        FOR EACH STATEMENT EXECUTE FUNCTION count_invitation_insert();
        """
    )


async def invitation_inserts(conn: Conn) -> int:
    """INSERT statements into invitation since count_invitation_inserts, committed or not."""
    counted: int = await conn.fetchval(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM invitation_inserts"
    )
    return counted
