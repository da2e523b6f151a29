"""Unit rules: the tree's shape, who sees which part of it, and bulk import from CSV.

Every change to the tree's shape takes one transaction-scoped advisory lock first
(queries.lock_tree), so checks such as "not below itself" and "no sibling with this slug"
stay true until the change commits, whatever other instances do meanwhile.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any, NamedTuple

import asyncpg

from service.audit.service import insert_audit
from service.auth.principal import Principal
from service.db import Conn
from service.errors import (
    DuplicateUnit,
    FieldError,
    InvalidCsv,
    InvalidInput,
    UnitCycle,
    UnitInUse,
    UnitNotFound,
)
from service.i18n import gettext, ngettext
from service.scope.queries import UnitRef
from service.scope.rules import in_subtree, is_slug, visible_root
from service.scope.service import (
    MAX_PATH_LENGTH,
    resolve_unit,
    resolve_unit_id,
    short,
    unit_id_not_found,
)
from service.units import queries
from service.units.schemas import (
    MAX_HEADCOUNT,
    ImportReport,
    Unit,
    UnitCreate,
    UnitUpdate,
    clean_name,
)

MAX_IMPORT_ROWS = 20_000
# Past this many, the problem document says how many more there are instead of listing them.
MAX_LISTED_ERRORS = 100
CSV_COLUMNS = ("path", "name", "headcount")
WHOLE_NUMBER = re.compile(r"[0-9]{1,7}")


# --- finding units: the one resolver and the visibility rules live in service.scope ------


async def _full(conn: Conn, ref: UnitRef) -> Unit:
    unit = await queries.fetch_unit(conn, ref.unit_id)
    if unit is None:  # deleted since it was resolved: only under another transaction's lock
        raise UnitNotFound(unit_id_not_found(ref.unit_id))
    return unit


async def fetch_unit_by_ref(conn: Conn, ref: str | int, viewer: Principal | None = None) -> Unit:
    """The unit named by `ref` (see scope.service.resolve_unit), if `viewer` may see it."""
    return await _full(conn, await resolve_unit(conn, viewer, ref))


async def fetch_unit(conn: Conn, viewer: Principal | None, unit_id: int) -> Unit:
    """One unit by id, if `viewer` may see it; otherwise the same 404 as an unknown id."""
    return await _full(conn, await resolve_unit_id(conn, viewer, unit_id))


async def list_units(conn: Conn, viewer: Principal | None, under: str | None = None) -> list[Unit]:
    """The subtree under `under` (default: all `viewer` may see), depth-first by path."""
    if under is None:
        return await queries.list_units(conn, visible_root(viewer))
    unit = await fetch_unit_by_ref(conn, under, viewer)
    return await queries.list_units(conn, unit.path)


# --- changing the tree ----------------------------------------------------------------


def _child_path(parent: Unit | None, slug: str) -> str:
    return f"{parent.path}/{slug}" if parent is not None else slug


def _check_path_length(longest: int, field: str) -> None:
    if longest > MAX_PATH_LENGTH:
        raise InvalidInput(
            gettext(
                "Paths would grow to %(longest)s characters; the limit is %(limit)s. "
                "Use shorter slugs or a shallower tree.",
                longest=longest,
                limit=MAX_PATH_LENGTH,
            ),
            errors=[FieldError(field=field, message=gettext("makes a path too long"))],
        )


async def _check_free(conn: Conn, path: str, parent: Unit | None) -> None:
    taken = await queries.fetch_unit_by_path(conn, path)
    if taken is not None:
        values = {"slug": taken.slug, "id": taken.unit_id}
        raise DuplicateUnit(
            gettext(
                "A unit with the slug '%(slug)s' already exists under '%(parent)s' (id %(id)s). "
                "Choose another slug, or change that unit instead.",
                parent=parent.path,
                **values,
            )
            if parent is not None
            else gettext(
                "A unit with the slug '%(slug)s' already exists among the roots (id %(id)s). "
                "Choose another slug, or change that unit instead.",
                **values,
            )
        )


async def create_unit(conn: Conn, actor: Principal | None, data: UnitCreate) -> Unit:
    """A new unit under `data.parent` (by id or reference), or a new root when that is None."""
    async with conn.transaction():
        await queries.lock_tree(conn)
        parent = (
            await fetch_unit_by_ref(conn, data.parent, actor) if data.parent is not None else None
        )
        path = _child_path(parent, data.slug)
        _check_path_length(len(path), "slug")
        await _check_free(conn, path, parent)
        unit = await queries.insert_unit(
            conn,
            parent_id=parent.unit_id if parent is not None else None,
            slug=data.slug,
            name=data.name,
            headcount=data.headcount,
            path=path,
            depth=parent.depth + 1 if parent is not None else 0,
        )
        await insert_audit(conn, actor, "create.unit", {"unit_id": unit.unit_id, "path": path})
    return unit


async def _longest_after(conn: Conn, unit: Unit, new_path: str) -> int:
    return await queries.fetch_longest_path(conn, unit.path) - len(unit.path) + len(new_path)


async def rename_unit(conn: Conn, actor: Principal | None, unit_id: int, data: UnitUpdate) -> Unit:
    """Change name, headcount and/or slug; a new slug rewrites the paths of the whole subtree."""
    async with conn.transaction():
        await queries.lock_tree(conn)
        unit = await fetch_unit(conn, actor, unit_id)
        changes: dict[str, Any] = {}
        if data.slug is not None and data.slug != unit.slug:
            new_path = unit.path[: len(unit.path) - len(unit.slug)] + data.slug
            _check_path_length(await _longest_after(conn, unit, new_path), "slug")
            parent = await queries.fetch_unit(conn, unit.parent_id) if unit.parent_id else None
            await _check_free(conn, new_path, parent)
            await queries.update_subtree(
                conn,
                unit_id=unit.unit_id,
                old_path=unit.path,
                new_path=new_path,
                parent_id=unit.parent_id,
                slug=data.slug,
                depth_delta=0,
            )
            changes["path"] = [unit.path, new_path]
        if data.name is not None and data.name != unit.name:
            changes["name"] = [unit.name, data.name]
        if data.headcount is not None and data.headcount != unit.headcount:
            changes["headcount"] = [unit.headcount, data.headcount]
        updated = await queries.update_unit_details(
            conn, unit_id, name=data.name, headcount=data.headcount
        )
        assert updated is not None  # noqa: S101 (locked above; units are deleted only under the lock)
        if changes:
            await insert_audit(conn, actor, "update.unit", {"unit_id": unit_id, "changes": changes})
    return updated


async def move_unit(
    conn: Conn, actor: Principal | None, unit_id: int, new_parent_ref: str | int | None
) -> Unit:
    """Put the unit (and its subtree) under another parent. The tree has one root: None
    (no parent) is refused for any unit but the root itself, which stays where it is."""
    async with conn.transaction():
        await queries.lock_tree(conn)
        unit = await fetch_unit(conn, actor, unit_id)
        if new_parent_ref is None and unit.parent_id is not None:
            raise InvalidInput(
                gettext(
                    "The organisation has one root; a unit cannot become a second one. Give "
                    "`parent`: the id, path or slug of the unit to move it under."
                ),
                errors=[
                    FieldError(field="parent", message=gettext("required: the new parent unit"))
                ],
            )
        parent = (
            await fetch_unit_by_ref(conn, new_parent_ref, actor)
            if new_parent_ref is not None
            else None
        )
        if parent is not None:
            if in_subtree(parent.path, unit.path):
                raise UnitCycle(
                    gettext(
                        "'%(parent)s' is '%(unit)s' itself or lies below it, so the unit "
                        "cannot move there. Choose a parent outside its subtree.",
                        parent=parent.path,
                        unit=unit.path,
                    )
                )
        new_parent_id = parent.unit_id if parent is not None else None
        if new_parent_id == unit.parent_id:
            return unit
        new_path = _child_path(parent, unit.slug)
        _check_path_length(await _longest_after(conn, unit, new_path), "parent")
        await _check_free(conn, new_path, parent)
        count = await queries.update_subtree(
            conn,
            unit_id=unit.unit_id,
            old_path=unit.path,
            new_path=new_path,
            parent_id=new_parent_id,
            slug=unit.slug,
            depth_delta=(parent.depth + 1 if parent is not None else 0) - unit.depth,
        )
        await insert_audit(
            conn,
            actor,
            "move.unit",
            {"unit_id": unit_id, "from": unit.path, "to": new_path, "units": count},
        )
        moved = await queries.fetch_unit(conn, unit_id)
        assert moved is not None  # noqa: S101 (locked above)
    return moved


async def delete_unit(conn: Conn, actor: Principal | None, unit_id: int) -> None:
    """Delete a unit that nothing depends on; otherwise UnitInUse lists every reason."""
    async with conn.transaction():
        await queries.lock_tree(conn)
        unit = await fetch_unit(conn, actor, unit_id)
        uses = await queries.list_unit_uses(conn, unit.unit_id, unit.path)
        if uses:
            reasons = [_describe(use) for use in uses]
            raise UnitInUse(
                gettext(
                    "'%(path)s' cannot be deleted: %(reasons)s.",
                    path=unit.path,
                    reasons="; ".join(reasons),
                ),
                reasons=[
                    {"reason": gettext(use.reason), "examples": use.examples}
                    | ({"count": use.n} if use.n is not None else {})
                    for use in uses
                ],
            )
        try:
            async with conn.transaction():
                await queries.delete_unit(conn, unit_id)
        except asyncpg.ForeignKeyViolationError as exc:
            # A table that refers to units but is not yet listed in queries.UNIT_USES.
            raise UnitInUse(
                gettext(
                    "'%(path)s' cannot be deleted: rows in `%(table)s` still refer to it.",
                    path=unit.path,
                    table=exc.table_name,
                )
            ) from None
        await insert_audit(conn, actor, "delete.unit", {"unit_id": unit_id, "path": unit.path})


def _describe(use: queries.UnitUseFound) -> str:
    reason = gettext(use.reason)
    if use.n is None:
        return reason
    if not use.examples:
        return gettext("%(reason)s (%(count)s)", reason=reason, count=use.n)
    more = use.n - len(use.examples)
    examples = ", ".join(use.examples)
    if more:
        return gettext(
            "%(reason)s: %(examples)s and %(more)s more",
            reason=reason,
            examples=examples,
            more=more,
        )
    return gettext("%(reason)s: %(examples)s", reason=reason, examples=examples)


# --- CSV import -----------------------------------------------------------------------


class _Row(NamedTuple):
    line: int
    path: str
    name: str
    headcount: int

    @property
    def depth(self) -> int:
        return self.path.count("/")

    @property
    def parent_path(self) -> str | None:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else None


def _invalid_csv(errors: list[FieldError]) -> InvalidCsv:
    listed = errors[:MAX_LISTED_ERRORS]
    if len(errors) > len(listed):
        more = len(errors) - len(listed)
        listed.append(
            FieldError(
                field="file", message=gettext("and %(more)s more errors not listed", more=more)
            )
        )
    return InvalidCsv(
        ngettext(
            "Nothing was imported: the file has %(num)s problem. Fix the lines listed under "
            "`errors` and import the whole file again.",
            "Nothing was imported: the file has %(num)s problems. Fix the lines listed under "
            "`errors` and import the whole file again.",
            len(errors),
        ),
        errors=listed,
    )


def _check_header(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    problems = []
    missing = [c for c in CSV_COLUMNS if c not in names]
    if missing:
        problems.append(gettext("missing %(columns)s", columns=", ".join(missing)))
    unknown = [n for n in names if n not in CSV_COLUMNS]
    if unknown:
        problems.append(gettext("unknown %(columns)s", columns=", ".join(map(repr, unknown))))
    doubled = sorted({n for n in names if n in CSV_COLUMNS and names.count(n) > 1})
    if doubled:
        problems.append(gettext("repeated %(columns)s", columns=", ".join(doubled)))
    if problems:
        raise _invalid_csv(
            [
                FieldError(
                    field="line 1: header",
                    message=gettext(
                        "%(problems)s; the first line must be path,name,headcount",
                        problems="; ".join(problems),
                    ),
                )
            ]
        )
    return {name: names.index(name) for name in CSV_COLUMNS}


def _check_path(path: str) -> str | None:
    if not path:
        return gettext("is empty; give the slugs from the root down, e.g. 'county-fire/station-7'")
    for segment in path.split("/"):
        if not is_slug(segment):
            return gettext(
                "'%(segment)s' is not a valid slug: use 1–64 lowercase letters, digits and "
                "'-', not starting or ending with '-'",
                segment=short(segment),
            )
    if len(path) > MAX_PATH_LENGTH:
        return gettext("is longer than %(limit)s characters", limit=MAX_PATH_LENGTH)
    return None


def _parse_csv(text: str) -> list[_Row]:
    """Every row, checked on its own; raises InvalidCsv listing every bad line and field."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise _invalid_csv(
            [
                FieldError(
                    field="file",
                    message=gettext("is empty; the first line must be path,name,headcount"),
                )
            ]
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[FieldError] = []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    columns: dict[str, int] | None = None
    count = 0
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if columns is None:
                columns = _check_header(record)
                continue
            count += 1
            if count > MAX_IMPORT_ROWS:
                raise _invalid_csv(
                    [
                        FieldError(
                            field="file",
                            message=gettext(
                                "has more than %(max)s rows; split it into several files, "
                                "parents first",
                                max=f"{MAX_IMPORT_ROWS:,}",
                            ),
                        )
                    ]
                )
            if len(record) != len(columns):
                errors.append(
                    FieldError(
                        field=f"line {start}",
                        message=gettext(
                            "has %(count)s values; expected %(expected)s (path,name,headcount)",
                            count=len(record),
                            expected=len(columns),
                        ),
                    )
                )
                continue
            row = _parse_row(start, {c: record[i] for c, i in columns.items()}, errors)
            if row is None:
                continue
            if row.path in seen:
                errors.append(
                    FieldError(
                        field=f"line {start}: path",
                        message=gettext(
                            "'%(path)s' also appears on line %(line)s; give each unit once",
                            path=short(row.path),
                            line=seen[row.path],
                        ),
                    )
                )
                continue
            seen[row.path] = start
            rows.append(row)
    except csv.Error as exc:
        message = gettext("cannot be read as CSV: %(error)s", error=exc)
        errors.append(FieldError(field=f"line {line}", message=message))
    if columns is None:
        message = gettext("has no header line path,name,headcount")
        errors.append(FieldError(field="file", message=message))
    elif count == 0 and not errors:
        errors.append(FieldError(field="file", message=gettext("has a header but no units")))
    if errors:
        raise _invalid_csv(errors)
    return rows


