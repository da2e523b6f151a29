"""Console pages that hand out invitation cards and open links as downloads."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from service.auth.controller import STAFF_HEADERS
from service.auth.principal import Principal
from service.console import forms
from service.console.forms import Errors
from service.console.page import DOWNLOAD, READ, render
from service.db import Conn
from service.errors import (
    InvalidInput,
    UnitNotFound,
    WaveClosed,
    WaveNotFound,
    WrongDistributionMode,
)
from service.invitations import cards
from service.invitations import service as invitations
from service.invitations.controller import download
from service.invitations.schemas import MAX_CARDS_PER_UNIT, CardBatch, OpenLinkBatch
from service.programs import service as programs
from service.units import service as units
from service.waves import service as waves
from service.waves.schemas import Wave

# --- invitation cards and open links -----------------------------------------------------


INVITATION_FIELDS = ("wave", "unit", "count", "include_subtree", "format", "paper")


async def _wave_choices(conn: Conn, principal: Principal, mode: str) -> list[tuple[Wave, str]]:
    modes = {p.program_id: p.mode for p in await programs.list_programs(conn, principal)}
    out = []
    for wave in await waves.list_waves(conn, principal):
        if wave.status not in ("scheduled", "open"):
            continue
        wave_mode = wave.frozen.mode if wave.frozen is not None else modes.get(wave.program_id)
        if wave_mode == mode:
            out.append((wave, f"{wave.program_name}: wave {wave.seq} ({wave.status})"))
    return out


async def _invitations_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    kind: str,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    mode = "cards" if kind == "cards" else "open"
    context.setdefault(
        "values", {"count": "40", "format": "pdf", "paper": "a4", "include_subtree": False}
    )
    return render(
        request,
        principal,
        "invitations.html",
        kind,
        status,
        kind=kind,
        wave_choices=await _wave_choices(conn, principal, mode),
        unit_choices=await units.list_units(conn, principal),
        max_per_unit=MAX_CARDS_PER_UNIT,
        **context,
    )


async def _invitations_submit(
    request: Request[Any, Any, Any], conn: Conn, principal: Principal, kind: str
) -> Response[Any]:
    form = await request.form()
    values: dict[str, Any] = {
        name: forms.text(form, name, 1000) for name in ("wave", "unit", "count", "format", "paper")
    }
    values["include_subtree"] = forms.checked(form, "include_subtree")
    errors: Errors = {}
    wave_id = int(values["wave"]) if values["wave"].isdigit() and len(values["wave"]) < 19 else 0
    if not wave_id:
        errors["wave"] = "Choose a wave."
    if not values["unit"]:
        errors["unit"] = "Choose a unit."
    count = 1
    if kind == "cards":
        number = forms.number(values["count"], "count", errors, whole=True)
        count = int(number) if number is not None else 0
        if number is not None and not 1 <= count <= MAX_CARDS_PER_UNIT:
            errors["count"] = f"Enter a number of cards from 1 to {MAX_CARDS_PER_UNIT}."
    if values["format"] not in cards.MEDIA_TYPES:
        errors["format"] = "Choose PDF, HTML or CSV."
    if values["paper"] not in ("a4", "letter"):
        errors["paper"] = "Choose A4 or US Letter."
    if not errors:
        try:
            batch: CardBatch | OpenLinkBatch
            if kind == "cards":
                batch = await invitations.generate_cards(
                    conn,
                    principal,
                    wave_id,
                    values["unit"],
                    count,
                    include_subtree=values["include_subtree"],
                )
            else:
                batch = await invitations.create_open_links(
                    conn,
                    principal,
                    wave_id,
                    values["unit"],
                    include_subtree=values["include_subtree"],
                )
        except (WaveNotFound, WaveClosed, WrongDistributionMode, UnitNotFound, InvalidInput) as exc:
            errors = forms.place(exc, INVITATION_FIELDS)
        else:
            return await download(request, batch, values["format"], values["paper"])
    return await _invitations_page(
        request, conn, principal, kind, 422, values=values, errors=errors
    )


@get("/console/cards", **READ)
async def cards_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return await _invitations_page(request, conn, principal, "cards")


@post("/console/cards", **DOWNLOAD)
async def cards_download(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Response[Any]:
    response = await _invitations_submit(request, conn, principal, "cards")
    if isinstance(response, Template):
        response.headers.update(STAFF_HEADERS)
    return response


@get("/console/open-links", **READ)
async def open_links_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return await _invitations_page(request, conn, principal, "open-links")


@post("/console/open-links", **DOWNLOAD)
async def open_links_download(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Response[Any]:
    response = await _invitations_submit(request, conn, principal, "open-links")
    if isinstance(response, Template):
        response.headers.update(STAFF_HEADERS)
    return response


routes: list[Any] = [
    cards_page,
    cards_download,
    open_links_page,
    open_links_download,
]
