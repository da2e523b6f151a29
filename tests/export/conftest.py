"""Released history for export tests, and the app with the export wired in.

`released_history` drives a program through several real waves: open on schedule,
synthetic responses, close, release (the real OpenDP release engine), as in
tests/privacy. `wired_app` builds the app the way service/app.py is asked to wire it
(export routes, /metrics, token rate limits, metrics middleware), so these tests run
before and after the lead wires them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from service import ratelimit_tokens
from service.app import create_app
from service.config import Settings
from service.db import Conn
from service.export import controller as export_controller
from service.metrics import controller as metrics
from service.privacy import service as release
from service.waves import service as waves
from tests.factories import T0, add_responses, open_wave_on, random_answers, wave_items

# Generous enough that values below the root get published (docs/privacy.md).
POLICY: dict[str, Any] = {"epsilon_per_wave": 8.0, "annual_epsilon_cap": 40.0}
CADENCE = timedelta(days=92)  # more than the program's P3M


async def released_history(
    conn: Conn,
    *,
    waves_count: int = 2,
    shape: tuple[int, ...] = (2, 2),
    per_leaf: int = 60,
    seed: int = 7,
    **policy: Any,
) -> dict[str, Any]:
    """A program over a fresh tree with `waves_count` released waves.

    Returns program_id, wave_ids (by seq) and units (root first, as make_tree gives them).
    """
    program_id, wave_id, units = await open_wave_on(conn, shape, **{**POLICY, **policy})
    rng = random.Random(seed)
    leaves = [u for u in units if u["depth"] == max(x["depth"] for x in units)]
    wave_ids = []
    for n in range(waves_count):
        start = T0 + n * CADENCE
        if n:
            await waves.advance_waves(conn, start + timedelta(hours=1))
            wave_id = await conn.fetchval(
                "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = $2", program_id, n + 1
            )
        items = await wave_items(conn, wave_id)
        for leaf in leaves:
            await add_responses(
                conn,
                wave_id,
                leaf["unit_id"],
                [random_answers(rng, items) for _ in range(per_leaf)],
            )
        await waves.close_wave(conn, None, wave_id, start + timedelta(days=2))
        async with conn.transaction():
            await release.release_wave(conn, None, wave_id, start + timedelta(days=3))
        wave_ids.append(wave_id)
    return {"program_id": program_id, "wave_ids": wave_ids, "units": units}


def wire(app: Litestar) -> Litestar:
    """What service/app.py is asked to do, done here only when it is not done yet."""
    present = {route.path for route in app.routes}
    for handler in [*export_controller.routes, *metrics.routes]:
        if not set(handler.paths) & present:
            app.register(handler)
    ratelimit_tokens.install_token_rate_limits(app)
    return metrics.install_metrics(app)


def wired_app(settings: Settings) -> Litestar:
    return wire(create_app(settings))


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(wired_app(settings), base_url="https://testserver.local") as test_client:
        yield test_client
