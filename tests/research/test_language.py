"""The researcher's page in French (Accept-Language) and in English."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.http import HTML, Seed, sign_in

FR = {**HTML, "Accept-Language": "fr"}
EN = {**HTML, "Accept-Language": "en"}


def test_the_research_page_and_its_forms_speak_french(client: TestClient[Any], seed: Seed) -> None:
    researcher = sign_in(client, seed, "researcher")
    page = client.get("/research", headers=FR).text
    assert "Jetons et exports" in page and "Créer un jeton" in page
    assert "Vous n'avez aucun jeton." in page
    assert "Create a token" not in page and "You have no tokens." not in page
    refused = client.post(
        "/research/tokens",
        data={"csrf_token": researcher.csrf, "name": "", "expires_in_days": "0"},
        headers=FR,
    )
    assert refused.status_code == 422
    assert "Donnez au jeton un nom de 1 à 100 caractères" in refused.text
    assert "Saisissez un nombre entier de jours de 1 à 365" in refused.text
    created = client.post(
        "/research/tokens",
        data={"csrf_token": researcher.csrf, "name": "nightly", "expires_in_days": "30"},
        headers=FR,
    )
    assert created.status_code == 200
    assert "« nightly », affiché cette seule fois" in created.text
    listing = client.get("/research", headers=FR).text
    assert "Révoquer" in listing and "actif" in listing


def test_the_research_page_stays_english_for_english_readers(
    client: TestClient[Any], seed: Seed
) -> None:
    sign_in(client, seed, "researcher")
    page = client.get("/research", headers=EN).text
    assert "Create a token" in page and "Créer un jeton" not in page
