"""Program rules: validation, pinning instruments and who sees which program.

The calendar that turns a cadence into wave times is waves.calendar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg
import msgspec

from service.audit.service import insert_audit
from service.auth.principal import Principal
from service.db import Conn
from service.errors import (
    DuplicateProgram,
    FieldError,
    InvalidInput,
    ProgramFrozen,
    UnitNotFound,
    field_error,
)
from service.i18n import gettext, local_text, ngettext
from service.policy import PrivacyPolicy
from service.privacy.planner import planned_policy
from service.programs import queries
from service.programs.schemas import (
    LocalizedText,
    NextWave,
    PinnedInstrument,
    Program,
    ProgramCreate,
    ProgramUpdate,
    Resource,
)
from service.scope.rules import sees_program, visible_root
from service.scope.service import program_not_found, resolve_unit
from service.waves import queries as wave_queries
from service.waves import service as waves
from service.waves.calendar import (
    MAX_DURATION_DAYS,
    Duration,
    add_duration,
    longest,
    parse_duration,
    shortest,
)

S = TypeVar("S", bound=msgspec.Struct)

# How level shares are written (the form's hint and the errors about them spell it out in
# each whole, translated sentence).
LEVEL_SHARES_RULE = "one share per level of the tree, the root's level first, adding up to 1"


# --- who sees what ----------------------------------------------------------------------


async def fetch_visible_program_row(
    conn: Conn, viewer: Principal | None, program_id: int, *, for_update: bool = False
) -> queries.ProgramRow:
    row = await queries.fetch_program(conn, program_id, for_update=for_update)
    if row is None or not sees_program(viewer, row.root_unit_path):
        # Outside the viewer's scope is the same answer as no such program.
        raise program_not_found(program_id)
    return row


# --- validation ------------------------------------------------------------------------


def revalidate(data: S) -> S:
    """Check a struct built in Python (the CLI, the demo) by the same rules as a decoded body."""
    try:
        return msgspec.convert(msgspec.to_builtins(data), type=type(data))
    except msgspec.ValidationError as exc:
        raise InvalidInput(
            "Correct the fields listed under `errors` and send the request again.",
            errors=[field_error(exc, "body")],
        ) from None


async def _find_root(conn: Conn, viewer: Principal | None, ref: str) -> queries.UnitRow | None:
    """The unit a program's root names; None when there is none the viewer may root at."""
    try:
        found = await resolve_unit(conn, None, ref)
    except UnitNotFound:
        return None
    if not sees_program(viewer, found.path):
        return None  # the same answer as an unknown unit
    return await queries.fetch_unit_by_id(conn, found.unit_id)


@dataclass(frozen=True)
class _Checked:
    unit: queries.UnitRow
    instruments: list[queries.InstrumentRow]


