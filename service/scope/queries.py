"""SQL for scope: the one spelling of "in the subtree of", and the unit lookups a
reference needs.

A subtree is the unit at `root` and every unit whose path starts with `root || '/'`. Slugs
allow only [a-z0-9-], so that prefix needs no escaping; it is written as the equivalent
range `path ~>=~ root || '/' AND path ~<~ root || '0'` ('0' is the character after '/')
because the text_pattern_ops index serves that range even in a generic (parameterised)
plan, where LIKE or starts_with with a parameter prefix fall back to a scan.
"""

from __future__ import annotations

import msgspec

from service.db import Conn


def subtree(path: str, root: str) -> str:
    """The SQL condition "`path` is `root` or below it", for two SQL expressions (a column,
    a `$n` parameter or a `text` expression). Only ever called with literals from our code."""
    return f"({path} = {root} OR ({path} ~>=~ ({root} || '/') AND {path} ~<~ ({root} || '0')))"


def program_in_scope(root: str, scope: str) -> str:
    """The SQL condition "a program rooted at `root` is visible from `scope`" (rules.sees_program):
    `scope` is NULL (the whole tree), or the root lies in the scope's subtree or above it."""
    return f"({scope}::text IS NULL OR {subtree(root, scope)} OR {subtree(scope, root)})"


class UnitRef(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: int
    path: str


# $2 is the viewer's scope path, NULL for the whole tree.
_IN_SCOPE = f"($2::text IS NULL OR {subtree('path', '$2')})"


async def _fetch_ref(
    conn: Conn, condition: str, value: object, scope: str | None
) -> UnitRef | None:
    row = await conn.fetchrow(
        f"SELECT unit_id, path FROM unit WHERE {condition} AND {_IN_SCOPE}",  # noqa: S608
        value,
        scope,
    )
    return None if row is None else UnitRef(unit_id=row["unit_id"], path=row["path"])


async def fetch_unit_ref_by_id(conn: Conn, unit_id: int, scope: str | None) -> UnitRef | None:
    return await _fetch_ref(conn, "unit_id = $1", unit_id, scope)


async def fetch_unit_ref_by_path(conn: Conn, path: str, scope: str | None) -> UnitRef | None:
    return await _fetch_ref(conn, "path = $1", path, scope)


async def list_unit_refs_by_slug(
    conn: Conn, slug: str, scope: str | None, limit: int = 2
) -> list[UnitRef]:
    rows = await conn.fetch(
        f"""
        SELECT unit_id, path FROM unit WHERE slug = $1 AND {_IN_SCOPE}
        ORDER BY path LIMIT $3
        """,  # noqa: S608
        slug,
        scope,
        limit,
    )
    return [UnitRef(unit_id=row["unit_id"], path=row["path"]) for row in rows]
