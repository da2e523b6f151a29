"""The DomainError tree and its one mapping to RFC 9457 problem documents.

Every error the service sends has the same shape: `type`, `title`, `status`,
`detail`, and for validation errors `errors`, a list of field paths and messages.
Services raise DomainError subclasses; this module is the only place that turns
exceptions into responses.

Titles are marked `N_`: the staff pages show them in the page's language
(`gettext(problem.title)`, error.html and the sign-in page). Problem documents stay in
English whatever the request's language: scripts and logs match on them, and a detail,
written in English where the problem is raised, would otherwise sit under a French title.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

import asyncpg
import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    SerializationException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from service.i18n import N_

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://muster.dev/problems/"
log = logging.getLogger("muster")


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    extra: dict[str, Any] | None = None


class DomainError(Exception):
    """A rule of the domain said no. Subclasses name what went wrong."""

    status: ClassVar[int] = 400
    type_slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = N_("The request cannot be carried out")
    # The form input this error is about, on a page that has one by that name (the console
    # shows the detail beside it); None when it is about the request as a whole.
    form_field: ClassVar[str | None] = None

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        # Response headers that belong with this problem, e.g. Retry-After on a 429.
        self.headers = headers
        self.extra = extra

    def to_problem(self) -> Problem:
        return Problem(
            type=PROBLEM_BASE + self.type_slug,
            title=self.title,
            status=self.status,
            detail=self.detail,
            errors=self.errors,
            extra=self.extra or None,
        )


# --- 400 / 422: the input itself ------------------------------------------------------


class InvalidInput(DomainError):
    status = 422
    type_slug = "invalid-input"
    title = N_("Some fields are not valid")


class MalformedBody(DomainError):
    status = 400
    type_slug = "malformed-body"
    title = N_("The request body could not be read")


class BodyTooLarge(DomainError):
    status = 413
    type_slug = "body-too-large"
    title = N_("The request body is too large")


class InvalidInstrument(DomainError):
    status = 422
    type_slug = "invalid-instrument"
    title = N_("The instrument file is not valid")


class InvalidCsv(DomainError):
    status = 422
    type_slug = "invalid-csv"
    title = N_("The CSV file is not valid")


# --- 401 / 403: who is asking ---------------------------------------------------------


class NotAuthenticated(DomainError):
    status = 401
    type_slug = "not-authenticated"
    title = N_("Sign in first")


class InvalidCredentials(DomainError):
    status = 401
    type_slug = "invalid-credentials"
    title = N_("Email or password is wrong")


class TokenInvalid(DomainError):
    status = 401
    type_slug = "token-invalid"
    title = N_("The API token is unknown, revoked or expired")


class CsrfFailed(DomainError):
    status = 403
    type_slug = "csrf-failed"
    title = N_("The form has expired")


class Forbidden(DomainError):
    status = 403
    type_slug = "forbidden"
    title = N_("Your role does not allow this")


class TooManyAttempts(DomainError):
    status = 429
    type_slug = "too-many-attempts"
    title = N_("Too many attempts")


# --- 404 / 409: the state of things ---------------------------------------------------


class NotFound(DomainError):
    status = 404
    type_slug = "not-found"
    title = N_("Not found")


class UnitNotFound(NotFound):
    type_slug = "unit-not-found"
    title = N_("No such unit")
    form_field = "unit"


class ProgramNotFound(NotFound):
    type_slug = "program-not-found"
    title = N_("No such program")


class WaveNotFound(NotFound):
    type_slug = "wave-not-found"
    title = N_("No such wave")
    form_field = "wave"


class InstrumentNotFound(NotFound):
    type_slug = "instrument-not-found"
    title = N_("No such instrument")


class StaffNotFound(NotFound):
    type_slug = "staff-not-found"
    title = N_("No such staff account")


class ActionNotFound(NotFound):
    type_slug = "action-not-found"
    title = N_("No such action")


class ShareNotFound(NotFound):
    type_slug = "share-not-found"
    title = N_("No such crews' page link")


class Conflict(DomainError):
    status = 409
    type_slug = "conflict"
    title = N_("This conflicts with the current state")


class DuplicateUnit(Conflict):
    type_slug = "duplicate-unit"
    title = N_("A unit with this slug already exists here")
    form_field = "slug"


class UnitCycle(Conflict):
    type_slug = "unit-cycle"
    title = N_("A unit cannot be moved below itself")
    form_field = "parent"


class UnitInUse(Conflict):
    type_slug = "unit-in-use"
    title = N_("This unit is still in use")


class DuplicateStaff(Conflict):
    type_slug = "duplicate-staff"
    title = N_("A staff account with this email already exists")
    form_field = "email"


class ProgramFrozen(Conflict):
    type_slug = "program-frozen"
    title = N_("Privacy and anonymity settings are fixed once a wave has opened")


class WaveTransitionRefused(Conflict):
    type_slug = "wave-transition-refused"
    title = N_("The wave cannot move to that state")


class CloseWaiting(Conflict):
    """A closed wave's codes cannot be erased yet: another transaction holds its tables."""

    type_slug = "close-waiting"
    title = N_("The close is waiting for another transaction")


