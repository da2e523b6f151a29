"""A responder on a phone: scan a card, answer, submit, see where to find help.

No cookie may be set and no request may leave the service's own origin.
"""

from __future__ import annotations

from typing import Any

from tests.factories import close, open_wave_with_card
from tests.http import PHONE, assert_accessible, screenshot


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


# --- issue 16: the responder's journey on a phone -----------------------------------------------

HELP = [
    {
        "name": "Peer Support Team",
        "names": {"fr": "Équipe de soutien par les pairs"},
        "kind": "peer_support",
        "phone": "+1 555-0100",
        "description": {"en": "Colleagues trained to listen.", "fr": "Des collègues formés."},
    },
    {"name": "Crisis Line", "kind": "crisis_line", "phone": "988"},
]


def _card_with_help(seed: Any) -> tuple[str, str, int]:
    async def go(conn: Any) -> tuple[str, str, int]:
        survey_key, code, wave_id = await open_wave_with_card(conn)
        await conn.execute(
            """UPDATE program SET resources = $2
               WHERE program_id = (SELECT program_id FROM wave WHERE wave_id = $1)""",
            wave_id,
            HELP,
        )
        return survey_key, code, wave_id

    found: tuple[str, str, int] = seed(go)
    return found


def _stored(seed: Any, wave_id: int) -> list[Any]:
    rows: list[Any] = seed(
        lambda conn: conn.fetch("SELECT answers FROM response WHERE wave_id = $1", wave_id)
    )
    return rows


def _spent(seed: Any) -> int:
    count: int = seed(lambda conn: conn.fetchval("SELECT count(*) FROM spent_invitation"))
    return count


def _radio_names(page: Any) -> list[str]:
    names: list[str] = page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    return names


def _checked(page: Any) -> dict[str, str]:
    found: dict[str, str] = page.eval_on_selector_all(
        "input[type=radio]:checked", "els => Object.fromEntries(els.map(e => [e.name, e.value]))"
    )
    return found


def _focused(page: Any) -> str:
    found: str = page.evaluate("document.activeElement && document.activeElement.id")
    return found


def _answer(page: Any, names: list[str]) -> dict[str, str]:
    for name in names:
        page.locator(f"input[type=radio][name='{name}']").nth(1).check()
    return _checked_of(page, names)


def _checked_of(page: Any, names: list[str]) -> dict[str, str]:
    """The chosen answers of `names`, read through locators (which work with JavaScript
    off, unlike page.evaluate)."""
    found = {}
    for name in names:
        chosen = page.locator(f"input[type=radio][name='{name}']:checked")
        if chosen.count():
            found[name] = chosen.get_attribute("value")
    return found


def _has_focus(page: Any, selector: str) -> bool:
    return bool(page.locator(f"{selector}:focus").count() == 1)


def test_with_javascript_enter_reload_and_language_switch_lose_nothing(
    live_server: str, phone: Any, seed: Any
) -> None:
    survey_key, code, wave_id = _card_with_help(seed)
    page = phone.new_page()
    page.goto(f"{live_server}/s/{survey_key}#{code}")
    field = page.locator("#code")
    # The whole code shows on a 390 px phone, in groups of four, in a monospace font.
    assert field.input_value().replace("-", "") == code
    assert field.input_value().count("-") == 6
    fits = field.evaluate(
        "el => el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight + 1"
    )
    assert fits, screenshot(page, "respond-code-phone")
    assert "mono" in field.evaluate("el => getComputedStyle(el).fontFamily")

    # Enter (or Go) in the code field moves on to the first question; nothing is sent.
    field.focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert page.url == f"{live_server}/s/{survey_key}"
    assert _focused(page) == "" or page.evaluate("document.activeElement.type") == "radio"
    assert _spent(seed) == 0

    # Sending with nothing answered asks first; the card is not spent.
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert "You have not answered any question: submit anyway?" in page.content()
    assert _focused(page) == "error-summary"
    assert _spent(seed) == 0
    assert_accessible(page)
    screenshot(page, "respond-confirm-empty-js-phone")
    # Opened again from the address bar (the fragment is gone): this tab kept the code.
    page.goto(f"{live_server}/s/{survey_key}")
    assert page.locator("#code").input_value().replace("-", "") == code

    names = _radio_names(page)
    answered = _answer(page, names[:3])
    # A reload (or a call-out that ends the tab's page) keeps the code and the answers.
    page.reload()
    assert _checked(page) == answered
    assert page.locator("#code").input_value().replace("-", "") == code
    assert page.locator(".section-progress").first.inner_text().startswith("Section 1 of")
    assert_accessible(page)
    # Another tab on the same phone (the next person to open the link on a shared device)
    # finds neither the answers nor the code: they live in this tab's storage only.
    other = phone.new_page()
    other.goto(f"{live_server}/s/{survey_key}")
    assert _checked(other) == {}
    assert other.locator("#code").input_value() == ""
    other.close()

    # The language switch keeps them too.
    page.get_by_role("button", name="Français").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert _checked(page) == answered
    assert page.locator("#code").input_value().replace("-", "") == code
    assert _spent(seed) == 0
    assert_accessible(page)

    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.wait_for_load_state()
    assert "Merci" in page.content()
    # The help is in the page's language, numbers dial.
    assert page.locator("#help").get_by_text("Équipe de soutien par les pairs").count() == 1
    assert page.locator("#help a[href='tel:988']").count() == 1
    assert_accessible(page)
    # Sending cleared what this device kept.
    kept = page.evaluate(
        "[...Object.keys(localStorage), ...Object.keys(sessionStorage)]"
        ".filter(k => k.startsWith('muster-answers') || k.startsWith('muster-code'))"
    )
    assert kept == []
    assert phone.cookies() == []
    assert [list(row["answers"][:3]) for row in _stored(seed, wave_id)] == [
        [int(answered[name]) for name in names[:3]]
    ]


