"""The console's pages, assembled: each `*_page` function gathers what one page shows from
the capability services, so a handler reads its form, makes one call here and renders.

No rule lives here: a change (`transition_wave`, `make_invitations`) is one call into the
capability's own service, which checks its rules and writes the audit trail. Nothing here
imports litestar.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.auth import service as auth
from service.auth.principal import ROLES, Principal
from service.auth.schemas import Staff
from service.console import charts, forecast, forms, program_form, queries
from service.console.forms import Errors
from service.console.schemas import CardsForm, OpenLinksForm
from service.db import Conn
from service.errors import Forbidden, InvalidInput, ProgramNotFound, StaffNotFound
from service.i18n import N_, gettext, local_text
from service.instruments.schemas import Instrument, InstrumentRow
from service.instruments.service import fetch_instrument, list_instruments
from service.invitations import links
from service.invitations import service as invitations
from service.invitations.schemas import MAX_CARDS_PER_UNIT, CardBatch, OpenLinkBatch
from service.privacy import participation
from service.privacy import service as privacy
from service.privacy.planner import plan_program
from service.privacy.schemas import PlanReport
from service.programs import service as programs
from service.tokens import blindrsa
from service.tokens import queries as token_queries
from service.units import service as units
from service.units.schemas import ImportReport, Unit
from service.waves import service as waves
from service.waves.schemas import Wave

AUDIT_PAGE_SIZE = 50


def _require_admin(actor: Principal) -> None:
    if actor.role != "admin":
        raise Forbidden(gettext("The console is for administrators."))


# --- overview ---------------------------------------------------------------------------


async def overview_page(conn: Conn, actor: Principal) -> dict[str, Any]:
    every_unit = await units.list_units(conn, actor)
    every_program = await programs.list_programs(conn, actor)
    every_wave = await waves.list_waves(conn, actor)
    staff = await auth.list_staff(conn, actor)
    return {
        "unit_count": len(every_unit),
        "program_count": len(every_program),
        "staff_count": sum(1 for s in staff if not s.disabled),
        "open_waves": [w for w in every_wave if w.status == "open"],
        "closed_waves": [w for w in every_wave if w.status == "closed"],
        "scheduled_waves": [w for w in every_wave if w.status == "scheduled"],
    }


# --- units ------------------------------------------------------------------------------


@dataclass
class UnitNode:
    unit: Unit
    children: list[UnitNode] = field(default_factory=list)

    @property
    def children_headcount(self) -> int:
        return sum(child.unit.headcount for child in self.children)


def unit_tree(units: list[Unit]) -> list[UnitNode]:
    """Nested nodes from a depth-first list; units whose parent is not listed become roots."""
    nodes = {unit.unit_id: UnitNode(unit) for unit in units}
    roots: list[UnitNode] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[unit.unit_id])
    return roots


@dataclass(frozen=True)
class RowChange:
    path: str
    old_name: str | None
    old_headcount: int | None
    new_name: str
    new_headcount: int


def csv_rows(text: str) -> dict[str, tuple[str, int]]:
    """path -> (name, headcount) of a CSV that import_units_csv has already accepted."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header: list[str] | None = None
    out: dict[str, tuple[str, int]] = {}
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [h.strip().lower() for h in record]
            continue
        row = dict(zip(header, record, strict=False))
        out[row["path"].strip()] = (row["name"].strip(), int(row["headcount"].strip()))
    return out


def import_changes(text: str, paths: list[str], existing: list[Unit]) -> list[RowChange]:
    """Before and after of each path, for the import preview."""
    rows = csv_rows(text)
    known = {unit.path: unit for unit in existing}
    changes = []
    for path in paths:
        name, headcount = rows[path]
        old = known.get(path)
        changes.append(
            RowChange(
                path=path,
                old_name=old.name if old else None,
                old_headcount=old.headcount if old else None,
                new_name=name,
                new_headcount=headcount,
            )
        )
    return changes


