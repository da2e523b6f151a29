"""Emailed links from the console: a CSV of issuance links, tickets stored only as hashes,
and per-unit counts of links and tokens, never of answers."""

from __future__ import annotations

import csv
import hashlib
import html
import io
from typing import Any

from service.invitations.links import MAIL_NOTICE
from tests.console.conftest import Seed, Signed
from tests.factories import links_survey


def test_links_download_as_a_csv_whose_tickets_are_stored_as_hashes_only(
    admin: Signed, seed: Seed
) -> None:
    seeded = seed(links_survey)
    page = admin.get("/console/links")
    assert page.status_code == 200
    assert html.escape(MAIL_NOTICE).replace("&#x27;", "&#39;") in page.text
    # Three links were made for the station; tokens issued are never shown.
    assert "<td>3</td></tr>" in page.text and "Tokens issued" not in page.text
    assert "Answers per unit are not shown here" in page.text
    response = admin.post(
        "/console/links",
        {"wave": str(seeded.survey.wave_id), "unit": seeded.unit_path, "count": "5"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        f'attachment; filename="muster-links-wave-{seeded.survey.wave_id}.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 5
    tickets = [row["link"].split("#", 1)[1] for row in rows]
    stored = seed(lambda conn: conn.fetch("SELECT ticket_hash FROM link_ticket"))
    hashes = {bytes(r["ticket_hash"]) for r in stored}
    assert {hashlib.sha256(t.encode()).digest() for t in tickets} <= hashes
    assert "<td>8</td></tr>" in admin.get("/console/links").text


def test_a_links_export_for_a_cards_wave_says_which_mode_it_uses(admin: Signed, seed: Seed) -> None:
    from tests.factories import make_survey

    survey: Any = seed(lambda conn: make_survey(conn, mode="cards"))
    path = seed(
        lambda conn: conn.fetchval("SELECT path FROM unit WHERE unit_id = $1", survey.unit_id)
    )
    response = admin.post(
        "/console/links", {"wave": str(survey.wave_id), "unit": path, "count": "2"}
    )
    assert response.status_code == 422
    assert "&#39;cards&#39; distribution mode" in response.text
