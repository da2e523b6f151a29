"""The OpenAPI side of problem documents: what each /api/v1 operation declares.

Every operation declares the problem responses it can send (RFC 9457,
application/problem+json) and the security it needs; service/errors.py makes the
documents themselves; service/auth/guards.py has SECURITY, service/db.py MAX_ID.
"""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec

from service.errors import PROBLEM_MEDIA_TYPE, Problem

# What any staff operation can answer: an unreadable request, no or a bad credential, a
# role or scope that does not allow it, an invalid field, a token over its rate limit.
COMMON = (400, 401, 403, 422, 429)

_PROBLEM_WHEN: dict[int, str] = {
    400: "The request could not be read (problem document).",
    401: "No valid session or API token: `not-authenticated` or `token-invalid` "
    "(revoked or expired token).",
    403: "The role or the token scope does not allow this (`forbidden`).",
    404: "No such program, wave, unit, instrument, staff account or token, or one outside "
    "your scope (the same answer; the problem's `type` says which).",
    409: "The request conflicts with the current state (the problem's `type` says how).",
    413: "The request body is over the size limit (`body-too-large`).",
    422: "A query parameter or field is not valid; `errors` names it.",
    429: "The API token sent too many requests (`rate-limited`); see `Retry-After` "
    "and the `RateLimit` headers.",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """`responses=` for a route decorator: each status as an RFC 9457 problem document."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_PROBLEM_WHEN.get(status, "A problem document."),
            media_type=PROBLEM_MEDIA_TYPE,
            # Generated examples would hold FieldError objects the document cannot carry.
            generate_examples=False,
        )
        for status in statuses
    }


def api_problems(*extra: int) -> dict[int, ResponseSpec]:
    """The common problem responses and `extra` (404, 409, 413) for a staff operation."""
    return problem_responses(*COMMON, *extra)