def test_without_javascript_enter_asks_before_spending_and_the_switch_keeps_answers(
    live_server: str, browser: Any, seed: Any
) -> None:
    survey_key, code, wave_id = _card_with_help(seed)
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/s/{survey_key}")
        page.locator("#code").fill(code)
        # Enter in the code field: a new line in the field, not a submission.
        page.locator("#code").press("Enter")
        page.wait_for_timeout(300)
        assert page.url == f"{live_server}/s/{survey_key}"
        # Enter on a question with nothing answered (implicit submission): the card is not
        # spent; the page asks.
        page.locator("input[type=radio]").first.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "You have not answered any question: submit anyway?" in page.content()
        assert _has_focus(page, "#error-summary")
        assert _spent(seed) == 0
        screenshot(page, "respond-confirm-empty-phone")

        items = page.locator("fieldset.item")
        names = [
            items.nth(i).locator("input[type=radio]").first.get_attribute("name") for i in range(3)
        ]
        answered = _answer(page, names[:2])
        page.get_by_role("button", name="Français").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr"
        assert _checked_of(page, names) == answered
        assert page.locator("#code").input_value().replace("\n", "") == code
        assert _spent(seed) == 0

        # A mistyped code: the error summary comes first, takes focus, links to the field.
        page.locator("#code").fill(code[:-1] + ("0" if code[-1] != "0" else "1"))
        page.get_by_role("button", name="Envoyer mes réponses").click()
        page.wait_for_load_state()
        assert _has_focus(page, "#error-summary")
        page.locator("#error-summary a[href='#code']").click()
        assert _has_focus(page, "#code")

        page.locator("#code").fill(code)
        page.get_by_role("button", name="Envoyer mes réponses").click()
        page.wait_for_load_state()
        assert "Merci" in page.content()
        assert len(_stored(seed, wave_id)) == 1
        assert context.cookies() == []
    finally:
        context.close()


def test_help_is_reachable_on_every_responder_page(live_server: str, phone: Any, seed: Any) -> None:
    survey_key, code, wave_id = _card_with_help(seed)
    page = phone.new_page()

    def has_help(name: str) -> None:
        page.get_by_role("link", name="Help and support").click()
        assert page.locator("#help").is_visible()
        assert "call your local emergency number" in page.locator("#help").inner_text()
        assert_accessible(page)
        screenshot(page, f"respond-help-{name}")

    page.goto(f"{live_server}/s/{survey_key}")
    has_help("survey")
    assert page.locator("#help a[href='tel:+15550100']").count() == 1
    page.locator("#code").fill(code)
    page.locator("input[type=radio]").first.check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    has_help("thanks")
    # The same card again: "already used" says what to do, with help beside it.
    page.goto(f"{live_server}/s/{survey_key}")
    page.locator("#code").fill(code)
    page.locator("input[type=radio]").first.check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert "ask the coordinator for a new card" in page.content()
    has_help("used")
    assert page.locator("#help a[href='tel:988']").count() == 1
    page.goto(f"{live_server}/s/{'0' * 32}")
    has_help("not-found")
    seed(lambda conn: close(conn, wave_id))
    page.goto(f"{live_server}/s/{survey_key}")
    assert "This survey has closed" in page.content()
    has_help("closed")
    assert page.locator("#help a[href='tel:988']").count() == 1
    assert phone.cookies() == []
