"""The crews' page, its links and the handout: published values only, links that a leader
creates and withdraws (audited), a public page that sets no cookie, and a PDF whose text
holds the unit and its scores."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from service.metrics import controller as metrics
from tests.factories import HIDDEN_STRINGS, SmallWorld, audit_rows
from tests.http import HTML, Signed, pdf_content_text, sign_in_at


def _link(who: Signed, world: SmallWorld, unit: str) -> str:
    second = world.org.wave_ids[1]
    page = who.post(
        f"/dashboard/units/{world.id(unit)}/crews/links",
        {"program_id": str(world.org.program_id), "wave_id": str(second)},
    )
    assert page.status_code == 200, page.text
    found = re.search(r"/crews/([A-Za-z0-9_-]{20,})</p>", page.text)
    assert found is not None, page.text
    return found.group(1)


def test_a_leader_shares_the_crews_page_and_withdraws_the_link(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    leader.post(f"/dashboard/units/{world.id('north')}/actions", {
        "program_id": str(world.org.program_id), "title": "Chief's town hall on mental health",
        "started_on": "2031-02-01", "scales": ["openness/psych_safety"],
    })  # fmt: skip
    token = _link(leader, world, "north")
    client.cookies.clear()
    seed(lambda conn: conn.execute(
        "UPDATE program SET resources = $2 WHERE program_id = $1", world.org.program_id,
        [{"name": "Peer support team", "kind": "peer_support", "contact": "Call 555-0100",
          "description": {"en": "Trained colleagues, any shift."}}],
    ))  # fmt: skip

    public = client.get(f"/crews/{token}")
    assert public.status_code == 200, public.text
    assert "set-cookie" not in public.headers
    assert public.headers["referrer-policy"] == "no-referrer"
    assert public.headers["cache-control"] == "no-store"
    text = public.text
    assert "North Battalion" in text
    # North's published scores with their ranges, in words.
    assert "3.61 on a scale of 1 to 5, likely between 3.41 and 3.81" in text
    assert "Chief&#39;s town hall on mental health" in text
    assert "better, larger than the noise: +0.34 (+0.06 to +0.62)" in text
    assert "Peer support team" in text and "Call 555-0100" in text
    assert "Trained colleagues, any shift." in text
    # Nothing above the unit, nothing unpublished.
    assert "Metro Fire Department" not in text
    for hidden in HIDDEN_STRINGS:
        assert hidden not in text

    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    preview = leader.get(f"/dashboard/units/{world.id('north')}/crews").text
    share_id = re.search(r"/dashboard/crews-links/(\d+)/revoke", preview)
    assert share_id is not None and token not in preview
    assert leader.post(f"/dashboard/crews-links/{share_id.group(1)}/revoke").status_code == 303
    client.cookies.clear()
    gone = client.get(f"/crews/{token}")
    assert gone.status_code == 404 and "set-cookie" not in gone.headers
    assert client.get("/crews/not-a-token-anyone-has").status_code == 404

    rows = seed(lambda conn: audit_rows(conn, "crews_link."))
    assert [r["action"] for r in rows] == ["crews_link.created", "crews_link.revoked"]
    assert all(token not in str(r["subject"]) for r in rows)
    stored = seed(lambda conn: conn.fetchval("SELECT token_hash FROM crew_share"))
    assert token.encode() not in bytes(stored)


def test_a_small_units_crews_page_says_why_and_shows_no_number(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    token = _link(leader, world, "birch")
    client.cookies.clear()
    text = client.get(f"/crews/{token}").text
    assert "Station Birch" in text and "too few responses to show" in text
    # Birch's parent is not named on its crews' page, so no "see parent".
    assert "see parent" not in text
    for hidden in HIDDEN_STRINGS:
        assert hidden not in text


def test_the_handout_pdf_holds_the_unit_its_scores_and_the_panel(
    client: TestClient[Any], seed: Any, world: SmallWorld, tmp_path: Path
) -> None:
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    page = leader.get(f"/dashboard/units/{world.id('north')}/handout")
    assert page.status_code == 200
    assert "3.61 (3.41–3.81)" in page.text
    pdf_link = re.search(r'href="(/dashboard/units/\d+/handout\.pdf\?[^"]+)"', page.text)
    assert pdf_link is not None
    for paper in ("a4", "letter"):
        response = leader.get(pdf_link.group(1).replace("&amp;", "&") + f"&paper={paper}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        text = pdf_content_text(tmp_path, response.content)
        assert "North Battalion" in text
        assert "3.61 (3.41-3.81)" in text and "What these numbers mean" in text
        pages = text.count("\f")
        assert 1 <= pages <= 2, pages
    token = _link(leader, world, "north")
    client.cookies.clear()
    public = client.get(f"/crews/{token}/handout.pdf")
    assert public.status_code == 200 and "set-cookie" not in public.headers
    assert "North Battalion" in pdf_content_text(tmp_path, public.content)


def test_crews_pages_and_links_follow_the_leaders_scope_and_refuse_researchers(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    admin = sign_in_at(client, seed, "admin", None)
    _link(admin, world, "south")
    preview = admin.get(f"/dashboard/units/{world.id('south')}/crews").text
    share_id = re.search(r"/dashboard/crews-links/(\d+)/revoke", preview)
    assert share_id is not None
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    second = str(world.org.wave_ids[1])
    for path in ("crews", "handout", "handout.pdf"):
        assert leader.get(f"/dashboard/units/{world.id('south')}/{path}").status_code == 404
    created = leader.post(f"/dashboard/units/{world.id('south')}/crews/links",
                          {"program_id": str(world.org.program_id), "wave_id": second})  # fmt: skip
    assert created.status_code == 404
    assert leader.post(f"/dashboard/crews-links/{share_id.group(1)}/revoke").status_code == 404
    researcher = sign_in_at(client, seed, "researcher", None)
    for path in ("crews", "handout", "handout.pdf"):
        assert researcher.get(f"/dashboard/units/{world.id('south')}/{path}").status_code == 403
    assert researcher.post(f"/dashboard/crews-links/{share_id.group(1)}/revoke").status_code == 403
    rows = seed(lambda conn: audit_rows(conn, "crews_link."))
    assert [r["action"] for r in rows] == ["crews_link.created"]


def test_the_link_a_leader_hands_out_uses_the_public_address_not_the_requests_host(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    settings = client.app.state.settings
    client.app.state.settings = msgspec.structs.replace(
        settings, public_url="https://survey.county.example"
    )
    try:
        leader = sign_in_at(client, seed, "leader", world.unit["north"])
        page = leader.post(
            f"/dashboard/units/{world.id('north')}/crews/links",
            {"program_id": str(world.org.program_id), "wave_id": str(world.org.wave_ids[1])},
        )
    finally:
        client.app.state.settings = settings
    assert page.status_code == 200, page.text
    assert re.search(r"https://survey\.county\.example/crews/[A-Za-z0-9_-]{20,}", page.text)
    # The request came to the test client's own host, which must not be the link's.
    assert "testserver/crews/" not in page.text


CREWS_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _public_headers(response: Any) -> None:
    """What every response of the public crews' page carries, whatever its status."""
    assert "set-cookie" not in response.headers
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == CREWS_POLICY
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert response.headers["permissions-policy"] == "camera=(), microphone=(), geolocation=()"


