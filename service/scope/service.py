"""The one unit resolver: which unit a reference names, as the viewer may see it.

A reference is a numeric id, a full path, or a slug unique in the tree, tried in that
order. Only units in the viewer's subtree are considered, so a unit outside it answers
exactly like a unit that does not exist, and a slug is unique or ambiguous among the
units the viewer may see.
"""

from __future__ import annotations

from service.db import MAX_ID, Conn
from service.errors import ProgramNotFound, UnitNotFound
from service.i18n import N_, gettext
from service.scope import queries
from service.scope.queries import UnitRef
from service.scope.rules import Viewer, is_slug, visible_root

# A path is stored in a btree index, whose entries must stay well under 2,700 bytes.
MAX_PATH_LENGTH = 1000
LIST_HINT = N_("Run `muster units list` or GET /api/v1/units to see the paths.")


def program_not_found(program_id: int) -> ProgramNotFound:
    """The answer for a program that does not exist or lies outside the viewer's scope: the
    same for both (check with rules.sees_program)."""
    return ProgramNotFound(
        gettext("There is no program %(id)s. List programs to find its id.", id=program_id)
    )


def unit_id_not_found(unit_id: int) -> str:
    return f"{gettext('No unit has the id %(id)s.', id=unit_id)} {gettext(LIST_HINT)}"


def short(ref: str) -> str:
    return ref if len(ref) <= 80 else ref[:77] + "..."


async def resolve_unit_id(conn: Conn, viewer: Viewer | None, unit_id: int) -> UnitRef:
    """The unit with this id, if the viewer may see it."""
    scope = visible_root(viewer)
    unit = (
        await queries.fetch_unit_ref_by_id(conn, unit_id, scope) if 0 < unit_id <= MAX_ID else None
    )
    if unit is None:
        raise UnitNotFound(unit_id_not_found(unit_id))
    return unit


async def resolve_unit(conn: Conn, viewer: Viewer | None, ref: str | int) -> UnitRef:
    """The unit named by `ref`: a numeric id, a full path, or a slug unique in the tree.

    Tried in this order: a ref of digits only as an id; then as a full path (a root's path is
    its slug); then as a slug, which must belong to exactly one unit.
    """
    if isinstance(ref, int):
        return await resolve_unit_id(conn, viewer, ref)
    scope = visible_root(viewer)
    cleaned = ref.strip().strip("/")
    if not cleaned:
        raise UnitNotFound(
            "Name a unit by its id, its full path (e.g. 'county-fire/battalion-1') or its slug."
        )
    if cleaned.isascii() and cleaned.isdigit() and 0 < int(cleaned) <= MAX_ID:
        unit = await queries.fetch_unit_ref_by_id(conn, int(cleaned), scope)
        if unit is not None:
            return unit
    if len(cleaned) > MAX_PATH_LENGTH or not all(is_slug(s) for s in cleaned.split("/")):
        raise UnitNotFound(
            f"'{short(cleaned)}' is not an id, a path or a slug: slugs are lowercase letters, "
            f"digits and '-', and a path joins them with '/'. {LIST_HINT}"
        )
    unit = await queries.fetch_unit_ref_by_path(conn, cleaned, scope)
    if unit is not None:
        # A full path is never ambiguous; a root's path is its slug.
        return unit
    if "/" in cleaned:
        raise UnitNotFound(f"No unit has the path '{short(cleaned)}'. {LIST_HINT}")
    found = await queries.list_unit_refs_by_slug(conn, cleaned, scope, limit=2)
    if not found:
        raise UnitNotFound(f"No unit has the id, path or slug '{cleaned}'. {LIST_HINT}")
    if len(found) > 1:
        raise UnitNotFound(
            f"Several units have the slug '{cleaned}'. Use the full path "
            f"(e.g. 'parent/{cleaned}') or the unit's id."
        )
    return found[0]
