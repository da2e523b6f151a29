"""Failed-code rate limiting for the survey pages: in memory, per process, per survey.

What is counted: submissions that fail on the code (a code that is mistyped or unknown),
per survey address. When a survey's bucket is empty, every submission to that survey is
answered 429 until it refills; successful submissions never take from it, so a busy
roll call is never slowed down.

What it is never keyed on: an IP address, a user agent, or anything else about the person.
That is the trade-off: someone who floods a survey with wrong codes can make it refuse
everyone for as long as the flood lasts (about a minute after it stops), and we cannot
single them out. We accept that, because codes carry 130 bits (guessing one is hopeless
whatever the rate) and because the alternative keeps a record of who was trying. With
several service processes each has its own buckets, so the effective limit is the
per-process limit times the number of processes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

# Failed submissions per second a survey absorbs, and how many may come at once.
RATE = 50.0
BURST = 200.0
# A safety net on memory: there is one bucket per survey that saw a failure.
MAX_BUCKETS = 10_000


class FailureLimiter:
    """A token bucket per key; only failures take tokens."""

    def __init__(
        self,
        rate: float = RATE,
        burst: float = BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        # key -> (tokens, when they were counted)
        self._buckets: dict[str, tuple[float, float]] = {}

    def _tokens(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - then) * self.rate)

    def allows(self, key: str) -> bool:
        """Whether a submission to `key` may be tried now (it takes nothing)."""
        if key not in self._buckets:
            return True
        return self._tokens(key, self.clock()) >= 1.0

    def record_failure(self, key: str) -> None:
        now = self.clock()
        tokens = self._tokens(key, now)
        if key not in self._buckets and len(self._buckets) >= MAX_BUCKETS:
            self._forget_full(now)
        self._buckets[key] = (max(0.0, tokens - 1.0), now)

    def retry_after(self, key: str) -> int:
        """Whole seconds until the next submission to `key` is allowed (at least 1)."""
        missing = 1.0 - self._tokens(key, self.clock())
        return max(1, math.ceil(missing / self.rate)) if missing > 0 else 1

    def _forget_full(self, now: float) -> None:
        for key in [k for k in self._buckets if self._tokens(k, now) >= self.burst]:
            del self._buckets[key]
        if len(self._buckets) >= MAX_BUCKETS:
            self._buckets.clear()


def limiter_for(state: Any) -> FailureLimiter:
    """The app's limiter, made on first use (tests replace it to shrink the limits)."""
    limiter = getattr(state, "respondent_limiter", None)
    if not isinstance(limiter, FailureLimiter):
        limiter = FailureLimiter()
        state.respondent_limiter = limiter
    return limiter
