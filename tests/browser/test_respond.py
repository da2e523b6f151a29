"""A responder on a phone: scan a card, answer, submit, see where to find help.

No cookie may be set and no request may leave the service's own origin.
"""

from __future__ import annotations

from typing import Any

from tests.factories import open_wave_with_card
from tests.http import assert_accessible, screenshot


def test_a_responder_answers_from_a_card_on_a_phone(
    live_server: str, phone: Any, seed: Any
) -> None:
    survey_key, code, wave_id = seed(open_wave_with_card)
    requests: list[str] = []
    page = phone.new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server}/s/{survey_key}#{code}")
    # The self-hosted script moved the code from the fragment into the form, and removed it
    # from the address bar.
    assert page.locator("#code").input_value().replace("-", "").replace(" ", "") == code
    assert "#" not in page.url
    assert_accessible(page)
    screenshot(page, "respond-phone")
    names = page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    assert len(names) >= 25
    for name in names[:-3]:  # the last three are left unanswered: skipping is allowed
        page.locator(f"input[type=radio][name='{name}']").first.check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert "Thank you" in page.content()
    assert code not in page.content()
    assert_accessible(page)
    screenshot(page, "respond-thanks-phone")
    assert phone.cookies() == []
    assert requests and all(url.startswith(live_server) for url in requests), requests

    stored = seed(
        lambda conn: conn.fetch("SELECT unit_id, answers FROM response WHERE wave_id = $1", wave_id)
    )
    assert len(stored) == 1
    assert list(stored[0]["answers"][-3:]) == [0, 0, 0]
