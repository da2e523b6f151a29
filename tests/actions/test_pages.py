"""Action pages on the dashboard: record one with a plain form (problems beside the
fields), see it on the unit page with the change in its target scales and its mark on the
trend charts, change and delete it; scope and roles as on the API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.factories import SAFETY, STRESS, SmallWorld, audit_rows
from tests.http import HTML, Signed, sign_in_at

FORM = {
    "title": "Peer-support team launched",
    "description": "Six trained peers, one per shift.",
    "started_on": "2031-02-01",
    "scales": [SAFETY, STRESS],
    "owner": "Peer-support lead",
}


def _record(who: Signed, world: SmallWorld, unit: str, **changes: Any) -> Any:
    form = {**FORM, "program_id": str(world.org.program_id), **changes}
    return who.post(f"/dashboard/units/{world.id(unit)}/actions", form)


def test_a_leader_records_an_action_and_the_unit_page_shows_whether_it_worked(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    form_page = leader.get(f"/dashboard/units/{world.id('north')}/actions")
    assert form_page.status_code == 200, form_page.text
    assert 'name="scales"' in form_page.text and 'type="date"' in form_page.text

    done = _record(leader, world, "north")
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith(f"/dashboard/units/{world.id('north')}?")

    page = leader.get(f"/dashboard/units/{world.id('north')}").text
    section = page[page.index('id="actions-title"') :]
    assert "Peer-support team launched" in section and "led by Peer-support lead" in section
    # North: psychological safety 3.27 ± 0.20 in wave 1, 3.61 ± 0.20 in wave 2. The change
    # is 0.34 with a standard error of sqrt(2) × 0.20 / 1.96, so a 95% range of ± 0.28.
    safety = re.search(
        r"<tr>\s*<th scope=\"row\">Team psychological safety</th>.*?</tr>", section, re.S
    )
    assert safety is not None, section[:3000]
    assert "+0.34 (+0.06 to +0.62)" in safety.group(0)
    assert "better, larger than the noise" in safety.group(0)
    # Organisational stress 2.66 → 2.51: −0.15 ± 0.28, within the noise.
    stress = re.search(r"<tr>\s*<th scope=\"row\">Organizational stress</th>.*?</tr>", section,
                       re.S)  # fmt: skip
    assert stress is not None
    assert "\u22120.15 (\u22120.43 to +0.13)" in stress.group(0)
    assert "within the noise" in stress.group(0)
    # Both trend charts mark the action on their time axis and name it in their summary.
    assert page.count('class="action-mark"') == 2
    assert "Actions marked on the time axis: 1: Peer-support team launched" in page

    rows = seed(lambda conn: audit_rows(conn, "action."))
    assert [r["action"] for r in rows] == ["action.created"]
    assert rows[0]["staff_id"] == leader.staff["staff_id"]


def test_an_action_before_any_baseline_or_without_a_later_wave_says_so(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    assert _record(leader, world, "north", started_on="2030-06-01").status_code == 303
    assert _record(leader, world, "north", started_on="2031-06-01").status_code == 303
    page = leader.get(f"/dashboard/units/{world.id('north')}").text
    assert "No released wave closed before this action began" in page
    assert "No wave has been released since it began on 1 Jun 2031" in page


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"title": " "}, "title", "cannot be empty"),
        ({"started_on": "1 Feb"}, "started_on", "Enter the day the action began"),
        ({"scales": []}, "scales", "Tick at least one scale"),
        ({"scales": ["openness/not_a_scale"]}, "scales", "not a scale of the program"),
    ],
)
def test_a_bad_field_is_named_beside_its_input(
    client: TestClient[Any], seed: Any, world: SmallWorld, changes: dict[str, Any], field: str,
    words: str,
) -> None:  # fmt: skip
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    page = _record(leader, world, "north", **changes)
    assert page.status_code == 422
    error = re.search(rf'<p class="error" id="f-{field}-error">(.*?)</p>', page.text, re.S)
    assert error is not None, page.text
    assert words.lower() in error.group(1).lower()
    # What was typed stays in the form.
    assert "Six trained peers" in page.text
    assert seed(lambda conn: audit_rows(conn, "action.")) == []


def test_a_leader_changes_and_deletes_an_action(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    _record(leader, world, "north")
    listing = leader.get(f"/dashboard/units/{world.id('north')}/actions").text
    found = re.search(r'href="/dashboard/actions/(\d+)"', listing)
    assert found is not None
    path = f"/dashboard/actions/{found.group(1)}"
    edit = leader.get(path)
    assert edit.status_code == 200 and 'value="Peer-support team launched"' in edit.text
    saved = leader.post(path, {**FORM, "title": "Peer-support team, second year"})
    assert saved.status_code == 303, saved.text
    assert (
        "Peer-support team, second year" in leader.get(f"/dashboard/units/{world.id('north')}").text
    )
    assert leader.post(f"{path}/delete").status_code == 303
    assert leader.get(path).status_code == 404
    actions = [r["action"] for r in seed(lambda conn: audit_rows(conn, "action."))]
    assert actions == ["action.created", "action.updated", "action.deleted"]


def test_outside_the_subtree_the_pages_answer_404_and_researchers_are_refused(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    admin = sign_in_at(client, seed, "admin", None)
    assert _record(admin, world, "south").status_code == 303
    listing = admin.get(f"/dashboard/units/{world.id('south')}/actions").text
    found = re.search(r'href="/dashboard/actions/(\d+)"', listing)
    assert found is not None
    path = f"/dashboard/actions/{found.group(1)}"

    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    assert leader.get(f"/dashboard/units/{world.id('south')}/actions").status_code == 404
    assert _record(leader, world, "south").status_code == 404
    assert leader.get(path).status_code == 404
    assert leader.post(path, FORM).status_code == 404
    assert leader.post(f"{path}/delete").status_code == 404
    # The south battalion's page is out of scope too; the leader's own page has no such action.
    assert "Peer-support" not in leader.get(f"/dashboard/units/{world.id('north')}").text

    researcher = sign_in_at(client, seed, "researcher", None)
    assert researcher.get(f"/dashboard/units/{world.id('south')}/actions").status_code == 403
    assert _record(researcher, world, "south").status_code == 403
    assert researcher.get(path).status_code == 403
    # Researchers read the unit page, without leadership's actions.
    unit_page = client.get(f"/dashboard/units/{world.id('south')}", headers=HTML).text
    assert "Peer-support" not in unit_page and "actions-title" not in unit_page
    actions = [r["action"] for r in seed(lambda conn: audit_rows(conn, "action."))]
    assert actions == ["action.created"]