async def _check_program(
    conn: Conn,
    viewer: Principal | None,
    *,
    root_unit: str,
    instruments: Sequence[str],
    cadence: str,
    window: str,
    starts_at: datetime,
    policy: PrivacyPolicy,
    now: datetime,
    check_start: bool,
) -> _Checked:
    """Every rule that spans fields or needs the database; all failures in one InvalidInput."""
    errors: list[FieldError] = []
    unit = await _find_root(conn, viewer, root_unit)
    if unit is None:
        errors.append(
            FieldError(
                field="root_unit",
                message=gettext("no unit has the path or id %(unit)s", unit=repr(root_unit)),
            )
        )
    repeated = sorted({slug for slug in instruments if list(instruments).count(slug) > 1})
    if repeated:
        errors.append(
            FieldError(
                field="instruments",
                message=gettext("list each instrument once: %(slugs)s", slugs=repeated),
            )
        )
    pinned: list[queries.InstrumentRow] = []
    for index, slug in enumerate(instruments):
        found = await queries.fetch_latest_instrument(conn, slug)
        if found is None:
            errors.append(
                FieldError(
                    field=f"instruments[{index}]",
                    message=gettext(
                        "no instrument %(slug)s is loaded; add surveys/%(file)s.toml first",
                        slug=repr(slug),
                        file=slug,
                    ),
                )
            )
        else:
            pinned.append(found)
    durations: dict[str, Duration] = {}
    for field, text in (("cadence", cadence), ("window", window)):
        try:
            durations[field] = parse_duration(text, field)
        except InvalidInput as exc:
            errors.extend(exc.errors or [])
    if len(durations) == 2 and longest(durations["window"]) >= shortest(durations["cadence"]):
        errors.append(
            FieldError(
                field="window",
                message=gettext(
                    "the window %(window)s must be shorter than the cadence %(cadence)s "
                    "(counting months as 28 to 31 days), so each wave closes before the next opens",
                    window=window,
                    cadence=cadence,
                ),
            )
        )
    if starts_at.tzinfo is None:
        errors.append(FieldError(field="starts_at", message=gettext("give a time zone, e.g. 'Z'")))
    elif check_start:
        if "window" in durations and add_duration(starts_at, durations["window"]) <= now:
            errors.append(
                FieldError(
                    field="starts_at",
                    message=gettext("the first wave would already be over; start later"),
                )
            )
        if starts_at > now + timedelta(days=MAX_DURATION_DAYS):
            errors.append(
                FieldError(field="starts_at", message=gettext("start within the next ten years"))
            )
    if policy.epsilon_per_wave is not None and policy.annual_epsilon_cap < policy.epsilon_per_wave:
        errors.append(
            FieldError(
                field="policy.annual_epsilon_cap",
                message=gettext(
                    "the annual cap %(cap)s must be at least the budget of one wave (%(wave)s)",
                    cap=policy.annual_epsilon_cap,
                    wave=policy.epsilon_per_wave,
                ),
            )
        )
    if policy.level_shares is not None and abs(sum(policy.level_shares) - 1.0) > 1e-9:
        total = sum(policy.level_shares)
        errors.append(
            FieldError(
                field="policy.level_shares",
                message=gettext(
                    "these shares add up to %(total)s, not 1: give one share per level of the "
                    "tree, the root's level first, adding up to 1",
                    total=f"{total:g}",
                ),
            )
        )
    per_level = {"level_shares": policy.level_shares, "level_statistics": policy.level_statistics}
    if unit is not None and any(v is not None for v in per_level.values()):
        levels = await queries.count_subtree_levels(conn, unit.path)
        messages = {
            "level_shares": ngettext(
                "the tree has %(num)s level from the root down, so give %(num)s share: one "
                "share per level of the tree, the root's level first, adding up to 1",
                "the tree has %(num)s levels from the root down, so give %(num)s shares: one "
                "share per level of the tree, the root's level first, adding up to 1",
                levels,
            ),
            "level_statistics": gettext(
                "give one entry per level of the tree below the root: %(levels)s", levels=levels
            ),
        }
        errors.extend(
            FieldError(field=f"policy.{name}", message=messages[name])
            for name, given in per_level.items()
            if given is not None and len(given) != levels
        )
    if errors:
        raise InvalidInput(
            "Correct the fields listed under `errors` and send the request again.", errors=errors
        )
    assert unit is not None  # noqa: S101 - an unknown unit was reported above
    return _Checked(unit=unit, instruments=pinned)


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput(
            gettext("Give the program a name."),
            errors=[FieldError(field="name", message=gettext("the name is blank"))],
        )
    return cleaned


async def _check_name_free(conn: Conn, name: str, program_id: int | None = None) -> None:
    existing = await queries.fetch_program_id_by_name(conn, name)
    if existing is not None and existing != program_id:
        raise DuplicateProgram(
            gettext(
                "Program %(id)s is already called %(name)s. Pick another name.",
                id=existing,
                name=repr(name),
            )
        )


def _check_resources(resources: Sequence[Resource]) -> None:
    errors = [
        FieldError(
            field=f"resources[{index}].url",
            message=gettext(
                "use an https:// address with a host name, e.g. https://eap.example.org"
            ),
        )
        for index, resource in enumerate(resources)
        if resource.url is not None and not _is_https_url(resource.url)
    ]
    if errors:
        raise InvalidInput(
            "Correct the fields listed under `errors` and send the request again.", errors=errors
        )


def _is_https_url(url: str) -> bool:
    if any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    return parts.scheme == "https" and "." in host.strip(".") and not parts.username


def _texts(text: LocalizedText | None) -> dict[str, str] | None:
    """Stored as {lang: text} with only the languages given; None when none is."""
    kept = {k: v for k, v in msgspec.structs.asdict(text).items() if v} if text else {}
    return kept or None


def _resources(resources: Sequence[Resource]) -> list[dict[str, Any]]:
    _check_resources(resources)
    plain: list[dict[str, Any]] = msgspec.to_builtins(list(resources))
    return plain


# --- reading ----------------------------------------------------------------------------


