"""The dashboard in French (issue 15: bilingual staff pages): with `Accept-Language: fr` the
pages, their verdicts, the charts' legends and axes and the instruments' own words read in
French, with no English left in them; with `Accept-Language: en` they stay English."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.factories import SmallWorld, leader_session

FR = {"Accept": "text/html", "Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}
EN = {"Accept": "text/html", "Accept-Language": "en"}
# Short English months on a chart's axis ("Oct 2030"); French ones read "oct. 2030".
ENGLISH_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d\b")
FRENCH_MONTH = re.compile(
    r"(janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.) 20\d\d"
)


@pytest.fixture
def world(world: SmallWorld, seed: Any, client: TestClient[Any]) -> SmallWorld:
    """The shared small world (conftest), read by a signed-in admin."""
    _staff, session_id = seed(lambda c: leader_session(c, None, role="admin"))
    client.cookies.set("__Host-muster_session", session_id)
    return world


def _row(page: str, scale: str) -> str:
    found = re.search(rf"{re.escape(scale)}<span.*?</tr>", page, re.S)
    assert found is not None, page[:2000]
    return found.group(0)


def test_the_overview_in_french_says_its_verdicts_in_french_with_their_arrows(
    client: TestClient[Any], world: SmallWorld
) -> None:
    page = client.get("/dashboard", headers=FR).text
    assert "Scores de la vague 2" in page
    # The instruments' own French: the scale names come from the survey definitions.
    safety = _row(page, "Sécurité psychologique dans l&#39;équipe")
    stress = _row(page, "Stress organisationnel")
    assert "▲</span> mieux, plus grand que le bruit" in safety and "flag-better" in safety
    assert "dans le bruit" in stress and "flag-" not in stress
    # Numbers keep their form; the words around them are French.
    assert "131 (122–140) sur 200 membres du personnel, environ 66 %" in page
    assert "+0.31 (+0.19 à +0.43)" in page
    assert "Afficher les chiffres sous forme de tableau" in page
    assert "Ce que ces chiffres veulent dire" in page
    for english in ("larger than the noise", "within the noise", "Scores in wave",
                    "Show the numbers as a table", "Team psychological safety", " of 200 staff",
                    "What these numbers mean", "Change program, wave or scale"):  # fmt: skip
        assert english not in page, english


def test_the_unit_page_in_french_labels_its_charts_in_french(
    client: TestClient[Any], world: SmallWorld
) -> None:
    page = client.get(f"/dashboard/units/{world.id('north')}", headers=FR).text
    assert "Sécurité psychologique dans l&#39;équipe au fil du temps" in page
    trend = page[page.index('id="trend-0"') :]
    trend = trend[: trend.index("</svg>")]
    # The legend, the axis caption and the wave dates on the axis.
    assert ">moyenne<" in trend and ">intervalle à 95 %<" in trend
    assert "clôture de la vague · échelle 1–5" in trend
    assert FRENCH_MONTH.search(trend) and not ENGLISH_MONTH.search(trend)
    # The bands chart's legend speaks of favourability in French, with the bands' own words.
    assert "orange : moins favorable · violet : plus favorable" in page
    assert ">Faible<" in page and ">Élevée<" in page
    # A hidden value says why in French, pointing to the parent; the chart keeps the dash.
    assert "trop peu de réponses pour l&#39;afficher — voir l&#39;unité parente" in page
    assert "Metro Fire Department (unité parente)" in page
    assert "Participation au fil du temps : North Battalion" in page
    for english in ("over time", "too few responses", "95% range", "(parent)", "mean<"):
        assert english not in page, english


def test_the_questions_and_about_pages_in_french(
    client: TestClient[Any], world: SmallWorld
) -> None:
    questions = client.get(f"/dashboard/units/{world.id('root')}/questions", headers=FR).text
    assert "Metro Fire Department : comment les personnes ont répondu" in questions
    # The question and its answers in the survey's French; the summary in French.
    assert "Je pourrais dire à quelqu" in questions
    assert "Aucune réponse n&#39;est clairement la plus fréquente" in questions
    assert "Tout à fait d&#39;accord" in questions
    assert "No answer is clearly" not in questions and "Strongly agree" not in questions
    birch = client.get(f"/dashboard/units/{world.id('birch')}/questions", headers=FR).text
    assert "Aucune réponse par question pour cette unité" in birch

    about = client.get("/dashboard/about", headers=FR).text
    assert "<h1>Ce que ces chiffres veulent dire</h1>" in about
    assert "Pourquoi les chiffres sont un peu bruités" in about
    assert re.search(r"</strong> : au plus ε = [\d.]+ par personne", about)
    assert "Why the numbers" not in about and "at most ε" not in about


def test_a_bad_filter_is_explained_in_french(client: TestClient[Any], world: SmallWorld) -> None:
    unknown = client.get("/dashboard/units/999999", headers=FR)
    assert unknown.status_code == 404
    assert "Aucune unité n&#39;a l&#39;identifiant 999999." in unknown.text
    wave = client.get(f"/dashboard?program={world.org.program_id}&wave=999999", headers=FR)
    assert wave.status_code == 404
    assert "La vague 999999 n&#39;est pas une vague publiée du programme" in wave.text
    assert "is not a released wave" not in wave.text


def test_the_same_pages_stay_english_for_an_english_browser(
    client: TestClient[Any], world: SmallWorld
) -> None:
    page = client.get("/dashboard", headers=EN).text
    assert "▲</span> better, larger than the noise" in _row(page, "Team psychological safety")
    assert "Scores in wave 2" in page and "Scores de la vague" not in page
    unit = client.get(f"/dashboard/units/{world.id('north')}", headers=EN).text
    trend = unit[unit.index('id="trend-0"') :]
    trend = trend[: trend.index("</svg>")]
    assert ">mean<" in trend and "wave closing date · scale 1–5" in trend
    assert ENGLISH_MONTH.search(trend) and not FRENCH_MONTH.search(trend)
    about = client.get("/dashboard/about", headers=EN).text
    assert "Why the numbers are a little noisy" in about and "bruit" not in about
