"""What every console page shares: route options, the section menu, fixed flash messages,
and the helpers that render a page or redirect after a change that worked."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request
from litestar.params import PathParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER

from service.auth.controller import STAFF_HEADERS
from service.auth.guards import require
from service.auth.principal import Principal
from service.console import forms
from service.console.schemas import Confirmation, PasswordConfirmation
from service.db import MAX_ID
from service.i18n import N_, gettext
from service.web.pages import PAGE_OPT

Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]

_COMMON: dict[str, Any] = {"opt": PAGE_OPT, "include_in_schema": False}
READ: dict[str, Any] = {
    **_COMMON,
    "guards": [require("admin", scope="read")],
    "response_headers": STAFF_HEADERS,
}
WRITE: dict[str, Any] = {
    **_COMMON,
    "guards": [require("admin", scope="write")],
    "response_headers": STAFF_HEADERS,
    "status_code": HTTP_200_OK,
}
# Downloads set their own headers: the codes must not be kept by any cache or referrer.
DOWNLOAD: dict[str, Any] = {
    **_COMMON,
    "guards": [require("admin", scope="write")],
    "status_code": HTTP_200_OK,
}

SECTIONS = (
    ("overview", "/console", N_("Overview")),
    ("units", "/console/units", N_("Units")),
    ("programs", "/console/programs", N_("Programs")),
    ("waves", "/console/waves", N_("Waves")),
    ("planner", "/console/planner", N_("Budget planner")),
    ("cards", "/console/cards", N_("Invitation cards")),
    ("open-links", "/console/open-links", N_("Open links")),
    ("links", "/console/links", N_("Emailed links")),
    ("staff", "/console/staff", N_("Staff accounts")),
    ("tokens", "/console/tokens", N_("API tokens")),
    ("ledger", "/console/ledger", N_("Privacy ledger")),
    ("audit", "/console/audit", N_("Audit log")),
)

# The only messages a redirect can ask a page to show: nobody can put words in its mouth.
FLASH = {
    "unit-created": N_("The unit was created."),
    "unit-updated": N_("The unit was saved."),
    "unit-moved": N_("The unit was moved."),
    "unit-deleted": N_("The unit was deleted."),
    "units-imported": N_(
        "The import was applied: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
    ),
    "program-created": N_("The program was created and its first wave is scheduled."),
    "program-updated": N_("The program was saved."),
    "wave-opened": N_("The wave is open."),
    "wave-closed": N_("The wave is closed: its responses were shuffled and spent codes dropped."),
    "wave-released": N_("The wave was released: leaders and researchers can now see its results."),
    "staff-updated": N_("The account was saved."),
    "staff-disabled": N_("The account was disabled: its sessions and tokens no longer work."),
    "staff-enabled": N_("The account was enabled again. Old sessions and tokens stay revoked."),
    "token-revoked": N_("The token was revoked."),
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CONFIRM_MESSAGE = N_("Tick the box to confirm that you understand, then try again.")


_CONFIRMATIONS = {"confirm": Confirmation, "confirm_password": PasswordConfirmation}


async def confirmation(request: Request[Any, Any, Any], name: str = "confirm") -> forms.Errors:
    """Nothing when the form's "I understand" box is ticked, else the message beside it."""
    inputs = {name: forms.Input("check", message=CONFIRM_MESSAGE)}
    return forms.read(await request.form(), _CONFIRMATIONS[name], inputs).errors


def role_names() -> dict[str, str]:
    """Each role as the pages name it, in the request's language."""
    return {
        "admin": gettext("Administrator"),
        "leader": gettext("Leader"),
        "researcher": gettext("Researcher"),
    }


def utc_now() -> datetime:
    return datetime.now(UTC)


def _flash(request: Request[Any, Any, Any]) -> str | None:
    message = FLASH.get(request.query_params.get("done") or "")
    if message is None:
        return None

    def count(name: str) -> str:
        raw = request.query_params.get(name) or "0"
        return str(int(raw)) if raw.isdigit() and len(raw) < 9 else "0"

    return gettext(message, **{name: count(name) for name in _PLACEHOLDER.findall(message)})


def render(
    request: Request[Any, Any, Any],
    principal: Principal,
    template: str,
    section: str,
    status: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    return Template(
        template_name=f"console/{template}",
        context={
            "viewer": principal,
            "section": section,
            "sections": [(key, href, gettext(label)) for key, href, label in SECTIONS],
            "role_names": role_names(),
            "flash": _flash(request),
            "errors": {},
            "values": {},
            **context,
        },
        status_code=status,
    )


def redirect(path: str, done: str | None = None, **counts: int) -> Redirect:
    query = f"?done={done}" if done else ""
    for key, value in counts.items():
        query += f"&{key}={value}"
    return Redirect(path + query, status_code=HTTP_303_SEE_OTHER)