class NotReady(DomainError):
    status = 503
    type_slug = "not-ready"
    title = N_("The service is not ready")


class TokenNotFound(NotFound):
    type_slug = "token-not-found"
    title = N_("No such API token")


class LastAdmin(Conflict):
    type_slug = "last-admin"
    title = N_("This would leave no administrator")
    form_field = "role"


class DuplicateProgram(Conflict):
    type_slug = "duplicate-program"
    title = N_("A program with this name already exists")
    form_field = "name"


class SurveyNotFound(NotFound):
    type_slug = "survey-not-found"
    title = N_("No such survey")


class InvitationUnknown(DomainError):
    status = 422
    type_slug = "invitation-unknown"
    title = N_("This code is not valid for this survey")


class InvitationSpent(Conflict):
    type_slug = "invitation-spent"
    title = N_("This card has already been used")


class TicketUnknown(NotFound):
    type_slug = "ticket-unknown"
    title = N_("This invitation link is not valid for this survey")


class TicketSpent(Conflict):
    type_slug = "ticket-spent"
    title = N_("This invitation has already been used to get a token")


class WaveNotOpen(Conflict):
    type_slug = "wave-not-open"
    title = N_("This survey is not open")


class WaveClosed(Conflict):
    type_slug = "wave-closed"
    title = N_("This wave has closed")
    form_field = "wave"


class WrongDistributionMode(Conflict):
    type_slug = "wrong-distribution-mode"
    title = N_("The wave uses another distribution mode")
    form_field = "wave"


class WaveAlreadyReleased(Conflict):
    type_slug = "wave-already-released"
    title = N_("This wave has been released already")


class BudgetExhausted(Conflict):
    type_slug = "budget-exhausted"
    title = N_("The privacy budget for this year is spent")


class RateLimited(DomainError):
    status = 429
    type_slug = "rate-limited"
    title = N_("This API token has sent too many requests")


# --- the mapping ----------------------------------------------------------------------


def status_of(exc: BaseException) -> int:
    """The HTTP status an exception answers with, on every route: the one status mapping.

    A DomainError says its own; Litestar's exceptions carry theirs (its "too large" 400 is a
    413); anything else is a 500.
    """
    if isinstance(exc, DomainError):
        return exc.status
    if isinstance(exc, HTTPException):
        status = exc.status_code
        if status == 400 and "too large" in str(exc.detail).lower():
            return 413
        return status
    return HTTP_500_INTERNAL_SERVER_ERROR


def split_validation_message(text: str) -> tuple[str, str]:
    """msgspec's `Expected ... - at `$.a[0].b`` as ("Expected ...", "$.a[0].b").

    The path is '' when the message names none; a dict key's path keeps msgspec's
    "key` in `$.a" form for callers that say so.
    """
    message, _, where = text.partition(" - at `")
    return message, where.removesuffix("`")


def field_error(exc: msgspec.ValidationError, default: str = "") -> FieldError:
    """The field (`a[0].b`, without msgspec's `$.`) and message of a validation error: the
    one place msgspec's messages are taken apart. `default` names a value with no path."""
    message, where = split_validation_message(str(exc))
    path = where.removeprefix("key` in `").removeprefix("$").removeprefix(".")
    return FieldError(field=path or default, message=message)


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


# Litestar's words for a parameter the request left out.
_MISSING_PARAMETER = re.compile(r"Missing required (\w+) parameter '([^']+)'")


