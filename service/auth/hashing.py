"""Password hashing off the event loop: argon2id in a small pool of threads of its own, so a
sign-in never stalls the event loop and a flood of sign-ins cannot take more than those
threads' cores."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from service.errors import TooManyAttempts
from service.i18n import N_

# Marked N_: the sign-in page shows it in its own language (service/web/pages.py).
BUSY = N_("Many sign-ins are being checked right now. Try again in a few seconds.")


T = TypeVar("T")


class PasswordHashing:
    """At most `threads` argon2id computations at once in this process, and at most `queue`
    sign-ins waiting for one: past that a sign-in is refused before its email is looked up,
    so the refusal says nothing about the account and costs nothing."""

    def __init__(self, threads: int = 2, queue: int = 16) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="argon2")
        self._queue = queue
        self._waiting = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def reserve(self) -> Iterator[None]:
        with self._lock:
            if self._waiting >= self._queue:
                raise TooManyAttempts(
                    BUSY,
                    retry_after=BUSY_RETRY_SECONDS,
                    headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
                )
            self._waiting += 1
        try:
            yield
        finally:
            with self._lock:
                self._waiting -= 1

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)


BUSY_RETRY_SECONDS = 5
# One per process: argon2id takes about 0.7 s of a core and 64 MiB per computation.
HASHING = PasswordHashing()
