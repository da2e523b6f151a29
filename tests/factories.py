"""Rows for tests, written with plain SQL so that each test states only what matters to it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from service.auth.principal import Principal, Role
from service.auth.secrets import (
    hash_api_token,
    hash_session_id,
    new_api_token,
    new_csrf_token,
    new_session_id,
)
from service.db import Conn

_counter = itertools.count(1)
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