def _title(item: queries.PinnedRow) -> str:
    """The pinned instrument's title in the request's language (the API's is English)."""
    titles = item.titles
    if isinstance(titles, str):  # a connection without the json codec
        titles = msgspec.json.decode(titles)
    return local_text(titles) if isinstance(titles, dict) and titles else item.title


async def _assemble(conn: Conn, rows: list[queries.ProgramRow]) -> list[Program]:
    ids = [row.program_id for row in rows]
    pinned: dict[int, list[PinnedInstrument]] = {}
    for item in await queries.list_pinned_instruments(conn, ids):
        pinned.setdefault(item.program_id, []).append(
            PinnedInstrument(
                slug=item.slug,
                version=item.version,
                instrument_id=item.instrument_id,
                title=_title(item),
            )
        )
    upcoming = {
        item.program_id: NextWave(
            wave_id=item.wave_id, seq=item.seq, opens_at=item.opens_at, closes_at=item.closes_at
        )
        for item in await wave_queries.list_next_waves(conn, ids)
    }
    return [
        Program(
            program_id=row.program_id,
            name=row.name,
            root_unit_id=row.root_unit_id,
            root_unit_path=row.root_unit_path,
            instruments=pinned.get(row.program_id, []),
            cadence=row.cadence,
            window=row.open_window,
            mode=row.mode,
            policy=msgspec.convert(row.policy, type=PrivacyPolicy),
            resources=msgspec.convert(row.resources, type=list[Resource]),
            run_by=None if row.run_by is None else msgspec.convert(row.run_by, LocalizedText),
            starts_at=row.starts_at,
            frozen=row.frozen,
            next_wave=upcoming.get(row.program_id),
        )
        for row in rows
    ]


async def list_programs(conn: Conn, viewer: Principal | None) -> list[Program]:
    """Programs the viewer may see: all for admins, the operator and unscoped researchers;
    for scoped viewers those whose root is their unit, an ancestor of it, or below it."""
    return await _assemble(conn, await queries.list_programs(conn, visible_root(viewer)))


async def fetch_program(conn: Conn, viewer: Principal | None, program_id: int) -> Program:
    row = await fetch_visible_program_row(conn, viewer, program_id)
    return (await _assemble(conn, [row]))[0]


# --- changing ---------------------------------------------------------------------------


async def create_program(
    conn: Conn, actor: Principal | None, data: ProgramCreate, now: datetime
) -> Program:
    """Create a program, pin the latest version of each instrument and schedule wave 1.

    The scheduler (waves.service.advance_waves) opens wave 1 when it is due.
    """
    data = revalidate(data)
    name = _check_name(data.name)
    _check_resources(data.resources)
    checked = await _check_program(
        conn,
        actor,
        root_unit=data.root_unit,
        instruments=data.instruments,
        cadence=data.cadence,
        window=data.window,
        starts_at=data.starts_at,
        policy=data.policy,
        now=now,
        check_start=True,
    )
    await _check_name_free(conn, name)
    policy = await planned_policy(
        conn, checked.unit.unit_id, [i.instrument_id for i in checked.instruments], data.policy
    )
    try:
        async with conn.transaction():
            program_id = await queries.insert_program(
                conn,
                name=name,
                root_unit_id=checked.unit.unit_id,
                cadence=data.cadence,
                open_window=data.window,
                mode=data.mode,
                policy=msgspec.to_builtins(policy),
                resources=_resources(data.resources),
                starts_at=data.starts_at,
                run_by=_texts(data.run_by),
            )
    except asyncpg.UniqueViolationError:
        raise DuplicateProgram(
            gettext("A program is already called %(name)s. Pick another name.", name=repr(name))
        ) from None
    await queries.insert_pinned_instruments(
        conn, program_id, [i.instrument_id for i in checked.instruments]
    )
    await waves.schedule_first_wave(conn, program_id, data.starts_at, data.cadence, data.window)
    await insert_audit(
        conn,
        actor,
        "program.created",
        {
            "program_id": program_id,
            "name": name,
            "instruments": [f"{i.slug}@{i.version}" for i in checked.instruments],
        },
    )
    return await fetch_program(conn, actor, program_id)


async def _save(conn: Conn, program_id: int, **fields: Any) -> None:
    try:
        async with conn.transaction():
            await queries.update_program(conn, program_id, **fields)
    except asyncpg.UniqueViolationError:
        raise DuplicateProgram(
            gettext(
                "A program is already called %(name)s. Pick another name.",
                name=repr(fields["name"]),
            )
        ) from None