async def units_page(conn: Conn, actor: Principal) -> dict[str, Any]:
    """The tree of every unit the viewer sees, with the headcount of its roots."""
    listed = await units.list_units(conn, actor)
    return {
        "tree": unit_tree(listed),
        "all_units": listed,
        "total_headcount": sum(u.headcount for u in listed if u.parent_id is None),
    }


async def unit_page(conn: Conn, actor: Principal, unit_id: int) -> dict[str, Any]:
    """One unit with its parent and children; `values` are its form's inputs as text."""
    unit = await units.fetch_unit(conn, actor, unit_id)
    subtree = await units.list_units(conn, actor, str(unit.unit_id))
    parent = await units.fetch_unit(conn, actor, unit.parent_id) if unit.parent_id else None
    return {
        "unit": unit,
        "parent": parent,
        "children": [u for u in subtree if u.parent_id == unit.unit_id],
        "subtree_size": len(subtree),
        "values": {
            "name": unit.name,
            "slug": unit.slug,
            "headcount": str(unit.headcount),
            "parent": parent.path if parent else "",
        },
    }


async def import_preview(conn: Conn, actor: Principal, text: str) -> dict[str, Any]:
    """What a unit CSV would change, before and after; nothing is written."""
    report: ImportReport = await units.import_units_csv(conn, actor, text, dry_run=True)
    existing = await units.list_units(conn, actor)
    return {
        "report": report,
        "csv_text": text,
        "created": import_changes(text, report.created, existing),
        "updated": import_changes(text, report.updated, existing),
    }


# --- instruments ------------------------------------------------------------------------


async def instrument_choices(conn: Conn) -> list[tuple[str, str, int]]:
    """(slug, title, item count) of every loaded instrument's latest version."""
    return [(s.slug, local_text(s.title), s.item_count) for s in await list_instruments(conn)]


async def instrument_previews(conn: Conn, slugs: list[str]) -> list[InstrumentRow]:
    """The latest version of each known slug, in the order given; unknown slugs are skipped."""
    known = {slug for slug, _, _ in await instrument_choices(conn)}
    return [await fetch_instrument(conn, slug) for slug in slugs if slug in known]


def option_labels(instrument: Instrument) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Option set id -> (value, labels) of its options, in order."""
    return {s.id: [(o.value, o.label) for o in s.options] for s in instrument.option_sets}


# --- programs ---------------------------------------------------------------------------


async def program_form_choices(conn: Conn, actor: Principal) -> dict[str, Any]:
    """The choices the program form offers."""
    return {
        "instrument_choices": await instrument_choices(conn),
        "unit_choices": await units.list_units(conn, actor),
        "modes": program_form.MODES,
        "resource_kinds": program_form.RESOURCE_KINDS,
        "resource_rows": range(program_form.RESOURCE_ROWS),
        "shares_rule": programs.LEVEL_SHARES_RULE,
        "cadences": program_form.CADENCES,
        "windows": program_form.WINDOWS,
        "presets": program_form.PRESET_CHOICES,
    }


async def previews(conn: Conn, slugs: list[str]) -> list[Any]:
    """Each chosen instrument with its option labels, to preview on the program form."""
    return [(row, option_labels(row.instrument)) for row in await instrument_previews(conn, slugs)]


async def program_page(conn: Conn, actor: Principal, program_id: int) -> dict[str, Any]:
    """One program with its waves and its form; `values` are the program's settings."""
    program = await programs.fetch_program(conn, actor, program_id)
    program_waves = await waves.list_waves(conn, actor, program_id)
    return {
        "program": program,
        "waves": program_waves,
        # The DP estimate of who has answered while a wave is open (never an exact count).
        "participation": await participation.current_estimate(conn, actor, program_id),
        "open_in_program": any(w.status == "open" for w in program_waves),
        "first_open": next((w for w in program_waves if w.opened_at is not None), None),
        "frozen": program.frozen,
        "values": program_form.program_values(program),
        "forecast": None
        if program.frozen
        else await forecast.program_forecast(conn, actor, program, program.policy),
        **await program_form_choices(conn, actor),
    }


