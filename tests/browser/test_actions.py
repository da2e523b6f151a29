"""Closing the loop in a real browser, on a phone and a desktop: a leader records an action
(a problem shows beside its field first), sees it marked on the trend charts and its change
on the unit page, shares the crews' page (opened without an account, no cookie), and
prints the handout: Chromium's own PDF and the server's PDF, each turned into an image and
checked to carry the unit and its score. axe-core finds nothing on any new page."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.factories import SmallWorld, make_staff, small_world
from tests.http import PHONE, assert_accessible, pdf_text, screenshot, sign_in_browser


def _fits(page: Any, device: str) -> None:
    if device == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width}px wide on a phone"


def _check_pdf(path: Path, *words: str) -> None:
    """The PDF's text holds `words`, and its first page, as an image, is not blank."""
    text = pdf_text(path)
    for word in words:
        assert word in text, (word, text[:2000])
    pages = text.count("\f")
    assert 1 <= pages <= 2, f"{path.name}: {pages} pages"
    prefix = path.with_suffix("")
    subprocess.run(  # noqa: S603
        ["/usr/bin/pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(prefix)],
        check=True,
    )  # fmt: skip
    image_path = next(path.parent.glob(prefix.name + "*.png"))
    with Image.open(image_path) as image:
        grey = image.convert("L")
        dark = sum(grey.histogram()[:128])
        assert dark > 0.005 * grey.width * grey.height, f"{image_path} looks blank"


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_leader_closes_the_loop_from_results_to_crews(
    live_server: str, seed: Any, request: pytest.FixtureRequest, device: str, tmp_path: Path,
    browser: Any,
) -> None:  # fmt: skip
    context = request.getfixturevalue(device)
    world: SmallWorld = seed(small_world)
    leader = seed(lambda conn: make_staff(conn, role="leader", unit=world.unit["north"]))
    page = context.new_page()
    sign_in_browser(page, live_server, leader)
    north = world.id("north")

    page.goto(f"{live_server}/dashboard/units/{north}")
    assert page.locator("svg .action-mark").count() == 0
    page.get_by_role("link", name="Record or change actions for North Battalion").click()
    page.wait_for_url(f"**/dashboard/units/{north}/actions*")
    assert_accessible(page)
    _fits(page, device)

    # Forgotten title: the problem is told beside the field, and the page stays accessible.
    page.get_by_label("Start date").fill("2031-02-01")
    page.get_by_label("Team psychological safety").check()
    page.get_by_role("button", name="Record the action").click()
    error = page.locator("#f-title-error")
    assert error.is_visible() and "cannot be empty" in error.inner_text()
    assert (
        page.get_by_label("What was done, in a few words").get_attribute("aria-invalid") == "true"
    )
    assert_accessible(page)

    page.get_by_label("What was done, in a few words").fill("Peer-support team launched")
    page.get_by_label("What crews should know about it (optional)").fill(
        "Six trained peers, one per shift."
    )
    page.get_by_label("Who leads it (optional)").fill("Peer-support lead")
    page.get_by_role("button", name="Record the action").click()
    page.wait_for_url(f"**/dashboard/units/{north}?*")

    # On the chart's time axis, and its change on the unit page.
    assert page.locator("svg .action-mark").count() == 1
    section = page.locator("#actions")
    assert "Peer-support team launched" in section.inner_text()
    assert "better, larger than the noise" in section.inner_text()
    assert "+0.34 (+0.06 to +0.62)" in section.inner_text()
    assert_accessible(page)
    _fits(page, device)
    screenshot(page, f"actions-unit-{device}")

    # The action's own page, to change or delete it.
    page.goto(f"{live_server}/dashboard/units/{north}/actions")
    page.get_by_role("link", name="Peer-support team launched").click()
    page.wait_for_url("**/dashboard/actions/*")
    assert page.get_by_label("What was done, in a few words").input_value() == (
        "Peer-support team launched"
    )
    assert_accessible(page)
    _fits(page, device)
    page.goto(f"{live_server}/dashboard/units/{north}")
    section = page.locator("#actions")

    # The crews' page: preview, then a link anyone can open without an account.
    section.get_by_role("link", name="Crews' page: you said, we did").click()
    page.wait_for_url(f"**/dashboard/units/{north}/crews*")
    assert_accessible(page)
    page.get_by_role("button", name="Create a link for wave 2").click()
    link = page.locator(".share-link").inner_text().strip()
    assert link.startswith(live_server + "/crews/")
    assert_accessible(page)
    _fits(page, device)

    stranger = browser.new_context(viewport=PHONE if device == "phone" else None)
    try:
        crews = stranger.new_page()
        crews.goto(link)
        assert crews.get_by_role("heading", level=1).inner_text() == "North Battalion"
        body = crews.locator("main").inner_text()
        assert "3.61 on a scale of 1 to 5, likely between 3.41 and 3.81" in body
        assert "Peer-support team launched" in body
        assert stranger.cookies() == []
        assert_accessible(crews)
        _fits(crews, device)
        screenshot(crews, f"crews-page-{device}")
    finally:
        stranger.close()

    # The handout: printed by the browser, and the server's own PDF.
    page.get_by_role("link", name="Printable handout (page and PDF)").click()
    page.wait_for_url(f"**/dashboard/units/{north}/handout*")
    assert_accessible(page)
    _fits(page, device)
    printed = tmp_path / "printed.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(printed), format="A4", print_background=True)
    page.emulate_media(media="screen")
    _check_pdf(printed, "North Battalion", "3.61", "Peer-support team launched")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF (A4)").click()
    served = tmp_path / "served.pdf"
    download.value.save_as(str(served))
    _check_pdf(served, "North Battalion", "3.61 (3.41-3.81)", "Peer-support team launched")
