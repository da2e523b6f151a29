"""The responder's routes for emailed links (the protocol itself is service/tokens). HTTP
only; like every survey route they set no cookie, log nothing about the request, and send
the respondent privacy headers (middleware.py).

- GET /t/<survey_key>: the issuance page. The ticket stays in the fragment (`#<ticket>`),
  which the browser never sends; the page's script reads it.
- GET /s/<survey_key>/key: the wave's public key, as JSON.
- POST /s/<survey_key>/issue: a blind signature for a ticket, as JSON; errors are problem
  documents (RFC 9457), not pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import MediaType, Request, Response, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.response.base import ASGIResponse

from service.db import Pool
from service.errors import (
    INTERNAL_PROBLEM,
    DomainError,
    exception_to_problem,
    problem_response,
    status_of,
)
from service.metrics import controller as metrics
from service.responses import i18n
from service.responses import token_pages as pages
from service.responses.controller import ROUTE_OPTIONS
from service.responses.middleware import RESPONDENT_HEADERS, TOKEN_PAGE_HEADERS
from service.tokens import service as tokens
from service.tokens.schemas import IssuedSignature, IssueRequest, WaveKey
from service.tokens.signing import signer_for

SurveyKey = Annotated[str, PathParameter(description="The wave's survey key.")]
Language = Annotated[str | None, QueryParameter(description="en or fr")]


def token_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Errors of the JSON routes are problem documents; a 500, like on every survey route,
    is counted and never logged (service/metrics/controller.py)."""
    if status_of(exc) >= 500:
        metrics.record_respondent_failure(request.app.state, exc)
        return problem_response(INTERNAL_PROBLEM)
    problem, headers = exception_to_problem(exc)
    return problem_response(problem, headers)


# JSON routes: problem documents, and the same privacy headers. Like every respondent route
# they stay out of the staff API's document; docs/anonymity.md gives their wire format.
JSON_OPTIONS: dict[str, Any] = {
    "response_headers": RESPONDENT_HEADERS,
    "include_in_schema": False,
    "exception_handlers": {Exception: token_problem},
}


def _pool(request: Request[Any, Any, Any]) -> Pool:
    pool: Pool = request.app.state.pool
    return pool


@get("/t/{survey_key:str}", **ROUTE_OPTIONS)
async def token_page(
    request: Request[Any, Any, Any], survey_key: SurveyKey, lang: Language = None
) -> ASGIResponse:
    """Get a token for an emailed link: the page explains, the browser does the rest."""
    chosen = i18n.choose(lang, request.headers.get("accept-language"))
    async with _pool(request).acquire() as conn:
        try:
            key = await tokens.fetch_wave_key(conn, survey_key)
        except DomainError as exc:
            body, status = await pages.unavailable(conn, survey_key, chosen, exc)
            return _page(body, status)
        return _page(await pages.token_page(conn, survey_key, key, chosen))


def _page(body: bytes, status: int = 200) -> ASGIResponse:
    return ASGIResponse(
        body=body, status_code=status, media_type=MediaType.HTML, headers=TOKEN_PAGE_HEADERS
    )


@get("/s/{survey_key:str}/key", **JSON_OPTIONS)
async def wave_key(request: Request[Any, Any, Any], survey_key: SurveyKey) -> WaveKey:
    """The open wave's RSA public key (RSABSSA-SHA384-PSS-Randomized) and its fingerprint."""
    async with _pool(request).acquire() as conn:
        return await tokens.fetch_wave_key(conn, survey_key)


@post("/s/{survey_key:str}/issue", status_code=200, **JSON_OPTIONS)
async def issue(
    request: Request[Any, Any, Any], survey_key: SurveyKey, data: JSONBody[IssueRequest]
) -> IssuedSignature:
    """Sign a blinded message once per invitation ticket (RFC 9474 BlindSign).

    404 `ticket-unknown`, 409 `ticket-spent` (the ticket already got its token),
    409 `wave-not-open`, 422 `invalid-input`.
    """
    return await tokens.issue_token(
        _pool(request), signer_for(request.app.state), survey_key, data.ticket, data.blinded_msg
    )


routes: list[Any] = [token_page, wave_key, issue]