def _parse_row(line: int, values: dict[str, str], errors: list[FieldError]) -> _Row | None:
    ok = True
    path = values["path"].strip()
    problem = _check_path(path)
    if problem is not None:
        errors.append(FieldError(field=f"line {line}: path", message=problem))
        ok = False
    name = ""
    try:
        name = clean_name(values["name"])
    except ValueError:
        errors.append(
            FieldError(
                field=f"line {line}: name",
                message=gettext("give 1–200 characters, no control characters"),
            )
        )
        ok = False
    raw = values["headcount"].strip()
    headcount = int(raw) if WHOLE_NUMBER.fullmatch(raw) else -1
    if not 0 <= headcount <= MAX_HEADCOUNT:
        errors.append(
            FieldError(
                field=f"line {line}: headcount",
                message=gettext(
                    "'%(value)s' is not a whole number from 0 to %(max)s",
                    value=short(raw),
                    max=f"{MAX_HEADCOUNT:,}",
                ),
            )
        )
        ok = False
    return _Row(line, path, name, headcount) if ok else None


async def import_units_csv(
    conn: Conn, actor: Principal | None, text: str, *, dry_run: bool = False
) -> ImportReport:
    """Create or update the units of a `path,name,headcount` CSV, all or nothing.

    Parents may come after their children in the file. Units already in the tree are
    matched by path and get the file's name and headcount; nothing is moved or deleted.
    With dry_run, the report says what would happen and nothing is written.
    """
    rows = _parse_csv(text)
    async with conn.transaction():
        if not dry_run:
            await queries.lock_tree(conn)
        in_file = {row.path for row in rows}
        parents = {row.parent_path for row in rows if row.parent_path is not None}
        existing = {
            unit.path: unit
            for unit in await queries.list_units_by_paths(conn, sorted(in_file | parents))
        }
        errors = [
            FieldError(
                field=f"line {row.line}: path",
                message=gettext(
                    "its parent '%(parent)s' is neither in the file nor in the tree; add a row "
                    "for it",
                    parent=short(row.parent_path),
                ),
            )
            for row in rows
            if row.parent_path is not None
            and row.parent_path not in in_file
            and row.parent_path not in existing
        ]
        if errors:
            raise _invalid_csv(errors)
        created = [row for row in rows if row.path not in existing]
        updated = [
            row
            for row in rows
            if row.path in existing
            and (existing[row.path].name, existing[row.path].headcount) != (row.name, row.headcount)
        ]
        updated_paths = {row.path for row in updated}
        report = ImportReport(
            dry_run=dry_run,
            rows=len(rows),
            created=[row.path for row in created],
            updated=[row.path for row in updated],
            unchanged=[
                row.path for row in rows if row.path in existing and row.path not in updated_paths
            ],
        )
        if dry_run or not (created or updated):
            return report
        # Parents before children: one statement per level of the tree.
        for depth in sorted({row.depth for row in created}):
            await queries.insert_units(
                conn,
                [
                    queries.NewUnitRow(
                        path=row.path,
                        slug=row.path.rsplit("/", 1)[-1],
                        name=row.name,
                        headcount=row.headcount,
                        depth=depth,
                        parent_path=row.parent_path,
                    )
                    for row in created
                    if row.depth == depth
                ],
            )
        await queries.update_units_details(
            conn, [(row.path, row.name, row.headcount) for row in updated]
        )
        await insert_audit(
            conn,
            actor,
            "import.units",
            {"created": len(created), "updated": len(updated), "unchanged": len(report.unchanged)},
        )
    return report
