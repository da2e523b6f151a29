"""The action pages in French (issue 15): the form, its problems beside the fields, the
unit page's "did it work" section with its verdicts; English for an English browser."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.factories import SAFETY, STRESS, SmallWorld
from tests.http import HTML, Signed, sign_in_at

FR = {**HTML, "Accept-Language": "fr"}
EN = {**HTML, "Accept-Language": "en"}
FORM = {
    "title": "Équipe de soutien par les pairs lancée",
    "description": "Six pairs formés, un par équipe.",
    "started_on": "2031-02-01",
    "scales": [SAFETY, STRESS],
    "owner": "Responsable du soutien",
}


def _post(who: Signed, path: str, form: dict[str, Any], headers: dict[str, str]) -> Any:
    data = {"csrf_token": who.csrf, **form}
    return who.client.post(path, data=data, headers=headers, follow_redirects=False)


def test_the_action_form_and_its_problems_read_in_french(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    path = f"/dashboard/units/{world.id('north')}/actions"
    page = client.get(path, headers=FR).text
    assert "Actions pour North Battalion" in page
    assert "Ce qui a été fait, en quelques mots" in page and "Date de début" in page
    assert "Enregistrer l'action" in page
    # The scales to tick, in the survey's French.
    assert "Sécurité psychologique dans l&#39;équipe" in page
    assert "What was done" not in page and "Record the action" not in page

    form = {**FORM, "program_id": str(world.org.program_id), "scales": [], "started_on": "x"}
    wrong = _post(leader, path, form, FR)
    assert wrong.status_code == 422
    assert "Cochez au moins une échelle que l&#39;action vise à faire évoluer." in wrong.text
    assert "Indiquez le jour où l&#39;action a commencé, par exemple 2031-02-01." in wrong.text
    assert "Tick at least one scale" not in wrong.text


def test_the_unit_page_says_in_french_whether_an_action_worked(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    path = f"/dashboard/units/{world.id('north')}/actions"
    done = _post(leader, path, {**FORM, "program_id": str(world.org.program_id)}, FR)
    assert done.status_code == 303, done.text

    page = client.get(f"/dashboard/units/{world.id('north')}", headers=FR).text
    section = page[page.index('id="actions-title"') :]
    section = section[: section.index("</section>")]
    assert "Les actions et leurs effets" in section
    assert 'Début le <time datetime="2031-02-01">1er février 2031</time>' in section
    assert "pilotée par Responsable du soutien" in section
    # North's safety rose by more than the noise after the action (tests/actions/test_pages.py).
    assert "+0.34 (+0.06 à +0.62)" in section
    assert "mieux, plus grand que le bruit" in section and "dans le bruit" in section
    assert "Repère 1 sur les graphiques de tendance" in section
    # The trend chart's summary names the action in French.
    assert "Actions marquées sur l&#39;axe du temps : 1 : Équipe de soutien" in page
    assert "larger than the noise" not in section and "led by" not in section

    listed = client.get(path, headers=FR).text
    assert "début le <time" in listed and "vise Sécurité psychologique" in listed

    english = client.get(f"/dashboard/units/{world.id('north')}", headers=EN).text
    assert "Actions and whether they worked" in english
    assert "better, larger than the noise" in english and "Les actions" not in english
