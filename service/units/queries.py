"""SQL for the unit tree.

A subtree is the unit at `path` and every unit below it, written as scope.queries.subtree
(an index range, see there).
Lists are in depth-first order: a unit, its subtree, then its next sibling. Plain byte order
puts 'a-b' before 'a/b' ('-' sorts before '/'), so the sort key turns '/' into ' ', which
sorts before every slug character; that is 6x cheaper than sorting string_to_array(path).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import asyncpg

from service.db import Conn
from service.i18n import N_
from service.scope.queries import subtree
from service.units.schemas import Unit

# Any constant works; every instance must use the same one.
TREE_LOCK_KEY = 0x6D75_6E69_7473


def _unit(row: asyncpg.Record) -> Unit:
    return Unit(
        unit_id=row["unit_id"],
        parent_id=row["parent_id"],
        slug=row["slug"],
        name=row["name"],
        headcount=row["headcount"],
        path=row["path"],
        depth=row["depth"],
    )


async def lock_tree(conn: Conn) -> None:
    """Serialise changes to the tree's shape until the transaction ends.

    Two concurrent moves could otherwise each pass the cycle check and together make a cycle,
    and a unit created under a subtree being moved would keep a stale path.
    """
    await conn.execute("SELECT pg_advisory_xact_lock($1)", TREE_LOCK_KEY)


async def fetch_unit(conn: Conn, unit_id: int) -> Unit | None:
    row = await conn.fetchrow(
        """
        SELECT unit_id, parent_id, slug, name, headcount, path, depth FROM unit
        WHERE unit_id = $1
        """,
        unit_id,
    )
    return _unit(row) if row is not None else None


async def fetch_unit_by_path(conn: Conn, path: str) -> Unit | None:
    row = await conn.fetchrow(
        """
        SELECT unit_id, parent_id, slug, name, headcount, path, depth FROM unit
        WHERE path = $1
        """,
        path,
    )
    return _unit(row) if row is not None else None


async def list_units(conn: Conn, under_path: str | None = None) -> list[Unit]:
    """Every unit, or the subtree at `under_path`, in depth-first order."""
    if under_path is None:
        rows = await conn.fetch(
            """
            SELECT unit_id, parent_id, slug, name, headcount, path, depth FROM unit
            ORDER BY replace(path, '/', ' ') COLLATE "C"
            """
        )
    else:
        rows = await conn.fetch(
            f"""
            SELECT unit_id, parent_id, slug, name, headcount, path, depth FROM unit
            WHERE {subtree("path", "$1")}
            ORDER BY replace(path, '/', ' ') COLLATE "C"
            """,  # noqa: S608 - only constant fragments are interpolated
            under_path,
        )
    return [_unit(row) for row in rows]


async def list_units_like(conn: Conn, pattern: str) -> list[Unit]:
    """Units whose path matches the LIKE `pattern`, by path."""
    rows = await conn.fetch(
        """
        SELECT unit_id, parent_id, slug, name, headcount, path, depth FROM unit
        WHERE path LIKE $1
        ORDER BY path
        """,
        pattern,
    )
    return [_unit(row) for row in rows]


async def fetch_longest_path(conn: Conn, path: str) -> int:
    """The length of the longest path in the subtree at `path` (0 when there is none)."""
    longest = await conn.fetchval(
        f"""
        SELECT coalesce(max(length(path)), 0) FROM unit
        WHERE {subtree("path", "$1")}
        """,  # noqa: S608 - only constant fragments are interpolated
        path,
    )
    return int(longest)


async def list_units_by_paths(conn: Conn, paths: Sequence[str]) -> list[Unit]:
    rows = await conn.fetch(
        """
        SELECT unit_id, parent_id, slug, name, headcount, path, depth FROM unit
        WHERE path = ANY($1::text[])
        """,
        paths,
    )
    return [_unit(row) for row in rows]


async def insert_unit(
    conn: Conn,
    *,
    parent_id: int | None,
    slug: str,
    name: str,
    headcount: int,
    path: str,
    depth: int,
) -> Unit:
    row = await conn.fetchrow(
        """
        INSERT INTO unit (parent_id, slug, name, headcount, path, depth)
        VALUES ($1, $2, $3, $4, $5, $6)
        RETURNING unit_id, parent_id, slug, name, headcount, path, depth
        """,
        parent_id,
        slug,
        name,
        headcount,
        path,
        depth,
    )
    assert row is not None  # noqa: S101 (INSERT ... RETURNING always returns the row)
    return _unit(row)


async def update_unit_details(
    conn: Conn, unit_id: int, *, name: str | None, headcount: int | None
) -> Unit | None:
    """Set name and/or headcount; None leaves a field as it is."""
    row = await conn.fetchrow(
        """
        UPDATE unit SET name = coalesce($2, name), headcount = coalesce($3, headcount)
        WHERE unit_id = $1
        RETURNING unit_id, parent_id, slug, name, headcount, path, depth
        """,
        unit_id,
        name,
        headcount,
    )
    return _unit(row) if row is not None else None


async def update_subtree(
    conn: Conn,
    *,
    unit_id: int,
    old_path: str,
    new_path: str,
    parent_id: int | None,
    slug: str,
    depth_delta: int,
) -> int:
    """Give the unit a new parent and/or slug and rewrite its subtree's paths and depths.

    One statement, so no reader ever sees half a subtree moved. Returns the rows changed.
    """
    status = await conn.execute(
        f"""
        UPDATE unit SET
            path = $2 || substr(path, length($1) + 1),
            depth = depth + $5,
            parent_id = CASE WHEN unit_id = $3 THEN $4::bigint ELSE parent_id END,
            slug = CASE WHEN unit_id = $3 THEN $6 ELSE slug END
        WHERE {subtree("path", "$1")}
        """,  # noqa: S608 - only constant fragments are interpolated
        old_path,
        new_path,
        unit_id,
        parent_id,
        depth_delta,
        slug,
    )
    return int(status.split()[-1])


async def delete_unit(conn: Conn, unit_id: int) -> bool:
    status = await conn.execute("DELETE FROM unit WHERE unit_id = $1", unit_id)
    return bool(status == "DELETE 1")


class NewUnitRow(NamedTuple):
    path: str
    slug: str
    name: str
    headcount: int
    depth: int
    parent_path: str | None


async def insert_units(conn: Conn, rows: Sequence[NewUnitRow]) -> int:
    """Insert units whose parents already exist (or roots), finding parent ids by path."""
    if not rows:
        return 0
    status = await conn.execute(
        """
        INSERT INTO unit (parent_id, slug, name, headcount, path, depth)
        SELECT p.unit_id, r.slug, r.name, r.headcount, r.path, r.depth
        FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[])
             AS r(path, slug, name, headcount, depth, parent_path)
        LEFT JOIN unit p ON p.path = r.parent_path
        """,
        [r.path for r in rows],
        [r.slug for r in rows],
        [r.name for r in rows],
        [r.headcount for r in rows],
        [r.depth for r in rows],
        [r.parent_path for r in rows],
    )
    return int(status.split()[-1])


async def update_units_details(conn: Conn, rows: Sequence[tuple[str, str, int]]) -> int:
    """Set (name, headcount) of the units at the given paths: rows of (path, name, headcount)."""
    if not rows:
        return 0
    status = await conn.execute(
        """
        UPDATE unit u SET name = r.name, headcount = r.headcount
        FROM unnest($1::text[], $2::text[], $3::int[]) AS r(path, name, headcount)
        WHERE u.path = r.path
        """,
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
    )
    return int(status.split()[-1])


# --- what keeps a unit from being deleted ----------------------------------------------


class UnitUse(NamedTuple):
    """One reason a unit cannot go. `sql` reads the unit from `t` (t.unit_id, t.path) and
    returns one row (n bigint, examples text[]). It runs only when `table` exists with a
    `column` column, so uses in tables that later migrations add can be listed ahead of time."""

    reason: str
    table: str
    column: str
    sql: str
    counted: bool = True  # False: only whether it holds may be shown, not its count


# The one place to add a new reason. Every table that refers to a unit belongs here.
UNIT_USES: tuple[UnitUse, ...] = (
    UnitUse(
        N_("it has child units (delete or move them first)"),
        "unit",
        "parent_id",
        """
        SELECT count(*), (array_agg(u.slug ORDER BY u.slug))[1:5]
        FROM unit u, t WHERE u.parent_id = t.unit_id
        """,
    ),
    UnitUse(
        N_("it is the root unit of a program (give the program another root first)"),
        "program",
        "root_unit_id",
        """
        SELECT count(*), (array_agg(p.name ORDER BY p.name))[1:5]
        FROM program p, t WHERE p.root_unit_id = t.unit_id
        """,
    ),
    UnitUse(
        N_("staff accounts are scoped to it (give them another unit first)"),
        "staff",
        "unit_id",
        """
        SELECT count(*), (array_agg(s.email ORDER BY s.email))[1:5]
        FROM staff s, t WHERE s.unit_id = t.unit_id
        """,
    ),
    UnitUse(
        N_("it lies in a program whose waves have opened, and their history names it"),
        "wave",
        "program_id",
        f"""
        SELECT count(*), (array_agg(p.name ORDER BY p.name))[1:5]
        FROM t, program p JOIN unit r ON r.unit_id = p.root_unit_id
        WHERE {subtree("t.path", "r.path")}
          AND EXISTS (
              SELECT 1 FROM wave w WHERE w.program_id = p.program_id AND w.status <> 'scheduled'
          )
        """,  # noqa: S608 - only constant fragments are interpolated
    ),
    # Whether a unit has responses is never said on its own, let alone how many: an admin
    # polling this during an open wave would watch answers arrive (DESIGN.md §7). It is
    # one reason with the wave's other traces of the unit, which exist without anyone
    # answering (cards and links from the start, released results for every unit the
    # release covers), and only whether it holds, never a count.
    UnitUse(
        N_("survey waves hold its cards, links, answers or released results"),
        "response",
        "unit_id",
        """
        SELECT (EXISTS (SELECT 1 FROM invitation i, t WHERE i.unit_id = t.unit_id)
                OR EXISTS (SELECT 1 FROM open_link o, t WHERE o.unit_id = t.unit_id)
                OR EXISTS (SELECT 1 FROM response r, t WHERE r.unit_id = t.unit_id)
                OR EXISTS (SELECT 1 FROM release r, t WHERE r.unit_id = t.unit_id))::int,
               '{}'::text[]
        """,
        counted=False,
    ),
)


class UnitUseFound(NamedTuple):
    reason: str
    n: int | None  # None: the use may not be counted in the open
    examples: list[str]


async def list_unit_uses(conn: Conn, unit_id: int, path: str) -> list[UnitUseFound]:
    present = {
        (row["table_name"], row["column_name"])
        for row in await conn.fetch(
            """
            SELECT table_name::text, column_name::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = ANY($1::text[])
            """,
            sorted({use.table for use in UNIT_USES}),
        )
    }
    found: list[UnitUseFound] = []
    for use in UNIT_USES:
        if (use.table, use.column) not in present:
            continue
        row: Any = await conn.fetchrow(
            "WITH t AS (SELECT $1::bigint AS unit_id, $2::text AS path) " + use.sql, unit_id, path
        )
        if row is not None and row[0] > 0:
            n = int(row[0]) if use.counted else None
            found.append(UnitUseFound(use.reason, n, list(row[1] or [])))
    return found
