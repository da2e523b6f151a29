"""Prometheus metrics at GET /metrics: requests, latencies, submissions, waves, the ledger.

Nothing here is per person. Labels are drawn from small fixed sets: the HTTP method, the
route TEMPLATE (`/api/v1/waves/{wave_id}`, never a path with an id or a survey key),
the status code, a submission outcome from SUBMISSION_OUTCOMES, a wave status. No label
holds an id, an email, a token, a code, an address or a user agent.

Two sources:
- counters kept in this process's memory (requests, latencies, submissions), counted by
  `MetricsMiddleware` and `record_submission`; with several service processes each has
  its own (scrape each process, or sum them in Prometheus);
- gauges read from the database at each scrape (waves by status, ledger totals, programs
  near their budget cap; SQL in metrics/queries.py), the same whichever process answers.

The route is staff-protected: an admin session or an admin API token with scope `read`
(docs/operations.md).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Response

from service.auth.guards import SECURITY, require
from service.db import Conn
from service.errors import PROBLEM_MEDIA_TYPE, Problem
from service.metrics import queries
from service.policy import PrivacyPolicy
from service.privacy.schemas import LedgerEntry
from service.privacy.service import YEAR, year_spent
from service.ratelimit_tokens import REFUSED_SCOPE_KEY

if TYPE_CHECKING:
    from litestar import Litestar

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Litestar adds "; charset=utf-8" to text/ media types.
CONTENT_TYPE = "text/plain; version=0.0.4"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# How a submission on a survey page ended. Nothing else is ever a label value.
SUBMISSION_OUTCOMES = frozenset(
    {
        "accepted",  # a response was stored
        "invalid_answers",  # the form again: answers out of range or missing
        "code_malformed",  # the code is mistyped (characters, length, check symbol)
        "token_invalid",  # links mode: no token, or malformed, forged or of another wave
        "code_unknown",  # well-formed but not one of the wave's codes
        "code_spent",  # the card was used already
        "wave_not_open",
        "survey_not_found",
        "rate_limited",
    }
)
NEAR_CAP = 0.8
# What kind of fault made a survey page or submission fail (a 500). Nothing else is a label.
FAILURE_KINDS = ("database", "timeout", "other")
# At most one log line per this many seconds says that survey routes failed, and how often.
FAILURE_REPORT_SECONDS = 60.0
# How long the reporter gathers failures before its line, once the first one came.
FAILURE_GATHER_SECONDS = 1.0
log = logging.getLogger("muster")


class Histogram:
    def __init__(self) -> None:
        self.counts = [0] * len(BUCKETS)
        self.total = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self.total += seconds
        self.count += 1
        for index, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.counts[index] += 1


class Registry:
    """The in-process counters of one app."""

    def __init__(self) -> None:
        self.started = time.time()
        self.requests: dict[tuple[str, str, str], int] = {}
        self.latency: dict[tuple[str, str], Histogram] = {}
        self.submissions: dict[str, int] = dict.fromkeys(sorted(SUBMISSION_OUTCOMES), 0)
        self.respondent_failures: dict[str, int] = dict.fromkeys(FAILURE_KINDS, 0)
        # Failures since the reporter's last line, by exception class name.
        self.unreported: Counter[str] = Counter()
        self.failed = asyncio.Event()

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "OTHER"
        code = str(status) if 100 <= status <= 599 else "other"
        key = (method, route, code)
        self.requests[key] = self.requests.get(key, 0) + 1
        self.latency.setdefault((method, route), Histogram()).observe(seconds)

    def count_submission(self, outcome: str) -> None:
        if outcome not in SUBMISSION_OUTCOMES:
            raise ValueError(f"unknown submission outcome {outcome!r}")
        self.submissions[outcome] += 1

    def count_respondent_failure(self, exc: BaseException) -> None:
        self.respondent_failures[failure_kind(exc)] += 1
        self.unreported[type(exc).__name__] += 1
        self.failed.set()


def failure_kind(exc: BaseException) -> str:
    import asyncpg

    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError | OSError):
        return "database"
    return "other"


def metrics_for(state: Any) -> Registry:
    registry = getattr(state, "metrics", None)
    if not isinstance(registry, Registry):
        registry = Registry()
        state.metrics = registry
    return registry


def record_submission(state: Any, outcome: str) -> None:
    """Count one survey submission by how it ended (one of SUBMISSION_OUTCOMES).

    Call with `request.app.state`. Only the outcome is counted: no wave, unit, or time
    beyond what the scrape interval already says.
    """
    metrics_for(state).count_submission(outcome)


def record_respondent_failure(state: Any, exc: BaseException) -> None:
    """Count a survey page or submission that failed (a 500), by kind of fault only.

    Survey routes never log (DESIGN.md §4): a request's failure is a counter, and
    `report_respondent_failures` turns the counters into at most one line a minute that
    says nothing about any request.
    """
    metrics_for(state).count_respondent_failure(exc)


async def report_respondent_failures(
    state: Any,
    every: float = FAILURE_REPORT_SECONDS,
    gather: float = FAILURE_GATHER_SECONDS,
) -> None:
    """Log at most one line per `every` seconds while survey routes fail; runs for ever.

    The line is written by this task, never by a request, and holds only how many
    failures there were and of which exception classes.
    """
    registry = metrics_for(state)
    while True:
        await registry.failed.wait()
        await asyncio.sleep(gather)
        registry.failed.clear()
        kinds, registry.unreported = registry.unreported, Counter()
        log.error(
            "survey routes failed %d times since the last report (%s); "
            "see muster_respondent_failures_total",
            sum(kinds.values()),
            ", ".join(f"{name} {n}" for name, n in kinds.most_common()),
        )
        await asyncio.sleep(max(every - gather, 0.0))


# --- the middleware ---------------------------------------------------------------------


def route_label(scope: Scope) -> str:
    """The route template the router matched; never the path itself."""
    template = scope.get("path_template")
    if isinstance(template, str) and template:
        return template
    if scope.get(REFUSED_SCOPE_KEY):
        return "(rate-limited)"
    return "(unmatched)"


class MetricsMiddleware:
    """Counts every HTTP request by method, route template and status, and its duration
    until the last byte of the body was handed on."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_counting)
        finally:
            metrics_for(self.state).observe_request(
                str(scope.get("method", "")),
                route_label(scope),
                status,
                time.perf_counter() - started,
            )


