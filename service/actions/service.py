"""Action rules: who may record what for which unit, and which scales an action may target.

Leaders record actions for units in their subtree, administrators for any unit; a unit or
an action outside the viewer's subtree answers exactly like one that does not exist (the
rules are service.scope's). Target scales must be scales of the program's instruments,
and the program must cover the unit. Every change writes an audit row.
"""

from __future__ import annotations

from typing import Any

import msgspec

from service.actions import queries
from service.actions.schemas import Action, ActionCreate, ActionUpdate
from service.audit.service import insert_audit
from service.auth.principal import Principal, Role
from service.db import Conn
from service.errors import ActionNotFound, FieldError, InvalidInput, UnitNotFound
from service.i18n import gettext, local_text
from service.instruments.service import fetch_instrument
from service.programs.schemas import Program
from service.programs.service import fetch_program
from service.scope.queries import UnitRef
from service.scope.rules import in_subtree
from service.scope.service import resolve_unit_id

# Who records and reads actions: leadership, not researchers.
ACTION_ROLES: tuple[Role, ...] = ("admin", "leader")


class ScaleChoice(msgspec.Struct, frozen=True, kw_only=True):
    """A scale an action may target: its key and the words a leader knows it by."""

    key: str
    name: str
    instrument_title: str


async def program_scales(conn: Conn, program: Program) -> list[ScaleChoice]:
    """The scales of the program's pinned instruments, in instrument order."""
    out: list[ScaleChoice] = []
    for pinned in program.instruments:
        instrument = (await fetch_instrument(conn, pinned.slug, pinned.version)).instrument
        out.extend(
            ScaleChoice(
                key=f"{pinned.slug}/{scale.id}",
                name=local_text(scale.name),
                instrument_title=local_text(instrument.title),
            )
            for scale in instrument.scales
        )
    return out


async def _check(
    conn: Conn, viewer: Principal | None, unit: UnitRef, program_id: int, scales: list[str] | None
) -> Program:
    """The program, if the viewer sees it and it covers the unit, and the scales are its own."""
    program = await fetch_program(conn, viewer, program_id)
    problems: list[FieldError] = []
    if not in_subtree(unit.path, program.root_unit_path):
        problems.append(
            FieldError(
                "program_id",
                gettext("the program '%(name)s' does not cover this unit", name=program.name),
            )
        )
    elif scales is not None:
        known = {s.key for s in await program_scales(conn, program)}
        problems.extend(
            FieldError(
                f"scales[{i}]",
                gettext("'%(key)s' is not a scale of the program's instruments", key=key),
            )
            for i, key in enumerate(scales)
            if key not in known
        )
    if problems:
        raise InvalidInput(
            gettext(
                "Pick a program that covers the unit and scales of its instruments, then send "
                "the action again."
            ),
            errors=problems,
        )
    return program


async def fetch_action(conn: Conn, viewer: Principal | None, action_id: int) -> Action:
    """One action, if its unit lies in the viewer's subtree; otherwise the same 404 as an
    unknown id."""
    action = await queries.fetch_action(conn, action_id)
    if action is not None:
        try:
            await resolve_unit_id(conn, viewer, action.unit_id)
        except UnitNotFound:  # outside the viewer's subtree
            action = None
    if action is None:
        raise ActionNotFound(
            gettext(
                "No action has the id %(id)s. List a unit's actions to find its id.", id=action_id
            )
        )
    return action


async def list_actions(
    conn: Conn, viewer: Principal | None, unit_id: int, program_id: int | None = None
) -> list[Action]:
    """The unit's actions (404 when the unit is outside the viewer's subtree)."""
    unit = await resolve_unit_id(conn, viewer, unit_id)
    if program_id is not None:
        await fetch_program(conn, viewer, program_id)
    return await queries.list_actions(conn, unit.unit_id, program_id)


async def list_unit_actions(conn: Conn, unit_id: int, program_id: int) -> list[Action]:
    """A unit's actions for a page that has already checked the viewer may see the unit."""
    return await queries.list_actions(conn, unit_id, program_id)


async def record_action(conn: Conn, viewer: Principal | None, data: ActionCreate) -> Action:
    unit = await resolve_unit_id(conn, viewer, data.unit_id)
    await _check(conn, viewer, unit, data.program_id, data.scales)
    action = await queries.insert_action(
        conn,
        unit_id=unit.unit_id,
        program_id=data.program_id,
        title=data.title,
        description=data.description,
        started_on=data.started_on,
        scales=data.scales,
        owner=data.owner,
        created_by=viewer.staff_id if viewer is not None else None,
    )
    await insert_audit(conn, viewer, "action.created", _subject(action))
    return action


async def update_action(
    conn: Conn, viewer: Principal | None, action_id: int, data: ActionUpdate
) -> Action:
    await fetch_action(conn, viewer, action_id)
    action = await queries.fetch_action(conn, action_id, for_update=True)
    if action is None:  # deleted meanwhile
        raise ActionNotFound(gettext("No action has the id %(id)s.", id=action_id))
    fields: dict[str, Any] = {
        f.name: getattr(data, f.name)
        for f in msgspec.structs.fields(data)
        if getattr(data, f.name) is not msgspec.UNSET
    }
    if "scales" in fields:
        unit = await resolve_unit_id(conn, viewer, action.unit_id)
        await _check(conn, viewer, unit, action.program_id, fields["scales"])
    changed = await queries.update_action(conn, action_id, fields)
    await insert_audit(
        conn, viewer, "action.updated", {**_subject(changed), "changed": sorted(fields)}
    )
    return changed


async def delete_action(conn: Conn, viewer: Principal | None, action_id: int) -> None:
    action = await fetch_action(conn, viewer, action_id)
    await queries.delete_action(conn, action_id)
    await insert_audit(conn, viewer, "action.deleted", _subject(action))


def _subject(action: Action) -> dict[str, Any]:
    return {
        "action_id": action.action_id,
        "unit_id": action.unit_id,
        "program_id": action.program_id,
        "title": action.title,
    }
