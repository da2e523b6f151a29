"""Helpers for program and wave tests: instrument rows in plain SQL, programs through the
service with a controllable clock, and the audit trail read back.

tests/waves imports these from here (`from tests.programs.conftest import ...`).
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime
from typing import Any

import msgspec

from service.config import Settings
from service.db import Conn
from service.instruments.service import load_instrument_file
from service.programs import service as programs
from service.programs.schemas import Program, ProgramCreate

_counter = itertools.count(1)
_SHIPPED_BODY = load_instrument_file(Settings().surveys_path / "openness.toml").body
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
