from __future__ import annotations

from pathlib import Path
from typing import Any

from service.instruments import queries
from service.instruments.service import load_instrument_file


async def _insert(conn: Any, path: Path) -> Any:
    loaded = load_instrument_file(path)
    return await queries.insert_instrument(
        conn,
        slug=loaded.instrument.slug,
        version=loaded.version,
        sha256=loaded.sha256,
        title=loaded.instrument.title["en"],
        body=loaded.body,
    )


async def test_inserting_a_stored_version_again_returns_it_and_marks_it_loaded(
    conn: Any, surveys_dir: Path
) -> None:
    first = await _insert(conn, surveys_dir / "openness.toml")
    second = await _insert(conn, surveys_dir / "openness.toml")
    assert second.instrument_id == first.instrument_id
    assert second.loaded_at > first.loaded_at
    assert await conn.fetchval("SELECT count(*) FROM instrument") == 1


async def test_the_body_round_trips_through_jsonb(conn: Any, surveys_dir: Path) -> None:
    path = surveys_dir / "workplace-support.toml"
    row = await _insert(conn, path)
    assert row.instrument == load_instrument_file(path).instrument
    fetched = await queries.fetch_instrument_version(conn, row.slug, row.version)
    assert fetched == row


async def test_the_latest_version_is_the_one_loaded_last(
    conn: Any, surveys_dir: Path, write_instrument: Any
) -> None:
    text = (surveys_dir / "openness.toml").read_text(encoding="utf-8")
    older = await _insert(conn, write_instrument(text, slug="openness"))
    newer = await _insert(
        conn, write_instrument(text.replace("Openness at work", "Openness"), slug="openness")
    )
    other = await _insert(conn, surveys_dir / "workplace-support.toml")
    latest = await queries.fetch_latest_instrument(conn, "openness")
    assert latest is not None
    assert latest.instrument_id == newer.instrument_id != older.instrument_id
    listed = await queries.list_latest_instruments(conn)
    assert [r.instrument_id for r in listed] == [newer.instrument_id, other.instrument_id]
    assert await queries.fetch_latest_instrument(conn, "absent") is None


async def test_listing_by_ids_returns_only_those_ids(conn: Any, surveys_dir: Path) -> None:
    a = await _insert(conn, surveys_dir / "openness.toml")
    await _insert(conn, surveys_dir / "workplace-support.toml")
    rows = await queries.list_instruments_by_ids(conn, [a.instrument_id, -5])
    assert [r.instrument_id for r in rows] == [a.instrument_id]