# --- waves, the planner and the ledger --------------------------------------------------


async def waves_page(conn: Conn, actor: Principal) -> dict[str, Any]:
    """Each program with its waves, and whether one of them is open."""
    listing = []
    every_wave = await waves.list_waves(conn, actor)
    for program in await programs.list_programs(conn, actor):
        mine = [w for w in every_wave if w.program_id == program.program_id]
        listing.append((program, mine, any(w.status == "open" for w in mine)))
    return {"listing": listing}


# Each transition: the status a wave must have for it, and what its page says otherwise.
_TRANSITIONS = {
    "open": ("scheduled", N_("Wave %(seq)s is %(status)s: only a scheduled wave can be opened.")),
    "close": ("open", N_("Wave %(seq)s is %(status)s: only an open wave can be closed.")),
    "release": ("closed", N_("Wave %(seq)s is %(status)s: only a closed wave can be released.")),
}


async def wave_confirm_page(
    conn: Conn, actor: Principal, wave_id: int, now: datetime, action: str = "close"
) -> dict[str, Any]:
    """What a coordinator reads before opening, closing or releasing a wave: opening and
    releasing show the planner's forecast; releasing also the wave's answers at the root."""
    wave = await waves.fetch_wave(conn, actor, wave_id)
    program = await programs.fetch_program(conn, actor, wave.program_id)
    policy = wave.frozen.policy if wave.frozen is not None else program.policy
    page: dict[str, Any] = {
        "wave": wave,
        "program": program,
        "ledger": await privacy.ledger_report(conn, actor, program.program_id, now),
        "policy": policy,
    }
    needed, otherwise = _TRANSITIONS[action]
    if wave.status != needed:
        # The page offers no form for a step the wave is past (or not yet at); the service
        # would refuse its POST anyway.
        page["refused"] = gettext(otherwise, seq=wave.seq, status=gettext(wave.status))
    if action in ("open", "release"):
        page["forecast"] = await forecast.program_forecast(conn, actor, program, policy)
    if action == "release":
        total = await waves.root_answer_total(conn, actor, wave_id)
        page.update(forecast.answers_check(page["forecast"], total))
    return page


async def transition_wave(
    conn: Conn, actor: Principal, wave_id: int, action: str, now: datetime
) -> Wave:
    """Open, close or release the wave, as the capability services do for the API."""
    wave = await waves.fetch_wave(conn, actor, wave_id)
    if action == "open":
        await waves.open_wave(conn, actor, wave_id, now)
    elif action == "close":
        await waves.close_wave(conn, actor, wave_id, now)
    else:
        await privacy.release_wave(conn, actor, wave_id, now)
    return wave


async def planner_page(
    conn: Conn,
    actor: Principal,
    program: str | None,
    participation: str | None,
    epsilon: str | None,
) -> dict[str, Any]:
    """Which units a release could publish, from public headcounts only, before a wave opens.
    `errors` holds what was wrong with the query, beside its input."""
    every_program = await programs.list_programs(conn, actor)
    errors: Errors = {}
    chosen = None
    if program:
        if not program.isdigit() or len(program) > 18:
            errors["program"] = gettext("Choose a program from the list.")
        else:
            chosen = next((p for p in every_program if p.program_id == int(program)), None)
            if chosen is None:
                errors["program"] = gettext("Choose a program from the list.")
    elif every_program:
        chosen = every_program[0]
    values = {
        "program": str(chosen.program_id) if chosen else (program or ""),
        "participation": participation if participation is not None else "60",
        "epsilon": epsilon if epsilon is not None else "",
    }
    share = forms.number(values["participation"], "participation", errors)
    if share is not None and not 0 < share <= 100:
        errors["participation"] = gettext("Enter a percentage above 0 and at most 100.")
    eps = forms.number(values["epsilon"], "epsilon", errors) if values["epsilon"] else None
    if eps is not None and not 0 < eps <= 40:
        errors["epsilon"] = gettext(
            "Enter an ε per year above 0 and at most 40, or leave it empty."
        )
    report: PlanReport | None = None
    if chosen is not None and not errors and share is not None:
        try:
            report = await plan_program(
                conn, actor, chosen.program_id, participation=share / 100, epsilon=eps
            )
        except InvalidInput as exc:
            errors = forms.problem_errors(exc, ("participation", "epsilon"))
    return {
        "programs": every_program,
        "program": chosen,
        "report": report,
        "values": values,
        "errors": errors,
    }


