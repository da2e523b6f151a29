"""Glue for the console pages: shapes the capability services' answers for display.

Nothing here changes anything: every change goes through the capability's own service,
which checks its rules and writes the audit trail.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.auth import service as auth
from service.auth.principal import Principal
from service.auth.schemas import Staff, Token
from service.console import queries
from service.console.schemas import CardsForm, OpenLinksForm
from service.db import Conn
from service.errors import Forbidden, StaffNotFound, TokenNotFound
from service.instruments.schemas import Instrument, InstrumentRow
from service.instruments.service import fetch_instrument, list_instruments
from service.invitations import links
from service.invitations import service as invitations
from service.invitations.schemas import MAX_CARDS_PER_UNIT, CardBatch, OpenLinkBatch
from service.programs import service as programs
from service.tokens import blindrsa
from service.tokens import queries as token_queries
from service.units import service as units
from service.units.schemas import Unit
from service.waves import service as waves
from service.waves.schemas import Wave

AUDIT_PAGE_SIZE = 50


def _require_admin(actor: Principal) -> None:
    if actor.role != "admin":
        raise Forbidden("The console is for administrators.")


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


# --- instruments ------------------------------------------------------------------------


async def instrument_choices(conn: Conn) -> list[tuple[str, str, int]]:
    """(slug, title, item count) of every loaded instrument's latest version."""
    return [
        (s.slug, s.title.get("en") or next(iter(s.title.values())), s.item_count)
        for s in await list_instruments(conn)
    ]


async def instrument_previews(conn: Conn, slugs: list[str]) -> list[InstrumentRow]:
    """The latest version of each known slug, in the order given; unknown slugs are skipped."""
    known = {slug for slug, _, _ in await instrument_choices(conn)}
    return [await fetch_instrument(conn, slug) for slug in slugs if slug in known]


def option_labels(instrument: Instrument) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Option set id -> (value, labels) of its options, in order."""
    return {s.id: [(o.value, o.label) for o in s.options] for s in instrument.option_sets}


# --- staff and tokens ---------------------------------------------------------------------


async def fetch_staff(conn: Conn, actor: Principal, staff_id: int) -> Staff:
    for staff in await auth.list_staff(conn, actor):
        if staff.staff_id == staff_id:
            return staff
    raise StaffNotFound(f"There is no staff account {staff_id}.")


async def fetch_own_token(conn: Conn, actor: Principal, token_id: int) -> Token:
    for token in await auth.list_tokens(conn, actor):
        if token.token_id == token_id:
            return token
    raise TokenNotFound(f"You have no API token {token_id}.")


def next_action(wave: Wave, open_in_program: bool) -> str | None:
    """The transition a coordinator may trigger by hand now: open, close, release or none."""
    if wave.status == "scheduled":
        return None if open_in_program else "open"
    if wave.status == "open":
        return "close"
    if wave.status == "closed":
        return "release"
    return None


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
            out.append((wave, f"{wave.program_name}: wave {wave.seq} ({wave.status})"))
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
            conn, actor, data.wave, data.unit, data.count, include_subtree=data.include_subtree
        )
    return await invitations.create_open_links(
        conn, actor, data.wave, data.unit, include_subtree=data.include_subtree
    )


async def links_page(conn: Conn, actor: Principal) -> dict[str, Any]:
    """The emailed-links page: each scheduled or open links wave with its key fingerprint
    and, per unit, the links made and tokens issued (staff-side numbers, never answers)."""
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
        "mail_notice": links.MAIL_NOTICE,
        "fingerprint_notice": links.FINGERPRINT_NOTICE,
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
        return "schedule"
    if row.staff_id is None:
        return "command line"
    return row.email or f"account {row.staff_id}"


def describe_subject(subject: dict[str, Any]) -> str:
    """`key: value` pairs of what the action touched, without the routing details."""
    parts = []
    for key, value in subject.items():
        if key in {"via", "by"}:
            continue
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value[:5]) + (
                f" and {len(value) - 5} more" if len(value) > 5 else ""
            )
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
