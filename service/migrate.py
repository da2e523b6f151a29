"""Applies migrations/*.sql in order, each in its own transaction, under an advisory lock.

Each applied file is recorded with its sha256; a start-up that finds an applied file
changed refuses to go on, because the schema would no longer be what the files say.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from service.db import Conn

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
NAME_PATTERN = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")
# Any constant works; it only has to be the same in every instance.
LOCK_KEY = 0x6D75_7374_6572


class MigrationError(Exception):
    """The migrations on disk and in the database disagree."""


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    files = sorted(directory.glob("*.sql"))
    bad = [f.name for f in files if not NAME_PATTERN.match(f.name)]
    if bad:
        raise MigrationError(f"migration names must look like 0001_verb_object.sql: {bad}")
    return [Migration(f.name, f.read_text(encoding="utf-8")) for f in files]


async def _applied(conn: Conn) -> dict[str, str]:
    rows = await conn.fetch("SELECT name, sha256 FROM schema_migration ORDER BY name")
    return {row["name"]: row["sha256"] for row in rows}


def _check_unchanged(migrations: list[Migration], applied: dict[str, str]) -> None:
    on_disk = {m.name: m.sha256 for m in migrations}
    changed = [name for name, digest in applied.items() if on_disk.get(name, digest) != digest]
    if changed:
        raise MigrationError(
            f"applied migrations were changed on disk: {', '.join(changed)}. "
            "Migrations are forward-only: restore the files and add a new migration instead."
        )
    missing = [name for name in applied if name not in on_disk]
    if missing:
        raise MigrationError(
            f"the database has migrations this code does not know: {', '.join(missing)}. "
            "Run a newer version of Muster."
        )


async def migrate(conn: Conn, migrations: list[Migration] | None = None) -> list[str]:
    """Apply what is pending and return the names applied."""
    migrations = load_migrations() if migrations is None else migrations
    await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migration (
                name text PRIMARY KEY,
                sha256 text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        applied = await _applied(conn)
        _check_unchanged(migrations, applied)
        done: list[str] = []
        for migration in migrations:
            if migration.name in applied:
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migration (name, sha256) VALUES ($1, $2)",
                    migration.name,
                    migration.sha256,
                )
            done.append(migration.name)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)


async def pending(conn: Conn) -> list[str]:
    """Names not yet applied; raises MigrationError when applied files changed."""
    migrations = load_migrations()
    exists = await conn.fetchval("SELECT to_regclass('schema_migration') IS NOT NULL")
    applied = await _applied(conn) if exists else {}
    _check_unchanged(migrations, applied)
    return [m.name for m in migrations if m.name not in applied]
