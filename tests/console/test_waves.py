"""Waves through the console: each transition asks for confirmation, then happens; a release
refused for its budget says what is left. Also the planner and the ledger built on them."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import World, add_responses, random_answers, wave_items
from tests.http import Seed, Signed


def _status(seed: Seed, wave_id: int) -> str:
    status: str = seed(
        lambda conn: conn.fetchval("SELECT status FROM wave WHERE wave_id = $1", wave_id)
    )
    return status


def _answer(seed: Seed, world: World, per_leaf: int = 30) -> None:
    async def go(conn: Any) -> None:
        items = await wave_items(conn, world["wave"])
        rng = random.Random(3)
        for unit in world["units"][3:]:
            answers = [random_answers(rng, items) for _ in range(per_leaf)]
            await add_responses(conn, world["wave"], unit["unit_id"], answers)

    seed(go)


def test_the_timeline_offers_the_next_step_of_each_wave(admin: Signed, world: World) -> None:
    page = admin.get("/console/waves")
    assert page.status_code == 200
    assert f'href="/console/waves/{world["wave"]}/close"' in page.text
    # One open wave per program: wave 2 cannot open while wave 1 is open.
    assert f'href="/console/waves/{world["wave_2"]}/open"' not in page.text


def test_a_transition_without_the_confirmation_box_changes_nothing(
    admin: Signed, world: World, seed: Seed
) -> None:
    page = admin.post(f"/console/waves/{world['wave']}/close")
    assert page.status_code == 422
    assert 'id="f-confirm-error"' in page.text
    assert 'aria-describedby="f-confirm-error"' in page.text
    assert _status(seed, world["wave"]) == "open"


def test_a_wave_is_closed_released_and_the_next_one_opened_through_the_forms(
    admin: Signed, world: World, seed: Seed
) -> None:
    _answer(seed, world)
    closed = admin.post(f"/console/waves/{world['wave']}/close", {"confirm": "yes"})
    assert closed.status_code == 303
    assert closed.headers["location"] == f"/console/programs/{world['program']}?done=wave-closed"
    assert _status(seed, world["wave"]) == "closed"

    confirm = admin.get(f"/console/waves/{world['wave']}/release")
    assert "ε = 0.000 of the cap" in confirm.text or "was spent" in confirm.text
    released = admin.post(f"/console/waves/{world['wave']}/release", {"confirm": "yes"})
    assert released.status_code == 303
    assert _status(seed, world["wave"]) == "released"
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM ledger")) == 1

    opened = admin.post(f"/console/waves/{world['wave_2']}/open", {"confirm": "yes"})
    assert opened.status_code == 303
    assert _status(seed, world["wave_2"]) == "open"
    page = admin.get(opened.headers["location"])
    assert "The wave is open." in page.text

    again = admin.post(f"/console/waves/{world['wave']}/release", {"confirm": "yes"})
    assert again.status_code == 409
    assert "released already" in again.text

    # A step the wave is past is not offered: its confirmation page says why, with no form.
    for action, word in (("open", "opened"), ("close", "closed"), ("release", "released")):
        page = admin.get(f"/console/waves/{world['wave']}/{action}")
        assert page.status_code == 200
        assert "Wave 1 is released: only " in page.text and f"can be {word}." in page.text
        assert f'action="/console/waves/{world["wave"]}/{action}"' not in page.text
    # The wave now open offers its close, not its open.
    assert (
        f'action="/console/waves/{world["wave_2"]}/close"'
        in admin.get(f"/console/waves/{world['wave_2']}/close").text
    )
    assert (
        "only a scheduled wave can be opened"
        in admin.get(f"/console/waves/{world['wave_2']}/open").text
    )


def spend_the_year(seed: Seed, world: World) -> None:
    """The program's year is already spent: a charge recorded against wave 2."""

    async def spend(conn: Any) -> None:
        await conn.execute(
            """
            INSERT INTO ledger (program_id, wave_id, mechanism, rho, epsilon, delta,
                                measurement, at)
            VALUES ($1, $2, 'gaussian', 0.5, 3.9, 1e-7, '{}', $3)
            """,
            world["program"],
            world["wave_2"],
            datetime.now(UTC),
        )

    seed(spend)


