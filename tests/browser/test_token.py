"""A responder on a phone with an emailed link: get a blind-signed token in the browser
(the vendored @cloudflare/blindrsa-ts over WebCrypto), keep it for later across a reload,
answer, and see the thank-you page. No cookie, no request off the origin."""

from __future__ import annotations

from typing import Any

from service.tokens import blindrsa
from tests.factories import links_survey
from tests.http import PHONE, assert_accessible, screenshot


def test_a_responder_gets_a_token_keeps_it_for_later_and_answers_on_a_phone(
    live_server: str, phone: Any, seed: Any
) -> None:
    seeded = seed(links_survey)
    survey = seeded.survey
    requests: list[str] = []
    page = phone.new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server}/t/{survey.survey_key}#{seeded.tickets[0]}")
    assert page.get_by_text("Your browser makes a random token").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Get my token").click()
    page.locator("#step-ready").wait_for(state="visible")
    # The ticket is spent: it has left the address bar.
    assert "#" not in page.url
    public = seed(
        lambda conn: conn.fetchval("SELECT public_key FROM wave WHERE wave_id = $1", survey.wave_id)
    )
    assert page.locator("#fingerprint").inner_text() == blindrsa.short_fingerprint(public)
    screenshot(page, "token-ready-phone")
    assert_accessible(page)

    page.get_by_role("button", name="Keep it for later").click()
    assert page.locator("#step-later").is_visible()
    # Later, on the same device: the token is still there, nowhere but in this browser.
    page.reload()
    page.locator("#step-ready").wait_for(state="visible")
    stored = page.evaluate(f"localStorage.getItem('muster-token:{survey.survey_key}')")
    assert stored and '"token"' in stored
    tokens_in_db = seed(lambda conn: conn.fetchval("SELECT count(*) FROM spent_invitation"))
    assert tokens_in_db == 0, "the token is sent nowhere before the answers"

    page.get_by_role("link", name="Answer now").click()
    page.wait_for_load_state()
    assert page.locator("#token-present").is_visible()
    assert_accessible(page)
    names = page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    for name in names[:3]:
        page.locator(f"input[type=radio][name='{name}']").first.check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert "Thank you" in page.content()
    assert page.evaluate(f"localStorage.getItem('muster-token:{survey.survey_key}')") is None
    screenshot(page, "token-thanks-phone")

    assert phone.cookies() == []
    assert requests and all(url.startswith(live_server) for url in requests), requests
    stored_rows = seed(
        lambda conn: conn.fetch("SELECT unit_id FROM response WHERE wave_id = $1", survey.wave_id)
    )
    assert [row["unit_id"] for row in stored_rows] == [survey.unit_id]


def test_without_javascript_the_token_page_points_to_paper_cards(
    live_server: str, browser: Any, seed: Any
) -> None:
    seeded = seed(links_survey)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/t/{seeded.survey.survey_key}#{seeded.tickets[0]}")
        notice = page.locator("#token-noscript")
        assert notice.is_visible()
        assert "paper survey card" in notice.inner_text()
        assert not page.get_by_role("button", name="Get my token").is_visible()
    finally:
        context.close()
