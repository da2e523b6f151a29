"""Privacy of the responder's routes, enforced once for every response they send.

It sits beside the routes it guards (`controller.py`) and renders its error pages with the
same `pages.error` as their exception handler.

`RespondentPrivacyMiddleware` is a pure ASGI middleware. For every response on a survey
address (`/s/...`), on the token page of emailed links (`/t/...`, whose CSP also allows
`connect-src 'self'` for its script), on the crews' page a leader shares (`/crews/...`,
whose CSP allows no script and no form, and which asks not to be indexed) and on the files
these pages load, whatever the status (200, 404, 405, 413, 429, 500), it:

- removes every Set-Cookie header;
- sets `Referrer-Policy: no-referrer`, `Cache-Control: no-store`, a strict
  Content-Security-Policy (self only, no inline script or style), `nosniff`,
  `X-Frame-Options: DENY` and a Permissions-Policy that turns off camera, microphone and
  geolocation;
- on `/s/...` and `/t/...`, turns any error that is not already a page (a problem
  document from the router's 404 or 405, for instance) into an HTML page in the person's
  language, which never repeats anything that was sent; except on the two JSON routes of
  token issuance (`/s/<key>/key`, `/s/<key>/issue`), whose errors stay problem documents.
  The crews' routes answer their own errors with pages in their own words.

It logs nothing. It must wrap the whole application, not only matched routes, because a
404 or 405 never reaches a route: `install_respondent_privacy(app)` puts it around the
app's ASGI handler.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from service.responses import i18n, pages

if TYPE_CHECKING:
    from litestar import Litestar

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

RESPONDENT_PREFIX = "/s/"
# The issuance page of emailed links (service/tokens), and the JSON routes its script calls.
TOKEN_PREFIX = "/t/"  # noqa: S105 - an address, not a secret
_TOKEN_JSON = re.compile(r"/s/[^/]+/(key|issue)")
RESPONDENT_STATIC = frozenset(
    {
        "/static/respond.js",
        "/static/respond.css",
        "/static/token.js",
        "/static/token-form.js",
        "/static/vendor/blindrsa-ts-0.4.4.js",
    }
)
RESPONDENT_HEADERS: dict[str, str] = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# The issuance page's script fetches the key and the signature from this origin, nowhere else.
TOKEN_PAGE_HEADERS: dict[str, str] = {
    **RESPONDENT_HEADERS,
    "Content-Security-Policy": RESPONDENT_HEADERS["Content-Security-Policy"]
    + "; connect-src 'self'",
}
# The crews' page a leader shares (service/crews): public like a survey, without script or
# form, and kept out of search engines; its token must no more leave in a Referer.
CREWS_PREFIX = "/crews/"
CREWS_HEADERS: dict[str, str] = {
    **RESPONDENT_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Robots-Tag": "noindex, nofollow",
}
_SET = [(k.lower().encode(), v.encode()) for k, v in RESPONDENT_HEADERS.items()]
_TOKEN_SET = [(k.lower().encode(), v.encode()) for k, v in TOKEN_PAGE_HEADERS.items()]
_CREWS_SET = [(k.lower().encode(), v.encode()) for k, v in CREWS_HEADERS.items()]
# Headers this middleware owns, plus Set-Cookie, which never leaves a respondent route.
_DROP = frozenset({name for name, _ in _SET + _CREWS_SET} | {b"set-cookie"})
# Headers of an error response worth keeping when its body is replaced by a page.
_KEEP_ON_ERROR = frozenset({b"allow", b"retry-after"})


# The short address printed on cards: type the code, get the survey.
START_PATH = "/c"


def is_respondent_path(path: str) -> bool:
    return (
        path.startswith((RESPONDENT_PREFIX, TOKEN_PREFIX, CREWS_PREFIX))
        or path in RESPONDENT_STATIC
        or path == START_PATH
    )


def secure_headers(headers: list[tuple[bytes, bytes]], path: str = "") -> list[tuple[bytes, bytes]]:
    """The headers without cookies and with the respondent policy, each exactly once."""
    policy = _SET
    if path.startswith(TOKEN_PREFIX):
        policy = _TOKEN_SET
    elif path.startswith(CREWS_PREFIX):
        policy = _CREWS_SET
    return [(k, v) for k, v in headers if k.lower() not in _DROP] + policy


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    for key, value in headers:
        if key.lower() == name:
            return value
    return b""


def _error_page(scope: Scope, status: int) -> bytes:
    headers = scope.get("headers") or []
    lang = i18n.negotiate(_header(list(headers), b"accept-language").decode("latin-1"))
    return pages.error(status, lang)


class RespondentPrivacyMiddleware:
    """Cookies off, strict headers on, and error pages in HTML, on every respondent response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or not is_respondent_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        # Pages answer errors with a page; the token routes' JSON answers with problems.
        is_page = (
            path.startswith((RESPONDENT_PREFIX, TOKEN_PREFIX)) or path == START_PATH
        ) and not _TOKEN_JSON.fullmatch(path)
        started = False
        replaced = False

        async def send_safely(message: Message) -> None:
            nonlocal started, replaced
            if replaced:
                return  # the original body of an error that was sent as a page instead
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                headers = list(message.get("headers") or [])
                ctype = _header(headers, b"content-type")
                if is_page and status >= 400 and not ctype.startswith(b"text/html"):
                    replaced = True
                    kept = [(k, v) for k, v in headers if k.lower() in _KEEP_ON_ERROR]
                    await _send_page(scope, send, status, kept)
                    return
                await send({**message, "headers": secure_headers(headers, path)})
                return
            await send(message)

        try:
            await self.app(scope, receive, send_safely)
        except Exception:
            if started:
                raise
            # Nothing was sent yet: the person still gets a page, with the same headers.
            await _send_page(scope, send, 500, [])


async def _send_page(
    scope: Scope, send: Send, status: int, headers: list[tuple[bytes, bytes]]
) -> None:
    body = _error_page(scope, status)
    head = [
        *headers,
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": secure_headers(head, scope.get("path", "")),
        }
    )
    await send(
        {
            "type": "http.response.body",
            "body": b"" if scope.get("method") == "HEAD" else body,
            "more_body": False,
        }
    )


def install_respondent_privacy(app: Litestar) -> Litestar:
    """Wrap the whole app (router, 404s and 405s included); idempotent."""
    if not isinstance(app.asgi_handler, RespondentPrivacyMiddleware):
        app.asgi_handler = RespondentPrivacyMiddleware(app.asgi_handler)  # type: ignore[arg-type,assignment]
    return app