def test_a_release_over_the_cap_is_refused_with_what_is_left(
    admin: Signed, world: World, seed: Seed
) -> None:
    spend_the_year(seed, world)
    admin.post(f"/console/waves/{world['wave']}/close", {"confirm": "yes"})
    refused = admin.post(f"/console/waves/{world['wave']}/release", {"confirm": "yes"})
    assert refused.status_code == 409
    assert "This was refused" in refused.text
    assert "Left under the cap" in refused.text and "This release needs" in refused.text
    assert _status(seed, world["wave"]) == "closed"


def test_the_planner_predicts_each_unit_before_a_wave_opens(admin: Signed, world: World) -> None:
    page = admin.get(f"/console/planner?program={world['program']}&participation=80&epsilon=3")
    assert page.status_code == 200
    assert "What the planner advises" in page.text
    # Issue 11: the what-if ε is per person per year.
    assert "With ε = 3.0 per person per year" in page.text and "80% participation" in page.text
    for unit in world["units"]:
        assert f"<code>{unit['path']}</code>" in page.text


def test_the_planner_shows_bad_numbers_beside_their_fields(admin: Signed, world: World) -> None:
    page = admin.get(f"/console/planner?program={world['program']}&participation=150&epsilon=x")
    assert page.status_code == 422
    assert 'id="f-participation-error"' in page.text and 'id="f-epsilon-error"' in page.text
    assert 'value="150"' in page.text and 'value="x"' in page.text
    assert "What the planner advises" not in page.text


def test_the_ledger_draws_a_bar_per_release_and_the_cap(
    admin: Signed, world: World, seed: Seed
) -> None:
    empty = admin.get(f"/console/ledger?program={world['program']}")
    assert "nothing released in the last 365 days" in empty.text
    _answer(seed, world)
    admin.post(f"/console/waves/{world['wave']}/close", {"confirm": "yes"})
    admin.post(f"/console/waves/{world['wave']}/release", {"confirm": "yes"})
    page = admin.get(f"/console/ledger?program={world['program']}")
    assert page.status_code == 200
    assert page.text.count('class="bar-added"') == 1
    assert 'class="cap-line"' in page.text
    assert 'role="img"' in page.text and "<desc" in page.text
    # The wave's epsilon 1 less the default participation estimate's share (issue 15).
    assert "1 release in the last 365 days spent ε = 0.993 of the annual cap ε = 4" in page.text
    assert "The chart's numbers" in page.text


def test_the_audit_log_names_who_acted(admin: Signed, world: World) -> None:
    admin.post(f"/console/waves/{world['wave']}/close", {"confirm": "yes"})
    page = admin.get("/console/audit")
    assert page.status_code == 200
    assert "wave.closed" in page.text and admin.staff["email"] in page.text
    assert "schedule" in page.text  # wave 1 was opened by the scheduler
    assert "program.created" in page.text and "command line" in page.text


def test_the_open_confirmation_shows_the_forecast(admin: Signed, world: World) -> None:
    page = admin.get(f"/console/waves/{world['wave_2']}/open")
    assert page.status_code == 200
    assert re.search(r"With these settings, <strong>\d+ of 7 units</strong> will show scores",
                     page.text)  # fmt: skip
    assert 'name="apply_shares"' not in page.text


# Four leaves of 20 people: the forecast assumes 60% of 80, about 48 answers.
@pytest.mark.parametrize(("per_leaf", "far_below"), [(30, False), (1, True)])
def test_the_release_confirmation_shows_the_root_total_the_forecast_and_a_shortfall(
    admin: Signed, world: World, seed: Seed, per_leaf: int, far_below: bool
) -> None:
    _answer(seed, world, per_leaf=per_leaf)
    admin.post(f"/console/waves/{world['wave']}/close", {"confirm": "yes"})
    page = admin.get(f"/console/waves/{world['wave']}/release")
    assert page.status_code == 200
    assert re.search(r"<strong>\d+ of 7 units</strong> will show scores", page.text)
    assert f"<strong>{4 * per_leaf} answers</strong> in all" in page.text
    assert ("Far below the forecast" in page.text) is far_below
    assert ("it assumed about 48 answers" in page.text) is far_below
