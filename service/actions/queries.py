"""SQL for actions: plain statements over the `action` table."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from service.actions.schemas import Action
from service.db import Conn

_COLUMNS = (
    "action_id, unit_id, program_id, title, description, started_on, scales, owner, "
    "created_at, updated_at"
)


def _action(row: asyncpg.Record) -> Action:
    return Action(**{k: row[k] for k in row.keys()})


async def fetch_action(conn: Conn, action_id: int, *, for_update: bool = False) -> Action | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM action WHERE action_id = $1{lock}",  # noqa: S608
        action_id,
    )
    return None if row is None else _action(row)


async def list_actions(conn: Conn, unit_id: int, program_id: int | None = None) -> list[Action]:
    """A unit's actions (of one program, or all), oldest start first."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM action
        WHERE unit_id = $1 AND ($2::bigint IS NULL OR program_id = $2)
        ORDER BY started_on, action_id
        """,  # noqa: S608
        unit_id,
        program_id,
    )
    return [_action(r) for r in rows]


async def insert_action(
    conn: Conn,
    *,
    unit_id: int,
    program_id: int,
    title: str,
    description: str,
    started_on: date,
    scales: list[str],
    owner: str | None,
    created_by: int | None,
) -> Action:
    rows = await conn.fetch(
        f"""
        INSERT INTO action (unit_id, program_id, title, description, started_on, scales,
                            owner, created_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING {_COLUMNS}
        """,  # noqa: S608
        unit_id, program_id, title, description, started_on, scales, owner, created_by,
    )  # fmt: skip
    return _action(rows[0])


async def update_action(conn: Conn, action_id: int, fields: dict[str, Any]) -> Action:
    """Set `fields` (column names from ActionUpdate, never from input) and stamp the change."""
    names = list(fields)
    sets = [f"{name} = ${i}" for i, name in enumerate(names, start=2)]
    rows = await conn.fetch(
        f"UPDATE action SET {', '.join([*sets, 'updated_at = now()'])} "  # noqa: S608
        "WHERE action_id = $1 "
        f"RETURNING {_COLUMNS}",
        action_id,
        *[fields[n] for n in names],
    )
    return _action(rows[0])


async def delete_action(conn: Conn, action_id: int) -> None:
    await conn.execute("DELETE FROM action WHERE action_id = $1", action_id)
