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
