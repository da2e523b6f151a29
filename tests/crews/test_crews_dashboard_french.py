"""The leader's side of the crews' page (dashboard/crews.html) in French (issue 15): its
title, how to share it and its links; the report it previews is the crews' pages' own."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.factories import SmallWorld
from tests.http import HTML, sign_in_at

FR = {**HTML, "Accept-Language": "fr"}


def test_the_crews_page_for_a_leader_reads_in_french(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    path = f"/dashboard/units/{world.id('north')}/crews"
    page = client.get(path, headers=FR).text
    assert "Page des équipes de North Battalion" in page
    assert "Partager avec vos équipes" in page and "Créer un lien pour la vague 2" in page
    assert "Feuillet à imprimer (page et PDF)" in page
    assert "Share with your crews" not in page and "Printable handout" not in page

    made = client.post(
        f"{path}/links",
        data={"csrf_token": leader.csrf, "program_id": str(world.org.program_id),
              "wave_id": str(world.org.wave_ids[1])},
        headers=FR, follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 200, made.text
    assert "<strong>Votre nouveau lien.</strong> Copiez-le maintenant" in made.text
    assert "Liens en usage" in made.text and "Retirer le lien" in made.text
    assert "Your new link" not in made.text and "Withdraw link" not in made.text

    english = client.get(path, headers={**HTML, "Accept-Language": "en"}).text
    assert "Crews' page for North Battalion" in english and "Page des équipes" not in english
