"""HTTP routes of this capability: card sheets and open links of a wave, as downloads.

The response body is the only place the plain codes ever exist: it is not stored,
cached or logged, and the download cannot be repeated (a second request makes new codes).
"""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK

from service.auth.guards import SECURITY, require
from service.auth.principal import Principal
from service.config import Settings
from service.db import MAX_ID, Conn
from service.invitations import cards, files, links, service
from service.invitations.schemas import (
    CardsRequest,
    Format,
    LinksRequest,
    OpenLinksRequest,
    Paper,
    UnitLinkCount,
)
from service.openapi import api_problems, problem_responses

BASE = "/api/v1/waves"
TAGS = ["invitations"]
WRITE = [require("admin", scope="write")]

WaveIdParam = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The wave's id.")]


def request_base_url(request: Request[Any, Any, Any]) -> str:
    """The address cards and links will print; InvalidInput if no phone could reach it.
    Asked before any code is made, so a refused request makes none."""
    settings: Settings = request.app.state.settings
    return service.printable_base_url(settings, f"{request.url.scheme}://{request.url.netloc}")


async def download(
    base_url: str,
    batch: cards.Batch,
    fmt: Format,
    paper: Paper,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    """The card or link file as a download, for the API and the console alike, its links
    starting with `base_url` (from request_base_url, asked before the codes were made). The
    body is the codes' only copy: no cache or referrer may keep it."""
    # Rendering 2,000 QR codes takes seconds of CPU: off the event loop, inside the request's
    # transaction, so a sheet that fails to render leaves no codes behind.
    content, media_type = await to_thread.run_sync(files.cards_file, batch, fmt, paper, base_url)
    return attachment(content, media_type, files.file_name(batch, fmt), headers)


def attachment(
    content: bytes, media_type: str, name: str, headers: dict[str, str] | None = None
) -> Response[bytes]:
    """A file holding plain codes or tickets: its only copy, kept by no cache or referrer."""
    return Response(
        content,
        status_code=HTTP_200_OK,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            **(headers or {}),
        },
    )


@post(
    f"{BASE}/{{wave_id:int}}/cards",
    guards=WRITE,
    tags=TAGS,
    security=SECURITY,
    status_code=HTTP_200_OK,
    response_description="The printable sheet (PDF or HTML) or the CSV of links.",
    responses=api_problems(404, 409),
)
async def generate_cards(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: WaveIdParam,
    data: JSONBody[CardsRequest],
) -> Response[bytes]:
    """Make single-use invitation cards for a unit (or each unit without children below it).

    The file is the only copy of the codes: the database keeps their hashes. Cards cannot
    be downloaded again; generate new ones instead.
    """
    base_url = request_base_url(request)
    batch = await service.generate_cards(
        conn,
        principal,
        wave_id,
        data.unit,
        data.count,
        include_subtree=data.include_subtree,
        spare_percent=data.spare_percent,
    )
    return await download(base_url, batch, data.format, data.paper)


@post(
    f"{BASE}/{{wave_id:int}}/open-links",
    guards=WRITE,
    tags=TAGS,
    security=SECURITY,
    status_code=HTTP_200_OK,
    response_description=(
        "The printable sheet (PDF or HTML) or the CSV of links. `Muster-Replaced-Units` "
        "counts the units whose previous link stopped working."
    ),
    responses=api_problems(404, 409),
)
async def create_open_links(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: WaveIdParam,
    data: JSONBody[OpenLinksRequest],
) -> Response[bytes]:
    """Make the open link of a unit (or of each unit without children below it).

    A unit has one open link per wave: making it again replaces it, and the old link stops
    working at once.
    """
    base_url = request_base_url(request)
    batch = await service.create_open_links(
        conn, principal, wave_id, data.unit, include_subtree=data.include_subtree
    )
    replaced = {"Muster-Replaced-Units": str(len(batch.replaced_paths))}
    return await download(base_url, batch, data.format, data.paper, replaced)


@post(
    f"{BASE}/{{wave_id:int}}/links",
    guards=WRITE,
    tags=TAGS,
    security=SECURITY,
    status_code=HTTP_200_OK,
    responses={
        200: ResponseSpec(
            data_container=bytes,
            media_type=links.MEDIA_TYPE,
            description=(
                "The CSV of issuance links (unit_path, unit_name, link, key_fingerprint, note), "
                "one per person, for a mail merge. `Muster-Key-Fingerprint` is the key's short "
                "fingerprint once the wave is open."
            ),
            generate_examples=False,
        ),
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
)
async def create_links(
    request: Request[Any, Any, Any],
    conn: NamedDependency[Conn],
    principal: NamedDependency[Principal],
    wave_id: WaveIdParam,
    data: JSONBody[LinksRequest],
) -> Response[bytes]:
    """Make one issuance link per person for a unit of a `links` wave (or for each unit
    without children below it).

    A link, `/t/<survey_key>#<ticket>`, lets one person get one blind-signed token; the
    service cannot link the token to the link. The file is the only copy of the tickets:
    the database keeps their hashes.
    """
    base_url = request_base_url(request)
    batch = await service.create_links(
        conn, principal, wave_id, data.unit, data.count, include_subtree=data.include_subtree
    )
    return attachment(
        links.render_csv(batch, base_url).encode(),
        links.MEDIA_TYPE,
        links.file_name(batch),
        {"Muster-Key-Fingerprint": batch.fingerprint or ""},
    )


@get(
    f"{BASE}/{{wave_id:int}}/links",
    guards=[require("admin", scope="read")],
    tags=TAGS,
    security=SECURITY,
    responses=problem_responses(400, 401, 403, 404),
)
async def list_link_counts(
    conn: NamedDependency[Conn], principal: NamedDependency[Principal], wave_id: WaveIdParam
) -> list[UnitLinkCount]:
    """Per unit of a `links` wave: links made, until the wave closes.

    A staff-side number only: neither answers nor tokens issued per unit (which follow the
    answers closely) are counted here; answers are released only as noisy estimates.
    """
    return await service.list_link_counts(conn, principal, wave_id)


routes: list[Any] = [generate_cards, create_open_links, create_links, list_link_counts]