async def ledger_page(
    conn: Conn, actor: Principal, program: str | None, now: datetime
) -> dict[str, Any]:
    """Every program's privacy ledger, and the chart of the chosen one (the first with
    releases when none is chosen)."""
    every_program = await programs.list_programs(conn, actor)
    summaries = [
        (p, await privacy.ledger_report(conn, actor, p.program_id, now)) for p in every_program
    ]
    chosen = None
    if program and program.isdigit():
        chosen = next((s for s in summaries if s[0].program_id == int(program)), None)
        if chosen is None:
            raise ProgramNotFound(
                gettext("There is no program %(id)s. Choose one from the list.", id=program)
            )
    elif summaries:
        chosen = next((s for s in summaries if s[1].entries), summaries[0])
    chart = seqs = None
    in_year: set[int] = set()
    if chosen is not None:
        chosen_program, report = chosen
        chart = charts.ledger_chart(report, chosen_program.policy.delta, now, chosen_program.name)
        in_year = {e.entry_id for e in charts.year_entries(report, now)}
        seqs = {
            w.wave_id: w.seq for w in await waves.list_waves(conn, actor, chosen_program.program_id)
        }
    return {
        "summaries": summaries,
        "chosen": chosen,
        "chart": chart,
        "seqs": seqs or {},
        "in_year": in_year,
    }


# --- staff and tokens ---------------------------------------------------------------------


async def fetch_staff(conn: Conn, actor: Principal, staff_id: int) -> Staff:
    for staff in await auth.list_staff(conn, actor):
        if staff.staff_id == staff_id:
            return staff
    raise StaffNotFound(gettext("There is no staff account %(id)s.", id=staff_id))


async def staff_page(conn: Conn, actor: Principal) -> dict[str, Any]:
    return {
        "staff": await auth.list_staff(conn, actor),
        "unit_choices": await units.list_units(conn, actor),
        "roles": ROLES,
    }


async def member_page(conn: Conn, actor: Principal, staff_id: int) -> dict[str, Any]:
    """One account and its form; `values` are its role and unit as text."""
    member = await fetch_staff(conn, actor, staff_id)
    return {
        "member": member,
        "unit_choices": await units.list_units(conn, actor),
        "roles": ROLES,
        "values": {"role": member.role, "unit": member.unit_path or ""},
    }


async def tokens_page(conn: Conn, actor: Principal, now: datetime) -> dict[str, Any]:
    return {"tokens": await auth.list_tokens(conn, actor), "now": now}


# --- invitation cards, open links and emailed links ---------------------------------------


async def wave_choices(conn: Conn, actor: Principal, mode: str) -> list[tuple[Wave, str]]:
    """The scheduled and open waves that hand out invitations in `mode`, with their labels."""
    modes = {p.program_id: p.mode for p in await programs.list_programs(conn, actor)}
    out = []
    for wave in await waves.list_waves(conn, actor):
        if wave.status not in ("scheduled", "open"):
            continue
        wave_mode = wave.frozen.mode if wave.frozen is not None else modes.get(wave.program_id)
        if wave_mode == mode:
            label = (
                gettext("%(program)s: wave %(seq)s (open)", program=wave.program_name, seq=wave.seq)
                if wave.status == "open"
                else gettext(
                    "%(program)s: wave %(seq)s (scheduled)", program=wave.program_name, seq=wave.seq
                )
            )
            out.append((wave, label))
    return out