def test_the_public_crews_pages_errors_keep_its_privacy_and_log_nothing(
    client: TestClient[Any],
    seed: Any,
    world: SmallWorld,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from service.crews import service as crews

    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    token = _link(leader, world, "north")
    client.cookies.clear()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("muster").error("capture check")  # the capture itself works
        _public_headers(client.get(f"/crews/{token}"))
        unknown = client.get("/crews/not-a-token-anyone-has", headers=HTML)
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("text/html")
        assert "Ask your unit&#39;s leader for the current one." in unknown.text
        _public_headers(unknown)
        wrong_method = client.post(f"/crews/{token}")
        assert wrong_method.status_code == 405
        _public_headers(wrong_method)

        async def broken(conn: Any, key: bytes, given: str) -> None:
            raise RuntimeError(f"the database refused the token {given}")

        monkeypatch.setattr(crews, "resolve_share", broken)
        for path in (f"/crews/{token}", f"/crews/{token}/handout.pdf"):
            failed = client.get(path, headers=HTML)
            assert failed.status_code == 500
            assert failed.headers["content-type"].startswith("text/html")
            assert token not in failed.text and "RuntimeError" not in failed.text
            _public_headers(failed)
    # The test's own HTTP client (httpx) logs the addresses it asks for; the service, nothing.
    served = [r for r in caplog.records if not r.name.startswith("httpx")]
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text}" for r in served)
    assert "capture check" in logged
    assert token not in logged
    assert "RuntimeError" not in logged
    assert all(record.exc_info is None for record in served)
    failures = metrics.metrics_for(client.app.state).respondent_failures
    assert failures["other"] == 2


def test_the_crews_page_of_a_wave_counts_an_actions_change_only_up_to_that_wave(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    """An action begun between waves 1 and 2: the page made for wave 1 shows no change yet,
    although wave 2 (released later) has one; the page for wave 2 shows it."""
    leader = sign_in_at(client, seed, "leader", world.unit["north"])
    leader.post(f"/dashboard/units/{world.id('north')}/actions", {
        "program_id": str(world.org.program_id), "title": "Chief's town hall on mental health",
        "started_on": "2031-02-01", "scales": ["openness/psych_safety"],
    })  # fmt: skip
    first, second = world.org.wave_ids
    page = f"/dashboard/units/{world.id('north')}/crews?program={world.org.program_id}&wave="
    later = leader.get(page + str(second))
    assert later.status_code == 200, later.text
    assert "better, larger than the noise: +0.34 (+0.06 to +0.62)" in later.text
    earlier = leader.get(page + str(first))
    assert earlier.status_code == 200, earlier.text
    assert "Chief&#39;s town hall on mental health" in earlier.text
    assert "No wave has been released since it began on 1 Feb 2031" in earlier.text
    assert "+0.34" not in earlier.text
