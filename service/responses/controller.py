"""The responder's routes: GET and POST /s/<survey_key>. HTTP only.

No guards, no session, no cookies, no query parameter but `lang`, no logging of anything
about the request. The code reaches the server only in the POST body. Errors are pages,
never problem documents, and never echo the code except back into the form field of the
person who typed it.

These handlers take a connection from the pool without opening a transaction: a
submission is one statement, atomic on its own, and holds its locks for the shortest time.
A submission itself goes to the process's SubmissionBatcher (batching.py), which stores it
with whatever else is waiting; the POST holds no pool connection while it waits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import PathParameter, QueryParameter
from litestar.response.base import ASGIResponse

from service.db import Conn
from service.errors import (
    DomainError,
    InvalidInput,
    InvitationSpent,
    InvitationUnknown,
    SurveyNotFound,
    WaveNotOpen,
    status_of,
)
from service.metrics import controller as metrics
from service.responses import i18n, pages
from service.responses import service as responses
from service.responses.batching import batcher_for
from service.responses.middleware import RESPONDENT_HEADERS
from service.responses.ratelimit import limiter_for

# Form fields that are not answers: "switch" (a language button: show the form again in
# that language, with the code and answers sent) and "send_empty" (the person confirmed
# sending no answer at all).
CONTROL_FIELDS = frozenset({"code", "token", "form_key", "lang", "switch", "send_empty"})
# Longer than any code or open-link value; the rest of a longer field is ignored.
MAX_CODE_CHARS = 200
# Longer than any blind-signed token (about 490 characters); a longer one is malformed.
MAX_TOKEN_CHARS = 2049
# Code failures that count against a survey's rate limit: they are what guessing looks like.
GUESS_REASONS = frozenset({"characters", "length", "check"})

SurveyKey = Annotated[str, PathParameter(description="The wave's survey key.")]
# The only query parameter a survey address ever reads: the language the person picked.
Language = Annotated[str | None, QueryParameter(description="en or fr")]


def _html(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response[bytes]:
    """A page from an exception handler (which must return a Response)."""
    return Response(
        content=body,
        status_code=status,
        media_type=MediaType.HTML,
        headers={**RESPONDENT_HEADERS, **(headers or {})},
    )


def _page(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> ASGIResponse:
    """A page from a route, sent as it is, without Litestar's response conversion.
    RespondentPrivacyMiddleware sets the same headers again on the way out."""
    return ASGIResponse(
        body=body,
        status_code=status,
        media_type=MediaType.HTML,
        headers={**RESPONDENT_HEADERS, **(headers or {})},
    )


def respondent_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Any failure on a survey route is a plain page; a 500 is counted, never logged here."""
    status = status_of(exc)
    if status >= 500:
        # A responder's request writes no log line, not even during an outage: a counter,
        # reported by a request-free line at most once a minute (service/metrics/controller.py).
        metrics.record_respondent_failure(request.app.state, exc)
    lang = i18n.negotiate(request.headers.get("accept-language"))
    return _html(pages.error(status, lang), status)


ROUTE_OPTIONS: dict[str, Any] = {
    "include_in_schema": False,
    "exception_handlers": {Exception: respondent_error},
    "response_headers": RESPONDENT_HEADERS,
}


