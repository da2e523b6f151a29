"""Start-up warns about PostgreSQL settings that could link a response to a person."""

from __future__ import annotations

from typing import Any

import pytest

from service import db

SAFE = {
    "log_statement": "none",
    "log_min_duration_statement": "-1",
    "log_parameter_max_length": "0",
    "log_parameter_max_length_on_error": "0",
    "log_error_verbosity": "terse",
}


async def _set(conn: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        await conn.execute(f"SET {name} = '{value}'")


async def test_safe_settings_give_no_warning(conn: Any) -> None:
    await _set(conn, SAFE)
    if await conn.fetchval("SHOW track_commit_timestamp") != "off":
        pytest.fail("the test server keeps commit timestamps; turn track_commit_timestamp off")
    assert await db.linkage_warnings(conn) == []


@pytest.mark.parametrize(
    ("name", "value", "fix"),
    [
        ("log_statement", "all", "log_statement = 'none'"),
        ("log_min_duration_statement", "0", "log_min_duration_statement = -1"),
        ("log_parameter_max_length", "-1", "log_parameter_max_length = 0"),
        ("log_parameter_max_length_on_error", "64", "log_parameter_max_length_on_error = 0"),
        ("log_error_verbosity", "default", "log_error_verbosity = terse"),
    ],
)
async def test_each_leaky_setting_is_named_with_the_exact_change(
    conn: Any, name: str, value: str, fix: str
) -> None:
    await _set(conn, {**SAFE, name: value})
    warnings = await db.linkage_warnings(conn)
    assert len(warnings) == 1
    assert name in warnings[0] and fix in warnings[0]


def test_the_embedded_server_is_configured_safely() -> None:
    for name, safe, _ in db.LINKAGE_SETTINGS:
        line = next(line for line in db.EMBEDDED_CONF.splitlines() if line.startswith(name))
        assert line.split("=", 1)[1].strip().strip("'") in safe


def test_docker_compose_configures_postgres_safely() -> None:
    from pathlib import Path

    compose = (Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text()
    for name, safe, _ in db.LINKAGE_SETTINGS:
        assert any(f"{name}={value}" in compose for value in safe), name


async def test_a_role_that_cannot_checkpoint_is_named_with_the_grants_to_make(conn: Any) -> None:
    await _set(conn, SAFE)
    role = f"muster_probe_{await conn.fetchval('SELECT pg_backend_pid()')}"
    await conn.execute(f"CREATE ROLE {role}")
    await conn.execute(f"SET ROLE {role}")
    try:
        warnings = await db.linkage_warnings(conn)
    finally:
        await conn.execute("RESET ROLE")
    assert len(warnings) == 1
    assert f"GRANT pg_checkpoint TO {role}" in warnings[0]
    assert f"GRANT EXECUTE ON FUNCTION pg_switch_wal() TO {role}" in warnings[0]


async def test_a_replication_slot_is_named_as_keeping_wal(conn: Any) -> None:
    await _set(conn, SAFE)
    slot = f"muster_probe_{await conn.fetchval('SELECT pg_backend_pid()')}"
    # Temporary, and reserving no WAL: it goes with this session whatever happens.
    await conn.execute("SELECT pg_create_physical_replication_slot($1, false, true)", slot)
    try:
        warnings = await db.linkage_warnings(conn)
    finally:
        await conn.execute("SELECT pg_drop_replication_slot($1)", slot)
    assert [w for w in warnings if slot in w] == [
        next(w for w in warnings if f"pg_drop_replication_slot('{slot}')" in w)
    ]


def test_the_embedded_server_deletes_wal_instead_of_recycling_it() -> None:
    lines = [line.replace(" ", "") for line in db.EMBEDDED_CONF.splitlines()]
    assert "wal_recycle=off" in lines and "archive_mode=off" in lines and "wal_keep_size=0" in lines


def test_docker_compose_deletes_wal_instead_of_recycling_it() -> None:
    from pathlib import Path

    compose = (Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text()
    for setting in ("wal_recycle=off", "archive_mode=off", "wal_keep_size=0", "min_wal_size="):
        assert setting in compose, setting