def _from_validation(exc: ValidationException) -> Problem:
    """Litestar's validation failure, each field named as the user sent it: `scale` for a
    query or path parameter, `instruments[0]` inside the body, `body` for the body as a
    whole (Litestar calls it `data`)."""
    errors: list[FieldError] = []
    raw = exc.extra if isinstance(exc.extra, list) else []
    for item in raw:
        if isinstance(item, dict):
            key = str(item.get("key") or "data")
            field = "body" if key == "data" else key
            errors.append(FieldError(field=field, message=str(item.get("message", "invalid"))))
    detail = str(exc.detail)
    missing = _MISSING_PARAMETER.search(detail)
    if missing and not errors:
        kind, name = missing.groups()
        errors.append(FieldError(field=name, message=f"missing: send the {kind} parameter {name}"))
    if "Request body is too large" in detail or exc.status_code == 413:
        return BodyTooLarge("Send a smaller body; see MUSTER_MAX_BODY_BYTES.").to_problem()
    if not errors and ("JSON" in detail or "decode" in detail.lower() or "Malformed" in detail):
        return MalformedBody(
            "The body is not valid JSON. Send a JSON object with the documented fields."
        ).to_problem()
    return InvalidInput(
        "Correct the fields listed under `errors` and send the request again.",
        errors=errors or [FieldError(field="body", message=detail)],
    ).to_problem()


_HTTP_TITLES = {
    404: ("not-found", N_("Not found"), "Check the address; nothing is served here."),
    405: ("method-not-allowed", N_("Method not allowed"), "Use one of the methods in `Allow`."),
    413: ("body-too-large", N_("The request body is too large"), "Send a smaller body."),
    415: ("unsupported-media-type", N_("Unsupported media type"), "Send JSON or a form."),
    429: ("too-many-requests", N_("Too many requests"), "Wait a moment and try again."),
}


def exception_to_problem(exc: Exception) -> tuple[Problem, dict[str, str] | None]:
    """The single translation from any exception to a problem document."""
    if isinstance(exc, DomainError):
        return exc.to_problem(), exc.headers
    if isinstance(exc, ValidationException):
        return _from_validation(exc), None
    if isinstance(
        exc, asyncpg.CharacterNotInRepertoireError | asyncpg.UntranslatableCharacterError
    ):
        # PostgreSQL text cannot hold NUL (U+0000); such input is the caller's to correct.
        return (
            InvalidInput(
                "A text field contains a character PostgreSQL cannot store (U+0000). Remove it "
                "and send the request again.",
                errors=[FieldError(field="body", message="contains a NUL character")],
            ).to_problem(),
            None,
        )
    if isinstance(exc, NotAuthorizedException):
        return NotAuthenticated("Sign in, or send a valid API token.").to_problem(), None
    if isinstance(exc, PermissionDeniedException):
        return Forbidden("Ask an administrator for access.").to_problem(), None
    if isinstance(exc, HTTPException) and isinstance(exc.__cause__, SerializationException):
        # Litestar wraps a body that does not decode in a 400 ClientException.
        return (
            MalformedBody(
                "The body is not valid JSON. Send a JSON object with the documented fields."
            ).to_problem(),
            None,
        )
    if isinstance(exc, HTTPException):
        status = status_of(exc)
        slug, title, detail = _HTTP_TITLES.get(
            status, ("bad-request", N_("Bad request"), "Correct the request and send it again.")
        )
        if status == 400 and exc.detail and status not in _HTTP_TITLES:
            detail = f"{exc.detail}. Correct the request and send it again."
        headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"}
        return Problem(PROBLEM_BASE + slug, title, status, detail), headers or None
    # A 500 says nothing about what failed: no detail, no trace.
    log.error("unhandled %s", type(exc).__name__, exc_info=exc)
    return INTERNAL_PROBLEM, None


# What every 500 says, whatever failed.
INTERNAL_PROBLEM = Problem(
    PROBLEM_BASE + "internal",
    N_("Something went wrong on our side"),
    HTTP_500_INTERNAL_SERVER_ERROR,
    "Try again in a moment; if it keeps happening, tell your administrator.",
)


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    problem, headers = exception_to_problem(exc)
    renderer = request.route_handler.opt.get("error_page") if _has_handler(request) else None
    if renderer is not None and MediaType.HTML in (request.headers.get("accept") or ""):
        response: Response[Any] = renderer(request, problem)
        return response
    return problem_response(problem, headers)


def _has_handler(request: Request[Any, Any, Any]) -> bool:
    try:
        return request.route_handler is not None
    except Exception:
        return False


def problem_types() -> list[type[DomainError]]:
    """Every concrete problem type, for docs and the shape test."""
    seen: list[type[DomainError]] = []
    stack: list[type[DomainError]] = [DomainError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
