"""The program, wave, planner and forecast pages in French (issue 15: bilingual staff pages):
Accept-Language: fr gives French words and messages, with no English left in what was
translated; Accept-Language: en keeps them English."""

from __future__ import annotations

import html
from typing import Any

from tests.console.test_programs import _form, _tree_and_instruments
from tests.console.test_waves import spend_the_year
from tests.factories import World
from tests.http import HTML, Seed, Signed

FRENCH = {**HTML, "Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}
ENGLISH = {**HTML, "Accept-Language": "en"}


def _get(staff: Signed, path: str, headers: dict[str, str] = FRENCH) -> str:
    page = staff.client.get(path, headers=headers)
    assert page.status_code == 200, page.text
    return html.unescape(page.text)


def _post(staff: Signed, path: str, data: dict[str, Any]) -> Any:
    form = {"csrf_token": staff.csrf, **data}
    return staff.client.post(path, data=form, headers=FRENCH, follow_redirects=False)


def test_the_programs_list_and_the_waves_are_in_french(admin: Signed, world: World) -> None:
    page = _get(admin, "/console/programs")
    assert "Créer un programme" in page and "Prochaine vague" in page
    assert "Create a program" not in page and "Next wave" not in page
    # The mode reads in words, in French.
    assert "Cartes papier" in page or "Liens par courriel" in page or "Lien ouvert" in page

    waves = _get(admin, "/console/waves")
    assert "Fermer la vague 1<span" in waves and "ouverte" in waves
    assert "fréquence : 3 mois, ouverte pendant 14 jours" in waves
    assert "Close wave 1" not in waves and "on schedule or by your hand" not in waves


def test_a_program_page_is_in_french(admin: Signed, world: World) -> None:
    page = _get(admin, f"/console/programs/{world['program']}")
    assert "Planificateur de budget" in page and "Registre de confidentialité" in page
    # Its first wave opened: the settings are fixed, and the page says why in French.
    assert "Paramètres figés" in page and "Ces paramètres ne peuvent plus changer" in page
    assert "Vague 1" in page and "Vague 2" in page
    # Its schedule (stored P3M and P14D) reads in words.
    assert "3 mois, ouverte pendant 14 jours" in page
    assert "Fixed settings" not in page and "Units covered" not in page
    assert "These settings can no longer change" not in page


def test_the_new_program_form_is_in_french_with_its_messages(admin: Signed, seed: Seed) -> None:
    units = seed(_tree_and_instruments)
    form = _get(admin, "/console/programs/new")
    assert "Nom du programme" in form and "Tous les 3 mois" in form and "Ouverte 2 semaines" in form
    assert "Confidentialité renforcée" in form and "Soutien par les pairs" in form
    assert "Program name" not in form and "Every 3 months" not in form

    page = _post(admin, "/console/programs/new", _form(units[0]["path"], instruments=[]))
    assert page.status_code == 422
    text = html.unescape(page.text)
    assert "Choisissez au moins un questionnaire." in text
    assert "Choose at least one instrument." not in text

    # A duration typed in French words is told how to write it, in French.
    page = _post(admin, "/console/programs/new", _form(units[0]["path"], cadence="tous les 3 mois"))
    assert page.status_code == 422
    text = html.unescape(page.text)
    assert "urées s’écrivent en ISO 8601" in text and "écrivez P3M" in text
    assert "urations are written" not in text


def test_the_planner_is_in_french(admin: Signed, world: World) -> None:
    page = _get(admin, f"/console/planner?program={world['program']}&participation=80")
    assert "Ce que conseille le planificateur" in page and "Par niveau de l’arbre" in page
    assert "par personne par an sur" in page and "80 % de participation" in page
    assert "What the planner advises" not in page and "per person per year over" not in page

    wrong = admin.client.get(
        f"/console/planner?program={world['program']}&participation=150", headers=FRENCH
    )
    assert wrong.status_code == 422
    assert "Saisissez un pourcentage supérieur à 0 et d’au plus 100." in html.unescape(wrong.text)


def test_the_wave_confirmation_is_in_french(admin: Signed, world: World) -> None:
    page = _get(admin, f"/console/waves/{world['wave']}/close")
    assert "Fermer la vague 1 de" in page and "Ce qui se passe" in page
    assert "La collecte s’arrête maintenant" in page and "ouverte" in page
    assert "Close wave 1" not in page and "What happens" not in page

    release = _get(admin, f"/console/waves/{world['wave_2']}/open")
    assert "Ouvrir la vague 2 de" in release and "Prévision" in release

    # A transition the wave's status refuses says why, in French.
    refused = _post(admin, f"/console/waves/{world['wave_2']}/close", {"confirm": "yes"})
    assert refused.status_code == 409
    text = html.unescape(refused.text)
    assert "Ceci a été refusé" in text and "est programmée; seule une vague ouverte" in text
    assert "only an open wave can be closed" not in text


def test_english_stays_english(admin: Signed, world: World) -> None:
    for path, english, french in (
        ("/console/programs", "Create a program", "Créer un programme"),
        (f"/console/programs/{world['program']}", "Fixed settings", "Paramètres figés"),
        (f"/console/waves/{world['wave']}/close", "What happens", "Ce qui se passe"),
        (f"/console/planner?program={world['program']}", "What the planner advises", "conseille"),
    ):
        page = _get(admin, path, ENGLISH)
        assert english in page and french not in page, path
    schedule = _get(admin, f"/console/programs/{world['program']}", ENGLISH)
    assert "3 months, open for 14 days" in schedule


def test_a_release_over_the_cap_is_refused_in_french(
    admin: Signed, world: World, seed: Seed
) -> None:
    spend_the_year(seed, world)
    admin.post(f"/console/waves/{world['wave']}/close", {"confirm": "yes"})
    refused = _post(admin, f"/console/waves/{world['wave']}/release", {"confirm": "yes"})
    assert refused.status_code == 409
    text = html.unescape(refused.text)
    assert "Publier la vague" in text and "au-dessus de son plafond de 4" in text
    assert "Reste sous le plafond" in text and "Cette publication demande" in text
    assert "would bring this program's privacy loss" not in text


def test_the_start_page_and_the_settings_name_things_in_french(admin: Signed, world: World) -> None:
    """The start page's schedule in words (not P3M/P14D), the instruments by their French
    titles, and the noise mechanism in words on the program, ledger and planner pages."""
    start = _get(admin, "/")
    assert "3 mois, ouverte pendant 14 jours" in start and "P3M" not in start
    assert "Ouverture au travail" in start and "Openness at work" not in start
    assert "Openness at work" in _get(admin, "/", ENGLISH)
    program = world["program"]
    for path in (f"/console/programs/{program}", f"/console/ledger?program={program}",
                 f"/console/planner?program={program}"):  # fmt: skip
        page = _get(admin, path)
        assert "Gaussien" in page and "gaussian" not in page, path
