"""SQL for blind-signed tokens: the wave's signing key, issuance tickets and their units.

Only hashes of tickets pass through here. Nothing about an issuance is written but the
ticket's `spent` flag; no blinded message, signature or time is stored anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from service.db import Conn


class TokenWaveRow(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    status: str
    opens_at: datetime
    closes_at: datetime
    # The mode fixed when the wave opened; None while it is scheduled.
    mode: str | None
    # DER SubjectPublicKeyInfo, made when a links wave opens.
    public_key: bytes | None


class TicketRow(msgspec.Struct, frozen=True, kw_only=True):
    spent: bool
    private_key: bytes | None


class UnitLinksRow(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: int
    path: str
    name: str
    links: int


async def fetch_token_wave(conn: Conn, survey_key: str) -> TokenWaveRow | None:
    row = await conn.fetchrow(
        """
        SELECT wave_id, status, opens_at, closes_at, frozen ->> 'mode' AS mode, public_key
        FROM wave WHERE survey_key = $1
        """,
        survey_key,
    )
    return None if row is None else msgspec.convert(dict(row), type=TokenWaveRow)


async def fetch_public_key(conn: Conn, wave_id: int) -> bytes | None:
    """The wave's public key (DER), or None before the wave has one."""
    value: bytes | None = await conn.fetchval(
        "SELECT public_key FROM wave WHERE wave_id = $1", wave_id
    )
    return value


async def insert_signing_key(
    conn: Conn, wave_id: int, private_key: bytes, public_key: bytes
) -> None:
    await conn.execute(
        "INSERT INTO wave_signing_key (wave_id, private_key) VALUES ($1, $2)", wave_id, private_key
    )
    await conn.execute("UPDATE wave SET public_key = $2 WHERE wave_id = $1", wave_id, public_key)


async def fetch_ticket(conn: Conn, wave_id: int, ticket_hash: bytes) -> TicketRow | None:
    """The ticket, with the wave's private key; None for a ticket the wave does not have."""
    row = await conn.fetchrow(
        """
        SELECT t.spent,
               (SELECT k.private_key FROM wave_signing_key k WHERE k.wave_id = $1) AS private_key
        FROM link_ticket t
        WHERE t.wave_id = $1 AND t.ticket_hash = $2
        """,
        wave_id,
        ticket_hash,
    )
    return None if row is None else msgspec.convert(dict(row), type=TicketRow)


async def update_ticket_spent(conn: Conn, wave_id: int, ticket_hash: bytes) -> str | None:
    """Spend an unspent ticket of an open wave, in one statement.

    Returns "spent" when this statement spent it, "already" when it was spent before,
    "closed" when the wave is no longer open, and None when the ticket is unknown. The wave
    row is locked FOR SHARE, as a submission locks it, so a close waits for this statement.
    """
    row = await conn.fetchrow(
        """
        WITH target AS (
            SELECT w.status FROM wave w WHERE w.wave_id = $1 FOR SHARE OF w
        ),
        spent AS (
            UPDATE link_ticket t SET spent = true
            FROM target
            WHERE t.wave_id = $1 AND t.ticket_hash = $2 AND NOT t.spent
              AND target.status = 'open'
            RETURNING 1
        )
        SELECT (SELECT status FROM target) AS status,
               EXISTS (SELECT 1 FROM spent) AS now,
               EXISTS (SELECT 1 FROM link_ticket t
                       WHERE t.wave_id = $1 AND t.ticket_hash = $2) AS known
        """,
        wave_id,
        ticket_hash,
    )
    if row is None or not row["known"]:
        return None
    if row["now"]:
        return "spent"
    if row["status"] != "open":
        return "closed"
    return "already"


async def insert_tickets(
    conn: Conn, wave_id: int, ticket_hashes: Sequence[bytes], unit_ids: Sequence[int]
) -> int:
    """One row per ticket hash, and the units in link_unit; returns how many tickets."""
    await conn.execute(
        """
        INSERT INTO link_unit (wave_id, unit_id)
        SELECT DISTINCT $1::bigint, u FROM unnest($2::bigint[]) AS u
        ON CONFLICT DO NOTHING
        """,
        wave_id,
        sorted(set(unit_ids)),
    )
    status: str = await conn.execute(
        """
        INSERT INTO link_ticket (ticket_hash, wave_id, unit_id)
        SELECT t.ticket_hash, $2, t.unit_id
        FROM unnest($1::bytea[], $3::bigint[]) AS t (ticket_hash, unit_id)
        """,
        list(ticket_hashes),
        wave_id,
        list(unit_ids),
    )
    return int(status.rsplit(" ", 1)[1])


async def list_unit_links(conn: Conn, wave_id: int) -> list[UnitLinksRow]:
    """Per unit with links in the wave: links made. Not the tokens issued: an open wave's
    issued tokens per unit are close to its exact count of answers."""
    rows = await conn.fetch(
        """
        SELECT u.unit_id, u.path, u.name, count(*)::int AS links
        FROM link_ticket t JOIN unit u ON u.unit_id = t.unit_id
        WHERE t.wave_id = $1
        GROUP BY u.unit_id, u.path, u.name
        ORDER BY u.path
        """,
        wave_id,
    )
    return [msgspec.convert(dict(row), type=UnitLinksRow) for row in rows]
