"""A researcher's journey in a real browser, on a phone and a desktop: their page of API
tokens and exports; create, see and revoke a token, download an export; axe on every page."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tests.factories import make_staff, released_history
from tests.http import assert_accessible, screenshot, sign_in_browser


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_researcher_manages_tokens_and_downloads_an_export(
    live_server: str, seed: Any, request: pytest.FixtureRequest, device: str
) -> None:
    context = request.getfixturevalue(device)
    history = seed(lambda conn: released_history(conn, waves_count=1))
    researcher = seed(lambda conn: make_staff(conn, role="researcher"))
    page = context.new_page()

    sign_in_browser(page, live_server, researcher)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Tokens and exports"
    ).click()
    page.wait_for_url(live_server + "/research")
    assert page.get_by_role("heading", level=1).inner_text() == "Tokens and exports"
    assert page.get_by_text("You have no tokens.").is_visible()
    # Nothing wider than the phone: no sideways scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    screenshot(page, f"research-{device}")

    # A wrong field comes back beside the input, with a summary that links to it.
    page.get_by_label("Name").fill("nightly export")
    page.get_by_label("Expires after (days)").fill("400")
    page.get_by_role("button", name="Create the token").click()
    assert page.locator("#f-expires_in_days-error").is_visible()
    assert page.get_by_label("Name").input_value() == "nightly export"
    assert_accessible(page)

    page.get_by_label("Expires after (days)").fill("30")
    page.get_by_role("button", name="Create the token").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Token created"
    secret = page.locator(".secret-value").inner_text()
    assert len(secret) > 20
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    screenshot(page, f"research-token-created-{device}")

    page.get_by_role("link", name="Back to your tokens and exports").click()
    row = page.get_by_role("row", name="nightly export")
    assert "active" in row.inner_text() and secret not in page.content()

    with page.expect_download() as caught:
        page.get_by_role("link", name="CSV of wave 1").click()
    download = caught.value
    assert download.suggested_filename.endswith(".csv")
    frame = pd.read_csv(download.path())
    assert len(frame) > 0 and "lower" in frame.columns
    assert set(frame["wave_id"]) == {history["wave_ids"][0]}

    row.get_by_role("link", name="Revoke nightly export").click()
    assert_accessible(page)
    page.get_by_label("I understand that the token stops working now").check()
    page.get_by_role("button", name="Revoke the token").click()
    page.wait_for_url(live_server + "/research?done=token-revoked")
    assert page.get_by_role("status").inner_text().startswith("The token was revoked")
    assert "revoked" in page.get_by_role("row", name="nightly export").inner_text()
    assert_accessible(page)

    # The coordinator's token page says where the researcher's own page is.
    response = page.goto(live_server + "/console/tokens")
    assert response is not None and response.status == 403
    assert page.get_by_text("/research").count() >= 1
    assert_accessible(page)
