"""The console's page for emailed links (links mode): export one issuance link per person as
CSV, and see, per unit, how many links were made and how many tokens were issued.

Those are staff-side numbers. Answers per unit are not shown here, nor anywhere but in
released, noisy figures: no exact count of responses below the root leaves the service.
"""

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
from service.console.invitations import _wave_choices
from service.console.page import DOWNLOAD, READ, render
from service.db import Conn
from service.errors import (
    InvalidInput,
    UnitNotFound,
    WaveClosed,
    WaveNotFound,
    WrongDistributionMode,
)
from service.invitations import links
from service.invitations import service as invitations
from service.invitations.controller import attachment, request_base_url
from service.invitations.schemas import MAX_CARDS_PER_UNIT
from service.tokens import blindrsa
from service.tokens import queries as token_queries
from service.units import service as units

FIELDS = ("wave", "unit", "count", "include_subtree")


async def _waves(conn: Conn, principal: Principal) -> list[dict[str, Any]]:
    """Each scheduled or open links wave with its key fingerprint and per-unit counts."""
    out = []
    for wave, label in await _wave_choices(conn, principal, "links"):
        public_key = await token_queries.fetch_public_key(conn, wave.wave_id)
        out.append(
            {
                "label": label,
                "status": wave.status,
                "fingerprint": None
                if public_key is None
                else blindrsa.short_fingerprint(public_key),
                "units": await invitations.list_link_counts(conn, principal, wave.wave_id),
            }
        )
    return out


async def _links_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    context.setdefault("values", {"count": "40", "include_subtree": False})
    waves = await _waves(conn, principal)
    return render(
        request,
        principal,
        "links.html",
        "links",
        status,
        wave_choices=await _wave_choices(conn, principal, "links"),
        unit_choices=await units.list_units(conn, principal),
        max_per_unit=MAX_CARDS_PER_UNIT,
        waves=waves,
        mail_notice=links.MAIL_NOTICE,
        fingerprint_notice=links.FINGERPRINT_NOTICE,
        **context,
    )


@get("/console/links", **READ)
async def links_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return await _links_page(request, conn, principal)


@post("/console/links", **DOWNLOAD)
async def links_download(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Response[Any]:
    form = await request.form()
    values: dict[str, Any] = {name: forms.text(form, name, 1000) for name in FIELDS[:3]}
    values["include_subtree"] = forms.checked(form, "include_subtree")
    errors: Errors = {}
    wave_id = int(values["wave"]) if values["wave"].isdigit() and len(values["wave"]) < 19 else 0
    if not wave_id:
        errors["wave"] = "Choose a wave."
    if not values["unit"]:
        errors["unit"] = "Choose a unit."
    number = forms.number(values["count"], "count", errors, whole=True)
    count = int(number) if number is not None else 0
    if number is not None and not 1 <= count <= MAX_CARDS_PER_UNIT:
        errors["count"] = f"Enter a number of links from 1 to {MAX_CARDS_PER_UNIT}."
    if not errors:
        try:
            batch = await invitations.create_links(
                conn,
                principal,
                wave_id,
                values["unit"],
                count,
                include_subtree=values["include_subtree"],
            )
        except (WaveNotFound, WaveClosed, WrongDistributionMode) as exc:
            errors["wave"] = exc.detail
        except UnitNotFound as exc:
            errors["unit"] = exc.detail
        except InvalidInput as exc:
            errors = forms.problem_errors(exc, FIELDS)
        else:
            return attachment(
                links.render_csv(batch, request_base_url(request)).encode(),
                links.MEDIA_TYPE,
                links.file_name(batch),
                {},
            )
    page = await _links_page(request, conn, principal, 422, values=values, errors=errors)
    page.headers.update(STAFF_HEADERS)
    return page


routes: list[Any] = [links_page, links_download]
