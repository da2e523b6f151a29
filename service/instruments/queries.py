"""SQL for instruments."""

from __future__ import annotations

from typing import Any

import msgspec

from service.db import Conn
from service.instruments.schemas import Instrument, InstrumentRow


def _row(record: Any) -> InstrumentRow:
    body = record["body"]
    if isinstance(body, str):  # a connection without the json codec
        body = msgspec.json.decode(body)
    return InstrumentRow(
        instrument_id=record["instrument_id"],
        slug=record["slug"],
        version=record["version"],
        sha256=record["sha256"],
        title=record["title"],
        loaded_at=record["loaded_at"],
        instrument=msgspec.convert(body, type=Instrument),
    )


async def insert_instrument(
    conn: Conn, *, slug: str, version: str, sha256: str, title: str, body: dict[str, Any]
) -> InstrumentRow:
    """Store a version; when it is stored already, only mark it as loaded now."""
    # clock_timestamp(), not now(): two loads in one transaction must still be ordered.
    record = await conn.fetchrow(
        """
        INSERT INTO instrument (slug, version, sha256, title, body, loaded_at)
        VALUES ($1, $2, $3, $4, $5, clock_timestamp())
        ON CONFLICT (slug, sha256) DO UPDATE SET loaded_at = clock_timestamp()
        RETURNING instrument_id, slug, version, sha256, title, loaded_at, body
        """,
        slug,
        version,
        sha256,
        title,
        body,
    )
    if record is None:  # INSERT ... ON CONFLICT DO UPDATE ... RETURNING always returns a row
        raise RuntimeError("the instrument row was not returned")
    return _row(record)


async def list_latest_instruments(conn: Conn) -> list[InstrumentRow]:
    records = await conn.fetch(
        """
        SELECT DISTINCT ON (slug) instrument_id, slug, version, sha256, title, loaded_at, body
        FROM instrument
        ORDER BY slug, loaded_at DESC, instrument_id DESC
        """
    )
    return [_row(r) for r in records]


async def fetch_latest_instrument(conn: Conn, slug: str) -> InstrumentRow | None:
    record = await conn.fetchrow(
        """
        SELECT instrument_id, slug, version, sha256, title, loaded_at, body
        FROM instrument
        WHERE slug = $1
        ORDER BY loaded_at DESC, instrument_id DESC
        LIMIT 1
        """,
        slug,
    )
    return None if record is None else _row(record)


async def fetch_instrument_version(conn: Conn, slug: str, version: str) -> InstrumentRow | None:
    record = await conn.fetchrow(
        """
        SELECT instrument_id, slug, version, sha256, title, loaded_at, body
        FROM instrument
        WHERE slug = $1 AND version = $2
        ORDER BY loaded_at DESC, instrument_id DESC
        LIMIT 1
        """,
        slug,
        version,
    )
    return None if record is None else _row(record)


async def list_instruments_by_ids(conn: Conn, ids: list[int]) -> list[InstrumentRow]:
    records = await conn.fetch(
        """
        SELECT instrument_id, slug, version, sha256, title, loaded_at, body
        FROM instrument
        WHERE instrument_id = ANY($1::bigint[])
        """,
        ids,
    )
    return [_row(r) for r in records]
