"""The console in French (issue 15): a browser asking for French gets French pages, form
messages and flash messages; one asking for English, or for nothing, stays in English."""

from __future__ import annotations

import html
from typing import Any

import pytest

from service import i18n
from service.console import forms
from tests.console.conftest import Seed, Signed
from tests.factories import World, links_survey
from tests.http import HTML

FRENCH = {**HTML, "Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}
ENGLISH = {**HTML, "Accept-Language": "en"}


def _text(response: Any) -> str:
    """The page's text with entities read, so apostrophes compare as typed."""
    assert response.status_code == 200, response.text
    return html.unescape(str(response.text))


def _read(response: Any) -> str:
    """A refused form's page (422) with entities read."""
    return html.unescape(str(response.text))


def _get(admin: Signed, path: str, headers: dict[str, str]) -> str:
    return _text(admin.client.get(path, headers=headers))


def _post(admin: Signed, path: str, data: dict[str, Any]) -> Any:
    form = {"csrf_token": admin.csrf, **data}
    return admin.client.post(path, data=form, headers=FRENCH, follow_redirects=False)


# (page, French that must be there, its English that must not)
PAGES = [
    ("/console", "Console du coordonnateur", "Coordinator console"),
    ("/console", "Vagues qui vous attendent", "Waves that need you"),
    ("/console/units", "L'arborescence de l'organisation", "The organisation tree"),
    ("/console/units", "Ajouter l'unité", "Add the unit"),
    ("/console/units/{unit}", "Unités directement en dessous", "Units directly below"),
    ("/console/units/{unit}", "Déplacer l'unité", "Move the unit"),
    ("/console/units/{unit}/delete", "Je comprends que l'unité est supprimée", "I understand"),
    ("/console/units/import", "Importer des unités depuis un fichier CSV", "Import units from"),
    ("/console/staff", "Inviter quelqu'un", "Invite someone"),
    ("/console/staff", "Tous les comptes du personnel", "Every staff account"),
    ("/console/staff/{staff}", "Définir un nouveau mot de passe", "Set a new password"),
    ("/console/staff/{staff}", "Chercheur", "Researcher"),
    ("/console/staff/{staff}/disable", "Désactiver le compte", "Disable the account"),
    ("/console/tokens", "Créer un jeton", "Create a token"),
    ("/console/audit", "Journal d'audit", "Audit log"),
    ("/console/audit", "Page 1 sur 1", "Page 1 of 1"),
    ("/console/ledger", "Registre de confidentialité", "Privacy ledger"),
    ("/console/ledger", "aucune publication dans les 365 derniers jours", "nothing released"),
    ("/console/cards", "Générer et télécharger les cartes", "Generate and download"),
    ("/console/cards", "vague 1 (ouverte)", "wave 1 (open)"),
    ("/console/open-links", "Générer et télécharger les liens", "Generate and download"),
    ("/console/links", "Liens envoyés par courriel", "Emailed links"),
]


@pytest.mark.parametrize(("path", "french", "english"), PAGES)
def test_a_console_page_asked_for_in_french_is_in_french(
    admin: Signed, world: World, path: str, french: str, english: str
) -> None:
    page = _get(admin, path.format(**world), FRENCH)
    assert french in page
    assert english not in page
    # The section menu is in French too, on every page.
    assert ">Registre de confidentialité</a>" in page
    assert ">Privacy ledger</a>" not in page


def test_a_console_page_asked_for_in_english_stays_in_english(admin: Signed, world: World) -> None:
    for path, french, english in PAGES:
        page = _get(admin, path.format(**world), ENGLISH)
        assert english in page, path
        assert french not in page, path


def test_the_emailed_links_page_gives_the_notices_in_french(admin: Signed, seed: Seed) -> None:
    seed(links_survey)
    page = _get(admin, "/console/links", FRENCH)
    assert "Pour l'administrateur de votre messagerie :</strong> Qui gère la messagerie" in page
    assert "Affichez l'empreinte de la clé d'enquête" in page
    assert "Whoever runs the mail system" not in page
    assert "Les réponses par unité ne sont pas montrées ici" in page


def test_a_refused_form_says_what_to_fix_in_french(admin: Signed, world: World) -> None:
    refused = _post(
        admin, "/console/units", {"slug": "new-root", "name": "New", "headcount": "many"}
    )
    assert refused.status_code == 422
    page = _read(refused)
    assert "Veuillez corriger ce problème" in page
    assert "Saisissez un nombre entier, p. ex. 40." in page
    assert "Enter a whole number" not in page
    cards = _post(
        admin,
        "/console/cards",
        {"wave": str(world["wave"]), "unit": "", "count": "0", "format": "pdf", "paper": "a4"},
    )
    assert cards.status_code == 422
    page = _read(cards)
    assert "Veuillez corriger ces 2 problèmes" in page
    assert "Choisissez une unité." in page
    assert "Saisissez un nombre de cartes de 1 à 2000." in page


def test_an_unticked_confirmation_box_is_explained_in_french(admin: Signed, world: World) -> None:
    refused = _post(admin, f"/console/units/{world['unit']}/delete", {})
    assert refused.status_code == 422
    assert "Cochez la case pour confirmer que vous comprenez" in _read(refused)


def test_the_import_preview_and_its_flash_count_in_french(admin: Signed) -> None:
    csv_text = "path,name,headcount\nmetro-ems,Metro EMS,90\nmetro-ems/north,North,40\n"
    preview = _text(_post(admin, "/console/units/import", {"csv": csv_text}))
    assert "Le fichier contient 2 unités : 2 à créer, 0 à mettre à jour, 0 sans changement." in (
        preview.replace("<strong>", "").replace("</strong>", "")
    )
    applied = _post(admin, "/console/units/import/confirm", {"csv": csv_text})
    assert applied.status_code == 303
    page = _get(admin, applied.headers["location"], FRENCH)
    assert "L'importation a été appliquée : 2 créées, 0 mises à jour, 0 sans changement." in page
    assert "The import was applied" not in page


def test_msgspec_bounds_read_as_whole_french_sentences() -> None:
    i18n.use("fr")
    try:
        assert forms.friendly("Expected `int` >= 1") == "Saisissez un nombre entier d'au moins 1."
        assert forms.friendly("Expected `str` of length <= 200") == (
            "Utilisez au plus 200 caractères."
        )
        assert forms.friendly("Expected `str` of length >= 1") == (
            "Ce champ ne peut pas être vide."
        )
    finally:
        i18n.use("en")
    assert forms.friendly("Expected `int` >= 1") == "Enter a whole number at least 1."


def test_a_unit_that_cannot_be_deleted_says_why_in_french(admin: Signed, world: World) -> None:
    refused = _post(admin, f"/console/units/{world['unit']}/delete", {"confirm": "yes"})
    assert refused.status_code == 409, refused.text
    page = _read(refused)
    assert "Cette unité ne peut pas être supprimée" in page
    assert "ne peut pas être supprimée : elle fait partie d'un programme dont des vagues" in page
    assert "cannot be deleted" not in page


def test_a_refused_import_says_so_in_french(admin: Signed) -> None:
    bad = "path,name,headcount\nmetro-ems,Metro EMS,90\nMetro EMS,North,40\nmetro-ems/south,South\n"
    refused = _post(admin, "/console/units/import", {"csv": bad})
    assert refused.status_code == 422, refused.text
    page = _read(refused)
    assert "Rien n'a été importé : le fichier a 2 problèmes." in page
    assert "n'est pas un identifiant court valide" in page
    assert "a 2 valeurs ; 3 attendues (path,name,headcount)" in page
    assert "Nothing was imported" not in page
    assert "is not a valid slug" not in page
