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
from service.console import service as console
from service.console.forms import Input
from service.console.page import DOWNLOAD, READ, render
from service.console.schemas import CardsForm, OpenLinksForm
from service.db import Conn
from service.errors import (
    InvalidInput,
    UnitNotFound,
    WaveClosed,
    WaveNotFound,
    WrongDistributionMode,
)
from service.i18n import N_
from service.invitations.controller import download, request_base_url
from service.invitations.schemas import MAX_CARDS_PER_UNIT

# --- invitation cards and open links -----------------------------------------------------

# The service's refusals a coordinator can mend on the form.
REFUSALS = (WaveNotFound, WaveClosed, WrongDistributionMode, UnitNotFound, InvalidInput)
WAVE_AND_UNIT = {
    "wave": Input("id", message=N_("Choose a wave.")),
    "unit": Input(message=N_("Choose a unit.")),
    "include_subtree": Input("check"),
}
FILE = {
    "format": Input(message=N_("Choose PDF, HTML or CSV.")),
    "paper": Input(message=N_("Choose A4 or US Letter.")),
}


# How many cards, or links, per unit: the message names the things counted.
COUNT_MESSAGES = {
    "cards": N_("Enter a number of cards from 1 to %(max)s."),
    "links": N_("Enter a number of links from 1 to %(max)s."),
}


def count_input(things: str, **blank: Any) -> Input:
    message = COUNT_MESSAGES[things]
    return Input("whole", message=message, values={"max": MAX_CARDS_PER_UNIT}, **blank)


SPARE = Input("whole", blank=10, message=N_("Enter a spare share from 0 to 100 percent."))
FORMS: dict[str, tuple[type[CardsForm | OpenLinksForm], dict[str, Input]]] = {
    "cards": (
        CardsForm,
        {
            **WAVE_AND_UNIT,
            "spare_percent": SPARE,
            "count": count_input("cards", blank=None),
            **FILE,
        },
    ),
    "open-links": (OpenLinksForm, {**WAVE_AND_UNIT, **FILE}),
}


def printed_address(request: Request[Any, Any, Any]) -> str:
    """The address cards and links will print, asked before any code is made. A refusal is
    told above the form as a whole: no input of the form sets MUSTER_PUBLIC_URL."""
    try:
        return request_base_url(request)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail) from exc


DEFAULTS = {
    "spare_percent": "10",
    "count": "",
    "format": "pdf",
    "paper": "a4",
    "include_subtree": False,
}


async def _invitations_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    principal: Principal,
    kind: str,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    mode = "cards" if kind == "cards" else "open"
    context.setdefault("values", DEFAULTS)
    return render(
        request,
        principal,
        "invitations.html",
        kind,
        status,
        kind=kind,
        **await console.invitations_page(conn, principal, mode),
        **context,
    )


async def _invitations_submit(
    request: Request[Any, Any, Any], conn: Conn, principal: Principal, kind: str
) -> Response[Any]:
    form = forms.read(await request.form(), *FORMS[kind])
    if form.data is not None:
        try:
            # The printed address first: a refused one leaves no codes made.
            base_url = printed_address(request)
            batch = await console.make_invitations(conn, principal, form.data)
        except REFUSALS as exc:
            form.errors = forms.place(exc, form.names)
        else:
            return await download(base_url, batch, form.data.format, form.data.paper)
    page = await _invitations_page(
        request, conn, principal, kind, 422, values=form.values, errors=form.errors
    )
    page.headers.update(STAFF_HEADERS)
    return page


def _invitation_routes(kind: str) -> list[Any]:
    """The page of one kind of invitation, and the form that downloads them."""
    path = f"/console/{kind}"
    name = kind.replace("-", "_")

    @get(path, name=f"{name}_page", **READ)
    async def page(
        request: Request[Any, Any, Any],
        conn: NamedDependency[Conn],
        principal: NamedDependency[Principal],
    ) -> Template:
        return await _invitations_page(request, conn, principal, kind)

    @post(path, name=f"{name}_download", **DOWNLOAD)
    async def submit(
        request: Request[Any, Any, Any],
        conn: NamedDependency[Conn],
        principal: NamedDependency[Principal],
    ) -> Response[Any]:
        return await _invitations_submit(request, conn, principal, kind)

    return [page, submit]


routes: list[Any] = [*_invitation_routes("cards"), *_invitation_routes("open-links")]
