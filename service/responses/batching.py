"""Group commit for submissions: the submissions that arrive while the database is busy are
stored together, in one statement and one commit.

A submission is still one statement (queries.insert_responses): its spent row and its
response are written together or not at all, and concurrent submissions of one code store
exactly one response. What grouping changes is cost: one round trip, one plan and one WAL
flush serve every submission waiting at that moment, instead of one each. A person waits
for no timer: a writer that is free takes what is waiting at once, alone if it is alone.

Each worker process keeps a few writers. A writer takes a connection from the pool while
there is work and gives it back when nothing waits; callers must not hold a pool connection
while they wait for `store`, or a full pool could leave the writers without one.
Submissions wait in memory only (hashes and answer values; nothing is logged), and
`close()` stores what is waiting before the process ends.

If a grouped statement fails, each of its submissions is tried again on its own, so that a
failure reaches only the submission that caused it (a lost connection fails them all).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from typing import Any

from service.db import Conn, Pool
from service.responses import queries
from service.responses.queries import Submission, SubmitRow

# More than this many submissions in one statement would only lengthen the wait of the first.
MAX_BATCH = 64


class _Waiting:
    __slots__ = ("future", "kind", "submission", "wave_id")

    def __init__(
        self,
        kind: str,
        wave_id: int,
        submission: Submission,
        future: asyncio.Future[SubmitRow | None],
    ) -> None:
        self.kind = kind
        self.wave_id = wave_id
        self.submission = submission
        self.future = future

    def group(self) -> tuple[str, int, int]:
        return (self.kind, self.wave_id, len(self.submission.answers))


class SubmissionBatcher:
    """Stores submissions in groups; `store` returns what the statement found for one."""

    def __init__(self, pool: Pool, writers: int = 2, max_batch: int = MAX_BATCH) -> None:
        if writers < 1 or max_batch < 1:
            raise ValueError("a batcher needs at least one writer and a batch of at least one")
        self._pool = pool
        self._writers = writers
        self._max_batch = max_batch
        self._waiting: deque[_Waiting] = deque()
        self._ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False

    @property
    def pool(self) -> Pool:
        return self._pool

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._write()) for _ in range(self._writers)]

    async def close(self) -> None:
        """Store every submission still waiting, then stop the writers."""
        self._closing = True
        self._ready.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        # Only when no writer ever ran: nothing may wait for ever.
        self._fail_waiting(RuntimeError("the service is shutting down"))

    async def store(self, kind: str, wave_id: int, submission: Submission) -> SubmitRow | None:
        """Spend and store one submission with whatever else is waiting; None: unknown wave."""
        if self._closing:
            raise RuntimeError("the service is shutting down")
        self.start()
        future: asyncio.Future[SubmitRow | None] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(kind, wave_id, submission, future))
        self._ready.set()
        return await future

    def _take(self) -> list[_Waiting]:
        """The oldest waiting submission and up to MAX_BATCH - 1 more of its group.

        A submission whose spent key is already in the batch (a double click, or one code
        sent twice) waits for the next batch, where it finds its twin stored.
        """
        batch: list[_Waiting] = []
        later: list[_Waiting] = []
        keys: set[bytes] = set()
        group = None
        while self._waiting and len(batch) < self._max_batch:
            waiting = self._waiting.popleft()
            if waiting.future.done():  # the person went away before it was stored
                continue
            if group is None:
                group = waiting.group()
            key = waiting.submission.spent_key(waiting.kind)
            if waiting.group() != group or key in keys:
                later.append(waiting)
                continue
            keys.add(key)
            batch.append(waiting)
        self._waiting.extendleft(reversed(later))
        return batch

    async def _write(self) -> None:
        while True:
            if not self._waiting:
                if self._closing:
                    return
                self._ready.clear()
                await self._ready.wait()
                continue
            try:
                async with self._pool.acquire() as conn:
                    while batch := self._take():
                        await self._store_batch(conn, batch)
            except Exception as exc:
                # Not logged: each waiting submission fails with it, and its route counts it.
                self._fail_waiting(exc)

    def _fail_waiting(self, exc: Exception) -> None:
        while self._waiting:
            _fail(self._waiting.popleft(), exc)

    async def _store_batch(self, conn: Conn, batch: Sequence[_Waiting]) -> None:
        kind, wave_id = batch[0].kind, batch[0].wave_id
        try:
            rows = await queries.insert_responses(
                conn, kind, wave_id, [w.submission for w in batch]
            )
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch[0], exc)
                return
            for waiting in batch:
                await self._store_batch(conn, [waiting])
            return
        for index, waiting in enumerate(batch):
            _settle(waiting, None if rows is None else rows[index])


def _settle(waiting: _Waiting, row: SubmitRow | None) -> None:
    if not waiting.future.done():
        waiting.future.set_result(row)


def _fail(waiting: _Waiting, exc: BaseException) -> None:
    if not waiting.future.done():
        waiting.future.set_exception(exc)


def batcher_for(state: Any) -> SubmissionBatcher:
    batcher: SubmissionBatcher = state.submissions
    return batcher