def install_metrics(app: Litestar) -> Litestar:
    """Wrap the whole app (404s and rate-limited requests included); idempotent."""
    handler: Any = app.asgi_handler
    for _ in range(10):
        if isinstance(handler, MetricsMiddleware):
            return app
        handler = getattr(handler, "app", None)
    app.asgi_handler = MetricsMiddleware(app.asgi_handler, app.state)  # type: ignore[arg-type,assignment]
    return app


# --- the exposition ---------------------------------------------------------------------


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f'{name}="{_escape(value)}"' for name, value in pairs)
    return "{" + inner + "}" if inner else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, value: float, labels: Iterable[tuple[str, str]] = ()) -> None:
        self.lines.append(f"{name}{_labels(labels)} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


async def _database_gauges(conn: Conn, out: Exposition, now: datetime) -> None:
    by_status = await queries.count_waves_by_status(conn)
    out.family("muster_waves", "gauge", "Waves by status (released waves are the releases).")
    for status in ("scheduled", "open", "closed", "released"):
        out.sample("muster_waves", by_status.get(status, 0), [("status", status)])
    ledger = await queries.fetch_ledger_totals(conn)
    out.family("muster_ledger_charges", "gauge", "Privacy-loss charges in the ledger.")
    out.sample("muster_ledger_charges", ledger.n)
    out.family("muster_ledger_epsilon_sum", "gauge", "Sum of every charge's epsilon, all programs.")
    out.sample("muster_ledger_epsilon_sum", ledger.eps)
    out.family("muster_ledger_rho_sum", "gauge", "Sum of every charge's rho (zCDP), all programs.")
    out.sample("muster_ledger_rho_sum", ledger.rho)
    programs = await queries.list_program_policies(conn)
    entries: dict[int, list[LedgerEntry]] = {}
    for entry in await queries.list_ledger_entries_since(conn, now - YEAR):
        entries.setdefault(entry.program_id, []).append(entry)
    near = 0
    for program_id, stored in programs:
        # The stored policy with the schema's own defaults for what it leaves out.
        policy = msgspec.convert(stored or {}, type=PrivacyPolicy)
        spent = year_spent(entries.get(program_id, []), policy.mechanism, policy.delta)
        near += spent >= NEAR_CAP * policy.annual_epsilon_cap
    out.family("muster_programs", "gauge", "Programs.")
    out.sample("muster_programs", len(programs))
    out.family(
        "muster_programs_near_budget_cap",
        "gauge",
        f"Programs whose rolling-year epsilon is at least {NEAR_CAP:.0%} of their annual cap.",
    )
    out.sample("muster_programs_near_budget_cap", near)


def render(registry: Registry) -> Exposition:
    out = Exposition()
    out.family("muster_process_start_time_seconds", "gauge", "When this process started.")
    out.sample("muster_process_start_time_seconds", registry.started)
    out.family(
        "muster_http_requests_total", "counter", "HTTP requests by method, route and status."
    )
    for (method, route, code), n in sorted(registry.requests.items()):
        out.sample(
            "muster_http_requests_total",
            n,
            [("method", method), ("route", route), ("status", code)],
        )
    out.family(
        "muster_http_request_duration_seconds",
        "histogram",
        "Time from request to the last byte of the response, by method and route.",
    )
    for (method, route), hist in sorted(registry.latency.items()):
        labels = [("method", method), ("route", route)]
        for bound, n in zip(BUCKETS, hist.counts, strict=True):
            out.sample(
                "muster_http_request_duration_seconds_bucket", n, [*labels, ("le", _number(bound))]
            )
        out.sample(
            "muster_http_request_duration_seconds_bucket", hist.count, [*labels, ("le", "+Inf")]
        )
        out.sample("muster_http_request_duration_seconds_sum", hist.total, labels)
        out.sample("muster_http_request_duration_seconds_count", hist.count, labels)
    out.family(
        "muster_submissions_total", "counter", "Survey submissions by outcome (no wave, no unit)."
    )
    for outcome, n in sorted(registry.submissions.items()):
        out.sample("muster_submissions_total", n, [("outcome", outcome)])
    out.family(
        "muster_respondent_failures_total",
        "counter",
        "Survey pages and submissions that failed (500), by kind of fault (no wave, no unit).",
    )
    for kind, n in registry.respondent_failures.items():
        out.sample("muster_respondent_failures_total", n, [("kind", kind)])
    return out


@get(
    "/metrics",
    guards=[require("admin", scope="read")],
    tags=["operations"],
    security=SECURITY,
    media_type=CONTENT_TYPE,
    responses={
        200: ResponseSpec(
            data_container=str,
            media_type=CONTENT_TYPE,
            description="Prometheus text exposition format 0.0.4.",
            generate_examples=False,
        ),
        **{
            status: ResponseSpec(
                data_container=Problem, media_type=PROBLEM_MEDIA_TYPE, description=text
            )
            for status, text in (
                (401, "No valid admin session or API token."),
                (403, "Not an administrator, or the token lacks the scope `read`."),
            )
        },
    },
)
async def metrics_endpoint(
    request: Request[Any, Any, Any], conn: NamedDependency[Conn]
) -> Response[str]:
    """Request counts and latencies per route, submissions by outcome, waves by status,
    ledger totals. Nothing per person."""
    out = render(metrics_for(request.app.state))
    await _database_gauges(conn, out, datetime.now(UTC))
    return Response(out.text(), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


routes: list[Any] = [metrics_endpoint]