FROZEN_FIELDS = ("root_unit", "instruments", "cadence", "window", "starts_at", "mode", "policy")


async def update_program(
    conn: Conn, actor: Principal | None, program_id: int, data: ProgramUpdate, now: datetime
) -> Program:
    """Change a program. Name, resources and run_by may always change; the other fields only until
    a wave has opened (ProgramFrozen after that, naming the fields). Before then every
    update re-pins the instruments to their latest versions and moves the scheduled waves
    to the (new) cadence. Sending a field unchanged is not a change."""
    data = revalidate(data)
    current = await fetch_visible_program_row(conn, actor, program_id, for_update=True)
    pinned = await queries.list_pinned_instruments(conn, [program_id])
    current_slugs = [p.slug for p in pinned]
    current_policy = msgspec.convert(current.policy, type=PrivacyPolicy)

    changed: list[str] = []
    if data.root_unit is not msgspec.UNSET:
        target = await _find_root(conn, None, data.root_unit)
        if target is None or target.unit_id != current.root_unit_id:
            changed.append("root_unit")
    comparisons: dict[str, tuple[Any, Any]] = {
        "instruments": (data.instruments, current_slugs),
        "cadence": (data.cadence, current.cadence),
        "window": (data.window, current.open_window),
        "starts_at": (data.starts_at, current.starts_at),
        "mode": (data.mode, current.mode),
        "policy": (data.policy, current_policy),
    }
    for field, (new, old) in comparisons.items():
        if new is not msgspec.UNSET and new != old:
            changed.append(field)
    changed.sort(key=FROZEN_FIELDS.index)
    if changed and current.frozen:
        raise ProgramFrozen(
            gettext(
                "A wave of this program has opened, so %(fields)s can no longer change: they are "
                "fixed for the waves that used them. Create a new program instead.",
                fields=", ".join(changed),
            ),
            fields=changed,
        )

    name = current.name if data.name is msgspec.UNSET else _check_name(data.name)
    if data.name is not msgspec.UNSET and name != current.name:
        changed.insert(0, "name")
        await _check_name_free(conn, name, program_id)
    resources = current.resources
    if data.resources is not msgspec.UNSET:
        resources = _resources(data.resources)
        if resources != current.resources:
            changed.append("resources")
    run_by = current.run_by
    if data.run_by is not msgspec.UNSET and _texts(data.run_by) != run_by:
        run_by = _texts(data.run_by)
        changed.append("run_by")

    if current.frozen:
        await _save(
            conn,
            program_id,
            name=name,
            root_unit_id=current.root_unit_id,
            cadence=current.cadence,
            open_window=current.open_window,
            mode=current.mode,
            policy=current.policy,
            resources=resources,
            starts_at=current.starts_at,
            run_by=run_by,
        )
    else:

        def pick(value: Any, old: Any) -> Any:
            return old if value is msgspec.UNSET else value

        starts_at: datetime = pick(data.starts_at, current.starts_at)
        cadence: str = pick(data.cadence, current.cadence)
        window: str = pick(data.window, current.open_window)
        policy: PrivacyPolicy = pick(data.policy, current_policy)
        checked = await _check_program(
            conn,
            actor,
            root_unit=pick(data.root_unit, current.root_unit_path),
            instruments=pick(data.instruments, current_slugs),
            cadence=cadence,
            window=window,
            starts_at=starts_at,
            policy=policy,
            now=now,
            check_start=bool({"starts_at", "window"} & set(changed)),
        )
        await _save(
            conn,
            program_id,
            name=name,
            root_unit_id=checked.unit.unit_id,
            cadence=cadence,
            open_window=window,
            mode=pick(data.mode, current.mode),
            policy=msgspec.to_builtins(policy),
            resources=resources,
            starts_at=starts_at,
            run_by=run_by,
        )
        repinned = [i.instrument_id for i in checked.instruments]
        if repinned != [p.instrument_id for p in pinned]:
            # New slugs, or newer versions of the same ones: pin what a wave would ask now.
            await queries.delete_pinned_instruments(conn, program_id)
            await queries.insert_pinned_instruments(conn, program_id, repinned)
            if "instruments" not in changed:
                changed.append("instruments")
        await waves.reschedule_waves(conn, program_id, starts_at, cadence, window)
    if changed:
        await insert_audit(
            conn, actor, "program.updated", {"program_id": program_id, "fields": changed}
        )
    return await fetch_program(conn, actor, program_id)
