"""Invitation cards and open links: making them, and keeping nothing but their hashes.

A card's code exists in plain form only in the batch these functions return, for the
caller to render at once (invitations/cards.py). The database keeps `hash_code(code)`;
the audit trail, the logs and any error message keep no code at all. Cards therefore
cannot be printed a second time: a lost sheet means generating new cards.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from service.audit.service import insert_audit
from service.auth.principal import Principal
from service.config import Settings
from service.db import Conn
from service.errors import (
    FieldError,
    InvalidInput,
    UnitNotFound,
    WaveClosed,
    WaveNotFound,
    WrongDistributionMode,
)
from service.i18n import gettext
from service.invitations import queries
from service.invitations.codes import hash_code, new_code
from service.invitations.queries import InvitationWaveRow, TargetUnitRow
from service.invitations.schemas import (
    MAX_CARDS_PER_UNIT,
    Card,
    CardBatch,
    CardWave,
    IssuanceLink,
    LinkBatch,
    OpenLink,
    OpenLinkBatch,
    UnitLinkCount,
)
from service.scope.rules import in_subtree, sees_unit
from service.scope.service import resolve_unit
from service.tokens import blindrsa
from service.tokens import queries as token_queries
from service.tokens import service as tokens
from service.waves.schemas import Mode

# One call makes at most this many cards (and at most this many open links): about 500
# printed pages, rendered in well under a minute.
MAX_CARDS_PER_CALL = 5000
_shuffle = secrets.SystemRandom().shuffle


def public_base_url(settings: Settings, fallback: str) -> str:
    """Where responders reach the service: MUSTER_PUBLIC_URL, else `fallback`.

    The API passes the address the request came to ("https://host"), the command line
    "http://{host}:{port}".
    """
    return (settings.public_url or fallback).rstrip("/")


def printable_base_url(settings: Settings, fallback: str) -> str:
    """The address to print on cards and links; InvalidInput when no phone could reach it
    (a loopback address), unless MUSTER_ALLOW_LOCAL_LINKS says to print it anyway."""
    base = public_base_url(settings, fallback)
    host = (urlsplit(base).hostname or "").lower()
    try:
        loopback = (
            host == "localhost" or host.endswith(".localhost") or ip_address(host).is_loopback
        )
    except ValueError:
        loopback = False
    if loopback and not settings.allow_local_links:
        where = "MUSTER_PUBLIC_URL" if settings.public_url else "MUSTER_PUBLIC_URL (it is unset)"
        raise InvalidInput(
            f"Cards and links would point at {base}, an address on this machine that no "
            f"phone can reach. Set {where} to the address responders use, e.g. "
            "https://survey.example.org, or set MUSTER_ALLOW_LOCAL_LINKS=true to print them "
            "for a trial on this machine.",
            errors=[FieldError(field="public_url", message="is a loopback address")],
        )
    return base


def _card_wave(wave: InvitationWaveRow) -> CardWave:
    return CardWave(
        wave_id=wave.wave_id,
        seq=wave.seq,
        program_name=wave.program_name,
        opens_at=wave.opens_at,
        closes_at=wave.closes_at,
        survey_key=wave.survey_key,
    )


def _date(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).date().isoformat()


async def _usable_wave(
    conn: Conn, wave_id: int, mode: Mode, *, lock: Literal["share", "update"], what: str
) -> InvitationWaveRow:
    """The wave, locked, when it has not closed and uses `mode`; else the problem saying why."""
    wave = await queries.fetch_wave_for_invitations(conn, wave_id, lock=lock)
    if wave is None:
        raise WaveNotFound(_no_wave(wave_id))
    if wave.status in ("closed", "released"):
        raise WaveClosed(
            f"Wave {wave.seq} of {wave.program_name} closed on {_date(wave.closed_at)}; "
            f"{what} for it could never be used. Make them for the program's next wave.",
            wave_id=wave.wave_id,
            status=wave.status,
        )
    wave_mode = wave.frozen_mode if wave.status == "open" else wave.program_mode
    if wave_mode != mode:
        raise WrongDistributionMode(
            _mode_advice(wave, wave_mode or wave.program_mode, what),
            wave_id=wave.wave_id,
            mode=wave_mode,
        )
    return wave


def _mode_advice(wave: InvitationWaveRow, mode: str, what: str) -> str:
    said = f"Wave {wave.seq} of {wave.program_name} uses the '{mode}' distribution mode, "
    if mode == "cards":
        return said + (
            f"so it has no {what}. Print invitation cards instead: "
            f"POST /api/v1/waves/{wave.wave_id}/cards."
        )
    if mode == "open":
        return said + (
            f"so it has no {what}. Make one open link per unit instead: "
            f"POST /api/v1/waves/{wave.wave_id}/open-links."
        )
    change = (
        "Change the program's mode before this wave opens, or create a new program."
        if wave.status == "scheduled"
        else "A wave's mode is fixed once it opens; create a new program to use another mode."
    )
    if mode == "links":
        change = (
            f"Export one issuance link per person instead: POST /api/v1/waves/{wave.wave_id}"
            f"/links (muster invitations links --count N). Or: {change[0].lower()}{change[1:]}"
        )
    return said + f"so it has no {what}. {change}"


async def _targets(
    conn: Conn,
    actor: Principal | None,
    wave: InvitationWaveRow,
    unit_ref: str,
    include_subtree: bool,
) -> tuple[str, list[TargetUnitRow]]:
    """The units to make cards or links for: the unit itself, or the leaves below it."""
    try:
        # Outside the actor's scope is the same answer as no such unit.
        unit = await resolve_unit(conn, actor, unit_ref)
    except UnitNotFound:
        raise UnitNotFound(
            gettext(
                "No unit has the path, id or unique slug %(ref)s. "
                "Use the full path, e.g. county-fire/battalion-1/station-7.",
                ref=repr(unit_ref),
            )
        ) from None
    root = wave.root_path
    if not in_subtree(unit.path, root):
        raise InvalidInput(
            gettext(
                "%(unit)s is not part of %(program)s, which covers %(root)s.",
                unit=unit.path,
                program=wave.program_name,
                root=root,
            ),
            errors=[
                FieldError(
                    field="unit", message=gettext("pick a unit at or below %(root)s", root=root)
                ),
            ],
        )
    units = await queries.list_target_units(conn, unit.path, leaves_only=include_subtree)
    return unit.path, units


def _too_many(units: int, per_unit: int) -> InvalidInput:
    return InvalidInput(
        gettext(
            "That would make %(total)s at once (%(units)s units x %(per_unit)s); "
            "one request makes at most %(max)s. Split it by unit.",
            total=units * per_unit,
            units=units,
            per_unit=per_unit,
            max=MAX_CARDS_PER_CALL,
        ),
        errors=[
            FieldError(
                field="count", message=gettext("at most %(max)s in total", max=MAX_CARDS_PER_CALL)
            )
        ],
    )


def _no_wave(wave_id: int) -> str:
    return gettext("There is no wave %(id)s. List the program's waves to find its id.", id=wave_id)


class _Secrets(NamedTuple):
    """Plain codes (or tickets) just made for a wave, with what is stored of them."""

    wave: InvitationWaveRow
    path: str
    units: list[TargetUnitRow]
    # (unit, plain secret), shuffled within each unit.
    made: list[tuple[TargetUnitRow, str]]
    hashes: list[bytes]
    unit_ids: list[int]


async def _make_secrets(
    conn: Conn,
    actor: Principal | None,
    wave_id: int,
    unit_ref: str,
    count: int | None,
    include_subtree: bool,
    *,
    mode: Mode,
    what: str,
    new: Callable[[TargetUnitRow], str],
    digest: Callable[[str], bytes],
    spare_percent: int = 0,
) -> _Secrets:
    """`count` fresh secrets per target unit of a wave in `mode`, and their hashes; with
    `count` None, each unit's public headcount plus `spare_percent` (rounded up)."""
    if count is not None and not 1 <= count <= MAX_CARDS_PER_UNIT:
        raise InvalidInput(
            f"Ask for 1 to {MAX_CARDS_PER_UNIT} {what} per unit.",
            errors=[FieldError(field="count", message=f"between 1 and {MAX_CARDS_PER_UNIT}")],
        )
    wave = await _usable_wave(conn, wave_id, mode, lock="share", what=what)
    path, units = await _targets(conn, actor, wave, unit_ref, include_subtree)
    counts = [count if count is not None else _from_headcount(u, spare_percent) for u in units]
    if sum(counts) > MAX_CARDS_PER_CALL:
        raise _too_many(len(units), max(counts))
    made: list[tuple[TargetUnitRow, str]] = []
    hashes: list[bytes] = []
    unit_ids: list[int] = []
    for unit, per_unit in zip(units, counts, strict=True):
        plain = [new(unit) for _ in range(per_unit)]
        hashes.extend(digest(text) for text in plain)
        unit_ids.extend([unit.unit_id] * per_unit)
        _shuffle(plain)
        made.extend((unit, text) for text in plain)
    return _Secrets(wave, path, units, made, hashes, unit_ids)


