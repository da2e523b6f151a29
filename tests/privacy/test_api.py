"""Releasing over HTTP and from the schedule; reading the ledger."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from service import scheduler
from tests.factories import (
    T0,
    add_responses,
    close,
    make_staff,
    make_token,
    open_wave_on,
    random_answers,
    wave_items,
)


def _closed_wave(seed: Any, **policy: Any) -> tuple[int, int]:
    async def make(conn: Any) -> tuple[int, int]:
        program_id, wave_id, units = await open_wave_on(conn, **policy)
        items = await wave_items(conn, wave_id)
        rng = random.Random(5)
        await add_responses(
            conn, wave_id, units[-1]["unit_id"], [random_answers(rng, items) for _ in range(20)]
        )
        await close(conn, wave_id)
        return program_id, wave_id

    result: tuple[int, int] = seed(make)
    return result


def _as(client: TestClient[Any], seed: Any, role: str) -> None:
    async def token(conn: Any) -> str:
        staff = await make_staff(conn, role=role)  # type: ignore[arg-type]
        scopes = ("read",) if role == "researcher" else ("read", "write")
        return await make_token(conn, staff, client.app.state.secret_key, scopes=scopes)

    client.headers["Authorization"] = "Bearer " + seed(token)


def test_an_admin_releases_a_closed_wave_once(client: TestClient[Any], seed: Any) -> None:
    program_id, wave_id = _closed_wave(seed)
    _as(client, seed, "admin")
    first = client.post(f"/api/v1/waves/{wave_id}/release")
    assert first.status_code == 201, first.text
    assert first.json()["epsilon"] <= 1.0 + 1e-9
    again = client.post(f"/api/v1/waves/{wave_id}/release")
    assert again.status_code == 409
    assert again.json()["type"].endswith("/wave-already-released")
    ledger = client.get(f"/api/v1/programs/{program_id}/ledger").json()
    assert [e["wave_id"] for e in ledger["entries"]] == [wave_id]
    assert ledger["year_rho"] == first.json()["rho"]
    assert 0 < ledger["remaining_epsilon"] < ledger["annual_epsilon_cap"]


def test_a_researcher_reads_the_ledger_but_cannot_release(
    client: TestClient[Any], seed: Any
) -> None:
    program_id, wave_id = _closed_wave(seed)
    _as(client, seed, "researcher")
    assert client.post(f"/api/v1/waves/{wave_id}/release").status_code == 403
    assert client.get(f"/api/v1/programs/{program_id}/ledger").status_code == 200


def test_the_schedule_releases_a_wave_whose_policy_says_so(seed: Any) -> None:
    async def run(conn: Any) -> tuple[str, str]:
        _, wave_id, _ = await open_wave_on(conn, release_on_close=True)
        _, manual_wave, _ = await open_wave_on(conn)
        await scheduler.tick(conn, T0 + timedelta(days=20))
        status = "SELECT status FROM wave WHERE wave_id = $1"
        return await conn.fetchval(status, wave_id), await conn.fetchval(status, manual_wave)

    assert seed(run) == ("released", "closed")
