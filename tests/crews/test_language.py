"""The crews' page, the handout page and its PDF follow the reader's Accept-Language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from service.i18n import LANGUAGE_COOKIE
from tests.factories import SmallWorld
from tests.http import HTML, pdf_content_text, sign_in_at

FR = {**HTML, "Accept-Language": "fr-CA,fr;q=0.9"}
EN = {**HTML, "Accept-Language": "en"}


def test_the_crews_page_and_pdf_are_french_for_a_french_reader(
    client: TestClient[Any], seed: Any, world: SmallWorld, tmp_path: Path
) -> None:
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    page = leader.post(
        f"/dashboard/units/{world.id('north')}/crews/links",
        {"program_id": str(world.org.program_id), "wave_id": str(world.org.wave_ids[1])},
    )
    found = re.search(r"/crews/([A-Za-z0-9_-]{20,})</p>", page.text)
    assert found is not None, page.text
    client.cookies.clear()
    public = client.get(f"/crews/{found.group(1)}", headers=FR)
    assert public.status_code == 200
    assert "Vous avez parlé, nous avons agi" in public.text
    assert "À propos de ces chiffres" in public.text and "sur une échelle de 1 à 5" in public.text
    assert "About these numbers" not in public.text
    # The crews' page is public: it sets no cookie, whatever the language.
    assert "set-cookie" not in public.headers
    english = client.get(f"/crews/{found.group(1)}", headers=EN)
    assert "About these numbers" in english.text and "À propos" not in english.text
    pdf = client.get(f"/crews/{found.group(1)}/handout.pdf", headers=FR)
    assert pdf.status_code == 200 and "set-cookie" not in pdf.headers
    text = pdf_content_text(tmp_path, pdf.content)
    assert "Ce que ces chiffres veulent dire" in text and "What these numbers mean" not in text
    assert "North Battalion" in text


def test_the_handout_page_follows_the_leaders_language_cookie(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in_at(client, seed, "leader", world.unit["north"])
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    page = client.get(f"/dashboard/units/{world.id('north')}/handout", headers=EN)
    assert page.status_code == 200
    assert "Scores et leurs intervalles" in page.text and "Télécharger en PDF (A4)" in page.text
    assert "Scores with their ranges" not in page.text