def _from_headcount(unit: TargetUnitRow, spare_percent: int) -> int:
    """The unit's public headcount plus `spare_percent` of it, rounded up."""
    if unit.headcount < 1:
        raise InvalidInput(
            gettext(
                "Unit %(unit)s has no headcount to count cards from. Set its headcount on "
                "the units page, or give a number of cards per unit.",
                unit=unit.path,
            ),
            errors=[
                FieldError(
                    field="count", message=gettext("%(unit)s has no headcount", unit=unit.path)
                )
            ],
        )
    per_unit = -(-unit.headcount * (100 + spare_percent) // 100)
    if per_unit > MAX_CARDS_PER_UNIT:
        raise InvalidInput(
            gettext(
                "Unit %(unit)s would need %(count)s cards; one request makes at most "
                "%(max)s per unit. Give a number of cards per unit.",
                unit=unit.path,
                count=per_unit,
                max=MAX_CARDS_PER_UNIT,
            ),
            errors=[
                FieldError(
                    field="count",
                    message=gettext("at most %(max)s per unit", max=MAX_CARDS_PER_UNIT),
                )
            ],
        )
    return per_unit


async def _audit_made(
    conn: Conn, actor: Principal | None, action: str, made: _Secrets, include_subtree: bool
) -> None:
    await insert_audit(
        conn,
        actor,
        action,
        {
            "wave_id": made.wave.wave_id,
            "unit": made.path,
            "include_subtree": include_subtree,
            "units": [unit.path for unit in made.units],
            "count_per_unit": len(made.made) // max(1, len(made.units)),
            "count": len(made.made),
        },
    )


async def generate_cards(
    conn: Conn,
    actor: Principal | None,
    wave_id: int,
    unit_ref: str,
    count: int | None,
    *,
    include_subtree: bool = False,
    spare_percent: int = 10,
) -> CardBatch:
    """Make `count` single-use cards for the unit (or for every leaf unit below it); with
    `count` None, each unit's public headcount plus `spare_percent`, rounded up.

    Stores only the hashes; returns the plain codes, shuffled within each unit, for
    immediate rendering. Nothing else will ever know them.
    """
    made = await _make_secrets(
        conn,
        actor,
        wave_id,
        unit_ref,
        count,
        include_subtree,
        mode="cards",
        what="cards",
        new=lambda _: new_code(),
        digest=hash_code,
        spare_percent=spare_percent,
    )
    await queries.insert_invitations(conn, made.wave.wave_id, made.hashes, made.unit_ids)
    await _audit_made(conn, actor, "cards.generated", made, include_subtree)
    cards = [Card(unit_path=u.path, unit_name=u.name, code=code) for u, code in made.made]
    return CardBatch(wave=_card_wave(made.wave), cards=cards)


async def create_open_links(
    conn: Conn,
    actor: Principal | None,
    wave_id: int,
    unit_ref: str,
    *,
    include_subtree: bool = False,
) -> OpenLinkBatch:
    """One open link for the unit (or every leaf unit below it) in an open-mode wave.

    A unit has one link per wave: a unit that had one gets a new link and the old one
    stops working at once (`OpenLink.replaced`, `OpenLinkBatch.replaced_paths`).
    """
    wave = await _usable_wave(conn, wave_id, "open", lock="update", what="open links")
    path, units = await _targets(conn, actor, wave, unit_ref, include_subtree)
    if len(units) > MAX_CARDS_PER_CALL:
        raise _too_many(len(units), 1)

    tokens = [new_code() for _ in units]
    ids = [unit.unit_id for unit in units]
    replaced = await queries.delete_open_links(conn, wave.wave_id, ids)
    await queries.insert_open_links(conn, wave.wave_id, [hash_code(t) for t in tokens], ids)
    links = [
        OpenLink(
            unit_path=unit.path,
            unit_name=unit.name,
            token=token,
            replaced=unit.unit_id in replaced,
        )
        for unit, token in zip(units, tokens, strict=True)
    ]
    await insert_audit(
        conn,
        actor,
        "open_links.created",
        {
            "wave_id": wave.wave_id,
            "unit": path,
            "include_subtree": include_subtree,
            "units": [unit.path for unit in units],
            "replaced": [link.unit_path for link in links if link.replaced],
        },
    )
    return OpenLinkBatch(wave=_card_wave(wave), links=links)


async def create_links(
    conn: Conn,
    actor: Principal | None,
    wave_id: int,
    unit_ref: str,
    count: int,
    *,
    include_subtree: bool = False,
) -> LinkBatch:
    """Make `count` issuance links for the unit (or every leaf unit below it) of a `links`
    wave: one per person, for the coordinator's own mail system.

    A link is /t/<survey_key>#<ticket>; the ticket authorises getting one blind-signed
    token (service/tokens). Stores only the tickets' hashes; returns the plain tickets,
    shuffled within each unit, for the export at once. Nothing else will ever know them.
    """
    made = await _make_secrets(
        conn,
        actor,
        wave_id,
        unit_ref,
        count,
        include_subtree,
        mode="links",
        what="issuance links",
        new=lambda unit: tokens.new_ticket(unit.unit_id),
        digest=tokens.hash_ticket,
    )
    await token_queries.insert_tickets(conn, made.wave.wave_id, made.hashes, made.unit_ids)
    await _audit_made(conn, actor, "links.generated", made, include_subtree)
    key = await token_queries.fetch_token_wave(conn, made.wave.survey_key)
    public = None if key is None else key.public_key
    return LinkBatch(
        wave=_card_wave(made.wave),
        links=[IssuanceLink(unit_path=u.path, unit_name=u.name, ticket=t) for u, t in made.made],
        fingerprint=None if public is None else blindrsa.short_fingerprint(public),
    )


async def list_link_counts(
    conn: Conn, actor: Principal | None, wave_id: int
) -> list[UnitLinkCount]:
    """Per unit of a links wave: links exported, a staff-side number. Never how many tokens
    were issued: during a wave that is about how many people answered, which is released
    only as a noisy count."""
    wave = await _usable_wave_any(conn, wave_id)
    rows = await token_queries.list_unit_links(conn, wave.wave_id)
    return [
        UnitLinkCount(unit_path=r.path, unit_name=r.name, links=r.links)
        for r in rows
        if sees_unit(actor, r.path)
    ]


async def _usable_wave_any(conn: Conn, wave_id: int) -> InvitationWaveRow:
    wave = await queries.fetch_wave_for_invitations(conn, wave_id, lock="share")
    if wave is None:
        raise WaveNotFound(_no_wave(wave_id))
    return wave
