"""Blind signing off the event loop, in a process of its own.

One blind signature is two 1,024-bit modular exponentiations in Python's `pow` (about 14 ms
on the 2-core machine), and `pow` holds the GIL for all of it: in a thread it would still
stop the event loop, and with it every survey submission of the worker. So signatures are
made in a small pool of processes (`MUSTER_SIGNING_PROCESSES` per worker), started on the
first issuance. The private key is sent with each request and kept by no process: a
signing process holds it only for the call that uses it.

Signing processes run at a lower CPU priority (nice 10): on a busy machine the workers that
store survey answers come first, and signatures take what CPU is left.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from service.tokens import blindrsa

# Added to the signing processes' niceness: answers are stored before tokens are signed.
SIGNING_NICENESS = 10


class Signer:
    """The worker's signing processes; `close()` stops them."""

    def __init__(self, processes: int = 1) -> None:
        if processes < 1:
            raise ValueError("a signer needs at least one process")
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # "spawn": a fresh interpreter, not a fork of a worker with threads and sockets.
            self._pool = ProcessPoolExecutor(
                self._processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
            )
        return self._pool

    async def blind_sign(self, private_der: bytes, blinded_msg: bytes) -> bytes:
        """blindrsa.blind_sign in a signing process; raises its BlindSignError."""
        loop = asyncio.get_running_loop()
        signature: bytes = await loop.run_in_executor(
            self._executor(), blindrsa.blind_sign, private_der, blinded_msg
        )
        return signature

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _lower_priority() -> None:
    os.nice(SIGNING_NICENESS)


def signer_for(state: Any) -> Signer:
    signer: Signer = state.signer
    return signer
