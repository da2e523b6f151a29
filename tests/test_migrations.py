"""The migrations build the schema the design asks for, and the runner guards them."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from service import migrate
from service.migrate import Migration, MigrationError, load_migrations

# DESIGN.md §4: nothing on a response-side table may hold a time, an address, a sequence
# or an identity value.
RESPONSE_SIDE_PREFIXES = ("response", "spent", "invitation")
FORBIDDEN_TYPES = {
    "timestamp with time zone",
    "timestamp without time zone",
    "date",
    "inet",
    "cidr",
}


async def _columns(conn: asyncpg.Connection[Any]) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT table_name, column_name, data_type, column_default, is_identity
        FROM information_schema.columns
        WHERE table_schema = 'public'
        ORDER BY table_name, ordinal_position
        """
    )


def test_migration_files_are_named_in_order_and_numbered_without_gaps() -> None:
    names = [m.name for m in load_migrations()]
    assert names == sorted(names)
    numbers = [int(name[:4]) for name in names]
    assert numbers == list(range(1, len(numbers) + 1))


async def test_response_side_tables_hold_no_time_address_or_sequence(conn: Any) -> None:
    offending = [
        (row["table_name"], row["column_name"])
        for row in await _columns(conn)
        if row["table_name"].startswith(RESPONSE_SIDE_PREFIXES)
        and (
            row["data_type"] in FORBIDDEN_TYPES
            or row["is_identity"] == "YES"
            or "nextval" in (row["column_default"] or "")
            or any(word in row["column_name"] for word in ("_at", "ip", "agent", "seq", "time"))
        )
    ]
    assert offending == []


async def test_staff_side_timestamps_are_timestamptz(conn: Any) -> None:
    wrong = [
        (row["table_name"], row["column_name"])
        for row in await _columns(conn)
        if row["column_name"].endswith("_at") and row["data_type"] != "timestamp with time zone"
    ]
    assert wrong == []


async def test_every_applied_migration_is_recorded_with_its_checksum(conn: Any) -> None:
    rows = await conn.fetch("SELECT name, sha256 FROM schema_migration ORDER BY name")
    assert [(r["name"], r["sha256"]) for r in rows] == [
        (m.name, m.sha256) for m in load_migrations()
    ]


async def test_running_the_migrations_again_applies_nothing(conn: Any) -> None:
    assert await migrate.migrate(conn) == []
    assert await migrate.pending(conn) == []


async def test_an_applied_migration_that_changed_on_disk_stops_start_up(conn: Any) -> None:
    migrations = load_migrations()
    changed = [Migration(migrations[0].name, migrations[0].sql + "\n-- edited"), *migrations[1:]]
    with pytest.raises(MigrationError, match=migrations[0].name):
        await migrate.migrate(conn, changed)


async def test_a_database_newer_than_the_code_stops_start_up(conn: Any) -> None:
    with pytest.raises(MigrationError, match="does not know"):
        await migrate.migrate(conn, load_migrations()[:-1])


async def test_two_instances_migrating_at_once_apply_each_file_once(
    server_url: str, database_url: str
) -> None:
    del server_url
    # The template is already migrated; start from an empty schema to race two runners.
    setup = await asyncpg.connect(database_url)
    await setup.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    await setup.close()
    first = await asyncpg.connect(database_url)
    second = await asyncpg.connect(database_url)
    try:
        applied = await asyncio.gather(migrate.migrate(first), migrate.migrate(second))
        assert sorted(applied[0] + applied[1]) == [m.name for m in load_migrations()]
        recorded = await first.fetchval("SELECT count(*) FROM schema_migration")
        assert recorded == len(applied[0]) + len(applied[1])
    finally:
        await first.close()
        await second.close()


async def test_answers_become_bytes_with_every_answer_the_release_counts(
    server_url: str, database_url: str
) -> None:
    """Migration 0012 on rows stored as smallint[] before it: in a partition made with
    its wave and in a shuffled copy attached at close (which holds its own checks)."""
    del server_url
    migrations = load_migrations()
    before = [m for m in migrations if m.name < "0012_answers_bytes"]
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await migrate.migrate(conn, before)
        await conn.execute(
            """
            CREATE TABLE response_w901 (LIKE response INCLUDING ALL);
            ALTER TABLE response ATTACH PARTITION response_w901 FOR VALUES IN (901);
            CREATE TABLE response_w902 (LIKE response INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                                        CHECK (wave_id = 902));
            ALTER TABLE response ATTACH PARTITION response_w902 FOR VALUES IN (902);
            INSERT INTO response (wave_id, unit_id, answers) VALUES
                (901, 1, '{1,2,0,5}'), (902, 2, '{300,0,3}'), (902, 3, '{4}');
            """
        )
        await migrate.migrate(conn, migrations)
        rows = await conn.fetch("SELECT unit_id, answers FROM response ORDER BY unit_id")
        assert [(r["unit_id"], r["answers"]) for r in rows] == [
            (1, b"\x01\x02\x00\x05"),
            (2, b"\xff\x00\x03"),  # above 255: the highest byte, clamped again by the release
            (3, b"\x04"),
        ]
        for relation in ("response", "response_w901", "response_w902"):
            with pytest.raises(asyncpg.CheckViolationError, match="response_answers_in_range"):
                await conn.execute(
                    f"INSERT INTO {relation} (wave_id, unit_id, answers) VALUES ($1, 1, '')",
                    int(relation[-3:]) if relation != "response" else 901,
                )
    finally:
        await conn.close()
