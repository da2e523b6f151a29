"""The console's page for emailed links (links mode): export one issuance link per person as
CSV, and see, per unit, how many links were made (not how many tokens were issued: that
would be close to an exact count of answers per unit).

Those are staff-side numbers. Answers per unit are not shown here, nor anywhere but in
released, noisy figures: no exact count of responses below the root leaves the service.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template

from service.auth.controller import STAFF_HEADERS
from service.auth.principal import Principal
from service.console import forms
from service.console import service as console
from service.console.invitations import REFUSALS, WAVE_AND_UNIT, count_input, printed_address
from service.console.page import DOWNLOAD, READ, render
from service.console.schemas import LinksForm
from service.db import Conn
from service.invitations import links
from service.invitations import service as invitations
from service.invitations.controller import attachment

INPUTS = {**WAVE_AND_UNIT, "count": count_input("links")}


@get("/console/links", **READ)
async def links_page(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Template:
    return render(
        request,
        principal,
        "links.html",
        "links",
        values={"count": "40", "include_subtree": False},
        **await console.links_page(conn, principal),
    )


@post("/console/links", **DOWNLOAD)
async def links_download(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
) -> Response[Any]:
    form = forms.read(await request.form(), LinksForm, INPUTS)
    if form.data is not None:
        data = form.data
        try:
            # The printed address first: a refused one leaves no tickets made.
            base_url = printed_address(request)
            batch = await invitations.create_links(
                conn, principal, data.wave, data.unit, data.count,
                include_subtree=data.include_subtree,
            )  # fmt: skip
        except REFUSALS as exc:
            form.errors = forms.place(exc, form.names)
        else:
            return attachment(
                links.render_csv(batch, base_url).encode(),
                links.MEDIA_TYPE,
                links.file_name(batch),
                {},
            )
    page = render(
        request, principal, "links.html", "links", 422, values=form.values, errors=form.errors,
        **await console.links_page(conn, principal),
    )  # fmt: skip
    page.headers.update(STAFF_HEADERS)
    return page


routes: list[Any] = [links_page, links_download]