async def invitations_page(conn: Conn, actor: Principal, mode: str) -> dict[str, Any]:
    """What the cards and open-links pages show besides the form's own values."""
    return {
        "wave_choices": await wave_choices(conn, actor, mode),
        "unit_choices": await units.list_units(conn, actor),
        "max_per_unit": MAX_CARDS_PER_UNIT,
    }


async def make_invitations(
    conn: Conn, actor: Principal, data: CardsForm | OpenLinksForm
) -> CardBatch | OpenLinkBatch:
    """Cards, or open links, for what the form asked."""
    if isinstance(data, CardsForm):
        return await invitations.generate_cards(
            conn,
            actor,
            data.wave,
            data.unit,
            data.count,
            include_subtree=data.include_subtree,
            spare_percent=data.spare_percent,
        )
    return await invitations.create_open_links(
        conn, actor, data.wave, data.unit, include_subtree=data.include_subtree
    )


async def links_page(conn: Conn, actor: Principal) -> dict[str, Any]:
    """The emailed-links page: each scheduled or open links wave with its key fingerprint
    and, per unit, the links made (a staff-side number; never tokens issued or answers)."""
    choices = await wave_choices(conn, actor, "links")
    listing = []
    for wave, label in choices:
        public_key = await token_queries.fetch_public_key(conn, wave.wave_id)
        listing.append(
            {
                "label": label,
                "status": wave.status,
                "fingerprint": None
                if public_key is None
                else blindrsa.short_fingerprint(public_key),
                "units": await invitations.list_link_counts(conn, actor, wave.wave_id),
            }
        )
    return {
        "wave_choices": choices,
        "unit_choices": await units.list_units(conn, actor),
        "max_per_unit": MAX_CARDS_PER_UNIT,
        "waves": listing,
        "mail_notice": gettext(links.MAIL_NOTICE),
        "fingerprint_notice": gettext(links.FINGERPRINT_NOTICE),
    }


# --- the audit trail --------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    entry_id: int
    action: str
    who: str
    subject: str
    at: datetime


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int
    per_page: int = AUDIT_PAGE_SIZE


def who_did(row: queries.AuditRow) -> str:
    if row.subject.get("via") == "schedule" or row.subject.get("by") == "schedule":
        return gettext("schedule")
    if row.staff_id is None:
        return gettext("command line")
    return row.email or gettext("account %(id)s", id=row.staff_id)


def describe_subject(subject: dict[str, Any]) -> str:
    """`key: value` pairs of what the action touched, without the routing details."""
    parts = []
    for key, value in subject.items():
        if key in {"via", "by"}:
            continue
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value[:5])
            if len(value) > 5:
                shown = gettext("%(first)s and %(more)s more", first=shown, more=len(value) - 5)
        elif isinstance(value, float):
            shown = f"{value:.4g}"
        else:
            shown = str(value)
        parts.append(f"{key.replace('_', ' ')}: {shown}")
    return "; ".join(parts)


async def audit_page(conn: Conn, actor: Principal, page: int) -> AuditPage:
    _require_admin(actor)
    total = await queries.count_audit(conn)
    pages = max((total + AUDIT_PAGE_SIZE - 1) // AUDIT_PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    rows = await queries.list_audit(conn, AUDIT_PAGE_SIZE, (page - 1) * AUDIT_PAGE_SIZE)
    return AuditPage(
        entries=[
            AuditEntry(
                entry_id=row.entry_id,
                action=row.action,
                who=who_did(row),
                subject=describe_subject(row.subject),
                at=row.at,
            )
            for row in rows
        ],
        page=page,
        pages=pages,
        total=total,
    )
