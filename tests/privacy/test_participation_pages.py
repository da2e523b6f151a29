"""The participation estimate on the console's program page and the leader's dashboard:
a range of rates where the count rule allows, never an exact count, only within scope."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from service.privacy import participation
from tests.factories import T0, add_responses, open_wave_on, random_answers, wave_items
from tests.http import Seed, sign_in, sign_in_at

RANGE = re.compile(r"about (\d+)%–(\d+)% have answered")


async def _open_wave(conn: Any, answers: int = 37) -> dict[str, Any]:
    """An open wave over a tree of 300-person units with `answers` responses per leaf and
    one refresh taken (a budget large enough for the battalions' estimates)."""
    program_id, wave_id, units = await open_wave_on(conn, participation_epsilon=1.0)
    await conn.execute(
        "UPDATE unit SET headcount = 300 WHERE unit_id = ANY($1::bigint[])",
        [u["unit_id"] for u in units],
    )
    items = await wave_items(conn, wave_id)
    rng = random.Random(7)
    leaves = units[3:]
    for leaf in leaves:
        await add_responses(
            conn, wave_id, leaf["unit_id"], [random_answers(rng, items) for _ in range(answers)]
        )
    assert await participation.refresh_wave(conn, wave_id, T0 + timedelta(days=1, hours=2))
    return {"program": program_id, "wave": wave_id, "units": units}


def test_the_program_page_shows_ranges_and_no_exact_count(
    client: TestClient[Any], seed: Seed
) -> None:
    world = seed(_open_wave)
    admin = sign_in(client, seed, "admin")
    page = admin.get(f"/console/programs/{world['program']}")
    assert page.status_code == 200
    assert "Participation so far in wave 1" in page.text
    ranges = RANGE.findall(page.text)
    # The root (1,200 people) and both battalions (600) pass the count rule; the stations
    # (300 people) do not at this budget.
    assert len(ranges) == 3
    assert all(0 <= int(low) <= int(high) <= 100 for low, high in ranges)
    assert page.text.count("too few people for an estimate") == 4
    # 37 answers a station, 74 a battalion, 148 in all: no exact count is on the page.
    for exact in ("37", "74", "148"):
        assert not re.search(rf"\b{exact}\b(?!%)", page.text.split("Participation so far")[1])


def test_a_leader_sees_the_estimate_of_their_battalion_on_the_dashboard(
    client: TestClient[Any], seed: Seed
) -> None:
    world = seed(_open_wave)
    battalion = world["units"][1]
    leader = sign_in_at(client, seed, "leader", battalion)
    page = leader.get("/dashboard")
    assert page.status_code == 200, page.text
    assert "Participation so far in wave 1" in page.text
    section = page.text.split("Participation so far")[1]
    assert battalion["path"] in section
    # The other battalion and the root are outside the leader's scope.
    assert world["units"][2]["path"] not in section
    assert f">{world['units'][0]['path']}<" not in section
    assert len(RANGE.findall(section)) == 1
    # The rate's base is the battalion's public headcount: at least its stations' 600.
    assert "of 600 people" in section


def test_a_released_wave_shows_the_release_not_the_estimate(
    client: TestClient[Any], seed: Seed
) -> None:
    async def released(conn: Any) -> dict[str, Any]:
        world = await _open_wave(conn)
        await conn.execute("UPDATE wave SET status = 'released' WHERE wave_id = $1", world["wave"])
        return world

    world = seed(released)
    admin = sign_in(client, seed, "admin")
    page = admin.get(f"/console/programs/{world['program']}")
    assert page.status_code == 200
    assert "Participation so far" not in page.text


def test_the_ledger_page_names_a_participation_charge(client: TestClient[Any], seed: Seed) -> None:
    world = seed(_open_wave)
    admin = sign_in(client, seed, "admin")
    page = admin.get(f"/console/ledger?program={world['program']}")
    assert page.status_code == 200
    assert "wave 1, participation estimate" in page.text
    assert "0 releases and 1 participation refresh in the last 365 days" in page.text


def test_a_researchers_dashboard_shows_no_estimate(client: TestClient[Any], seed: Seed) -> None:
    seed(_open_wave)
    researcher = sign_in(client, seed, "researcher")
    page = researcher.get("/dashboard")
    assert page.status_code == 200
    assert "Release test" in page.text  # the program is there ...
    assert "Participation so far" not in page.text  # ... its live estimate is not
