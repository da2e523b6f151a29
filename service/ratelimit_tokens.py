"""Per-token rate limits for the JSON API, advertised with the IETF RateLimit fields.

Every request to `/api/...` that carries `Authorization: Bearer <token>` counts against
that token's quota: QUOTA requests per fixed window of WINDOW seconds, the window starting
with the token's first request. Each such response carries (draft-ietf-httpapi-ratelimit-
headers-10, structured fields):

    RateLimit-Policy: "default";q=600;w=60
    RateLimit: "default";r=<requests left>;t=<seconds until the window resets>

Past the quota the answer is 429 `rate-limited` (an RFC 9457 problem document) with the
same fields and `Retry-After`. Staff using the web pages (session cookie) are not limited
here; sign-in has its own lockout.

What it keys on: a BLAKE2b digest of the token as sent, held in this process's memory only,
never logged or exported; not the staff account, not an address. Limits are per process:
with N service processes behind a load balancer a token may get up to N times the quota.
A bucket is forgotten when its window ends; at most MAX_KEYS are kept (the oldest windows
are dropped first, which can only make a limit more lenient, never stricter).

`install_token_rate_limits(app)` wraps the app's ASGI handler; tests replace
`app.state.token_limiter` to shrink the quota.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import msgspec

from service.errors import PROBLEM_MEDIA_TYPE, RateLimited

if TYPE_CHECKING:
    from litestar import Litestar

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

QUOTA = 600
WINDOW = 60
POLICY_NAME = "default"
MAX_KEYS = 10_000
API_PREFIX = "/api/"
# Set on the scope of a refused request, so that metrics can say why there is no route.
REFUSED_SCOPE_KEY = "muster.rate_limited"


class Decision(msgspec.Struct, frozen=True):
    allowed: bool
    remaining: int
    reset: int  # whole seconds until the window resets, at least 1

    def headers(self, limiter: TokenLimiter) -> list[tuple[bytes, bytes]]:
        return [
            (b"ratelimit-policy", limiter.policy_field().encode()),
            (b"ratelimit", f'"{POLICY_NAME}";r={self.remaining};t={self.reset}'.encode()),
        ]


class TokenLimiter:
    """Fixed windows per key: `quota` requests per `window` seconds."""

    def __init__(
        self,
        quota: int = QUOTA,
        window: int = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.quota = quota
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        # key -> (window start, requests counted in it)
        self._windows: dict[bytes, tuple[float, int]] = {}

    def policy_field(self) -> str:
        return f'"{POLICY_NAME}";q={self.quota};w={self.window}'

    def hit(self, key: bytes) -> Decision:
        now = self.clock()
        start, used = self._windows.get(key, (now, 0))
        if now - start >= self.window:
            start, used = now, 0
        reset = max(1, math.ceil(start + self.window - now))
        if used >= self.quota:
            return Decision(False, 0, reset)
        if key not in self._windows and len(self._windows) >= self.max_keys:
            self._forget(now)
        self._windows[key] = (start, used + 1)
        return Decision(True, self.quota - used - 1, reset)

    def _forget(self, now: float) -> None:
        for key in [k for k, (s, _) in self._windows.items() if now - s >= self.window]:
            del self._windows[key]
        while len(self._windows) >= self.max_keys:
            # dicts keep insertion order: the first key has the oldest window
            del self._windows[next(iter(self._windows))]


def token_key(header: bytes) -> bytes | None:
    """The bucket key of an Authorization header: a digest of a bearer token, else None."""
    scheme, _, token = header.partition(b" ")
    token = token.strip()
    if scheme.lower() != b"bearer" or not token:
        return None
    return hashlib.blake2b(token, digest_size=16, person=b"muster-ratelim").digest()


def limiter_for(state: Any) -> TokenLimiter:
    limiter = getattr(state, "token_limiter", None)
    if not isinstance(limiter, TokenLimiter):
        limiter = TokenLimiter()
        state.token_limiter = limiter
    return limiter


def _authorization(scope: Scope) -> bytes:
    for name, value in scope.get("headers") or []:
        if name.lower() == b"authorization":
            return bytes(value)
    return b""


class TokenRateLimitMiddleware:
    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or not str(scope.get("path", "")).startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        key = token_key(_authorization(scope))
        if key is None:
            await self.app(scope, receive, send)
            return
        limiter = limiter_for(self.state)
        decision = limiter.hit(key)
        fields = decision.headers(limiter)
        if not decision.allowed:
            scope[REFUSED_SCOPE_KEY] = True
            await _refuse(send, limiter, fields, decision.reset)
            return

        async def send_with_fields(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    (k, v)
                    for k, v in message.get("headers") or []
                    if k.lower() not in {b"ratelimit", b"ratelimit-policy"}
                ]
                message = {**message, "headers": [*kept, *fields]}
            await send(message)

        await self.app(scope, receive, send_with_fields)


async def _refuse(
    send: Send, limiter: TokenLimiter, fields: list[tuple[bytes, bytes]], reset: int
) -> None:
    problem = RateLimited(
        f"This token may send {limiter.quota} requests per {limiter.window} s. Wait "
        f"{reset} s (Retry-After) and send the request again.",
        retry_after=reset,
    ).to_problem()
    body = msgspec.json.encode(problem)
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(reset).encode()),
        (b"cache-control", b"no-store"),
        *fields,
    ]
    await send({"type": "http.response.start", "status": RateLimited.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def install_token_rate_limits(app: Litestar) -> Litestar:
    """Wrap the app's ASGI handler (every route, 404s included); idempotent."""
    if not _wrapped(app.asgi_handler, TokenRateLimitMiddleware):
        app.asgi_handler = TokenRateLimitMiddleware(app.asgi_handler, app.state)  # type: ignore[arg-type,assignment]
    return app


def _wrapped(handler: Any, kind: type) -> bool:
    # Other wrappers (respondent privacy, metrics) keep the wrapped handler in `.app`.
    for _ in range(10):
        if isinstance(handler, kind):
            return True
        handler = getattr(handler, "app", None)
    return False
