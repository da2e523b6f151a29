"""The sign-in page in a real browser: it renders, is accessible, and signs a person in."""

from __future__ import annotations

from typing import Any

from tests.factories import make_staff
from tests.http import assert_accessible, screenshot


def test_a_coordinator_signs_in_from_a_phone(live_server: str, phone: Any, seed: Any) -> None:
    staff = seed(lambda conn: make_staff(conn, role="admin"))
    page = phone.new_page()
    page.goto(live_server + "/login")
    assert_accessible(page)
    page.get_by_label("Email").fill(staff["email"])
    page.get_by_label("Password").fill(staff["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/")
    assert staff["email"] in page.content()
    assert_accessible(page)
    screenshot(page, "landing-phone")
    cookie = next(c for c in phone.cookies() if c["name"] == "__Host-muster_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"


def test_the_language_switch_works_on_a_phone_signed_out_and_in(
    live_server: str, phone: Any, seed: Any
) -> None:
    staff = seed(lambda conn: make_staff(conn, role="researcher"))
    page = phone.new_page()
    page.goto(live_server + "/login")
    page.get_by_role("button", name="Français").click()
    page.wait_for_url(live_server + "/login")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Se connecter").is_visible()
    # The header fits a 390 px screen: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    page.get_by_label("Adresse e-mail").fill(staff["email"])
    page.get_by_label("Mot de passe").fill(staff["password"])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/")
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    screenshot(page, "landing-phone-fr")
    # Back to English from the header: stored on the account, and the page follows.
    page.get_by_role("button", name="English").click()
    page.wait_for_url(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Sign out").is_visible()
    cookie = next(c for c in phone.cookies() if c["name"] == "__Host-muster_lang")
    assert cookie["value"] == "en" and cookie["httpOnly"] and cookie["secure"]