def _pool(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.pool


@get("/s/{survey_key:str}", **ROUTE_OPTIONS)
async def survey_page(
    request: Request[Any, Any, Any], survey_key: SurveyKey, lang: Language = None
) -> ASGIResponse:
    """The survey: its questions while open; when it opens, or when it closed, otherwise."""
    chosen = i18n.choose(lang, request.headers.get("accept-language"))
    async with _pool(request).acquire() as conn:
        try:
            page = await responses.fetch_survey_page(conn, survey_key)
        except SurveyNotFound:
            return _page(pages.error(404, chosen), 404)
    if page.state != "open":
        return _page(pages.state(page, chosen))
    return _page(pages.survey(page, chosen, responses.new_form_key()))


def _decode(part: bytes) -> str:
    if b"%" in part or b"+" in part:
        return unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8", "replace")
    return part.decode("utf-8", "replace")


def parse_urlencoded(body: bytes) -> dict[str, str]:
    """The fields of an application/x-www-form-urlencoded body; the first of a repeated name.

    Parsed here rather than by `request.form()`, whose parser keeps the last 1,024 bodies it
    saw in an in-memory cache: a survey body holds a plain code, which must not outlive its
    request. It is also about 4x faster on a form of 32 answers (9 µs against 37 µs).
    """
    fields: dict[str, str] = {}
    if b"%" not in body and b"+" not in body:  # what a browser sends for this form
        for text in body.decode("utf-8", "replace").split("&"):
            if text:
                name, _, value = text.partition("=")
                fields.setdefault(name, value)
        return fields
    for pair in body.split(b"&"):
        if pair:
            name_bytes, _, value_bytes = pair.partition(b"=")
            fields.setdefault(_decode(name_bytes), _decode(value_bytes))
    return fields


async def _read_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":
        return parse_urlencoded(await request.body())
    # Multipart, or no type at all: Litestar's parser (no cache on this path).
    form: FormMultiDict = await request.form()
    return {name: value for name in form if isinstance(value := form.get(name), str)}


class _Sent(msgspec.Struct, frozen=True):
    """What the person sent, to put back into the form."""

    code: str
    answers: dict[str, str]


async def _form_again(
    conn: Conn,
    survey_key: str,
    lang: str,
    status: int,
    sent: _Sent,
    *,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    headers: dict[str, str] | None = None,
) -> ASGIResponse:
    """The form again, with the errors beside their fields and every answer kept."""
    page = await responses.fetch_survey_page(conn, survey_key)
    if page.state != "open":
        return _page(pages.state(page, lang), WaveNotOpen.status)
    body = pages.survey(
        page,
        lang,
        responses.new_form_key(),
        code=sent.code,
        selected=sent.answers,
        errors=errors,
        form_error=form_error,
    )
    return _page(body, status, headers)


def _messages(lang: str, reasons: dict[str, str]) -> tuple[dict[str, str], str | None]:
    errors: dict[str, str] = {}
    form_error = None
    for field, reason in reasons.items():
        if field == "form_key":
            form_error = i18n.text(lang, "error.form_key")
        elif field in ("code", "token", "answers"):
            errors[field] = i18n.text(lang, f"error.{field}.{reason}")
        else:
            errors[field] = i18n.text(lang, f"error.{reason}")
    return errors, form_error


async def _refused(
    conn: Conn,
    survey_key: str,
    lang: str,
    sent: _Sent,
    exc: DomainError,
    count: Callable[[str], None],
) -> ASGIResponse:
    """The page for a submission that stored nothing: the form again, or why not."""
    if isinstance(exc, InvalidInput):
        reasons: dict[str, str] = exc.extra.get("reasons", {})
        if "token" in reasons:
            count("token_invalid")
        else:
            count("code_malformed" if "code" in reasons else "invalid_answers")
        errors, form_error = _messages(lang, reasons)
        return await _form_again(
            conn, survey_key, lang, exc.status, sent, errors=errors, form_error=form_error
        )
    if isinstance(exc, InvitationUnknown | InvitationSpent):
        spent = isinstance(exc, InvitationSpent)
        count("code_spent" if spent else "code_unknown")
        field = exc.extra.get("field", "code")
        errors = {field: i18n.text(lang, f"error.{field}.{'spent' if spent else 'unknown'}")}
        return await _form_again(conn, survey_key, lang, exc.status, sent, errors=errors)
    if isinstance(exc, WaveNotOpen):
        count("wave_not_open")
        page = await responses.fetch_survey_page(conn, survey_key)
        return _page(pages.state(page, lang), exc.status)
    if isinstance(exc, SurveyNotFound):
        count("survey_not_found")
        return _page(pages.error(404, lang), 404)
    raise exc


@post("/s/{survey_key:str}", status_code=200, **ROUTE_OPTIONS)
async def survey_submit(request: Request[Any, Any, Any], survey_key: SurveyKey) -> ASGIResponse:
    """Send the answers: a thank-you page, or the form again saying what to correct."""
    form = await _read_form(request)
    lang = i18n.choose(form.get("lang", ""), request.headers.get("accept-language"))
    code = form.get("code", "")[:MAX_CODE_CHARS]
    token = form.get("token", "")[:MAX_TOKEN_CHARS]
    form_key = form.get("form_key", "")
    answers = {key: value for key, value in form.items() if key not in CONTROL_FIELDS}
    sent = _Sent(code=code, answers=answers)
    switch = i18n.pick(form.get("switch"))
    if switch is not None:
        # The language switch: the same form in the other language; nothing is checked or
        # spent, and the code and answers come back as they were sent.
        async with _pool(request).acquire() as conn:
            return await _form_again(conn, survey_key, switch, 200, sent)
    limiter = limiter_for(request.app.state)

    def count(outcome: str) -> None:
        # How the submission ended, and nothing else: no wave, no unit, no person.
        metrics.record_submission(request.app.state, outcome)

    if not limiter.allows(survey_key):
        async with _pool(request).acquire() as conn:
            try:
                # Checked after the survey is known to exist, so a made-up address stays 404.
                await responses.fetch_survey_layout(conn, survey_key)
            except DomainError as exc:
                return await _refused(conn, survey_key, lang, sent, exc, count)
            count("rate_limited")
            return await _form_again(
                conn,
                survey_key,
                lang,
                429,
                sent,
                form_error=i18n.text(lang, "error.too_many"),
                headers={"Retry-After": str(limiter.retry_after(survey_key))},
            )
    try:
        # No pool connection is held while the submission waits for its group (batching.py).
        result = await responses.submit_response(
            batcher_for(request.app.state),
            survey_key,
            code,
            form_key,
            answers,
            token=token,
            confirmed_empty=form.get("send_empty") == "yes",
        )
    except DomainError as exc:
        if isinstance(exc, InvalidInput):
            reasons: dict[str, str] = exc.extra.get("reasons", {})
            if reasons.get("code") in GUESS_REASONS:
                limiter.record_failure(survey_key)
        elif isinstance(exc, InvitationUnknown):
            limiter.record_failure(survey_key)
        async with _pool(request).acquire() as conn:
            return await _refused(conn, survey_key, lang, sent, exc, count)
    count("accepted")
    return _page(pages.thanks(result, lang))


@get("/c", **ROUTE_OPTIONS)
async def start_page(request: Request[Any, Any, Any], lang: Language = None) -> ASGIResponse:
    """The short address printed on cards: a form for the code, which finds its survey."""
    return _page(pages.start(i18n.choose(lang, request.headers.get("accept-language"))))


@post("/c", status_code=200, **ROUTE_OPTIONS)
async def start_submit(request: Request[Any, Any, Any]) -> ASGIResponse:
    """The survey of the code typed at the short address, with the code filled in."""
    form = await _read_form(request)
    lang = i18n.choose(form.get("lang", ""), request.headers.get("accept-language"))
    code = form.get("code", "")[:MAX_CODE_CHARS]
    limiter = limiter_for(request.app.state)
    if not limiter.allows(START_LIMIT):
        errors = {"code": i18n.text(lang, "error.too_many")}
        headers = {"Retry-After": str(limiter.retry_after(START_LIMIT))}
        return _page(pages.start(lang, code, errors), 429, headers)
    async with _pool(request).acquire() as conn:
        try:
            survey_key = await responses.find_survey_for_code(conn, code)
        except (InvalidInput, InvitationUnknown) as exc:
            reason = exc.extra.get("reasons", {}).get("code", "unknown")
            if reason != "empty":
                limiter.record_failure(START_LIMIT)
            errors = {"code": i18n.text(lang, f"error.code.{reason}")}
            return _page(pages.start(lang, code, errors), exc.status)
        return await _form_again(conn, survey_key, lang, 200, _Sent(code=code, answers={}))


# Wrong codes at the short address count against a limit of their own.
START_LIMIT = "/c"

routes: list[Any] = [survey_page, survey_submit, start_page, start_submit]
