"""An open wave's participation estimate on a phone: the leader's dashboard and the
coordinator's program page show a range of rates, and axe-core finds nothing."""

from __future__ import annotations

import re
from typing import Any

from tests.factories import make_staff
from tests.http import assert_accessible, screenshot, sign_in_browser
from tests.privacy.test_participation_pages import _open_wave

RANGE = re.compile(r"about \d+%–\d+% have answered")


def test_an_open_wave_shows_its_estimate_with_a_range_on_a_phone(
    live_server: str, seed: Any, phone: Any
) -> None:
    world = seed(_open_wave)
    battalion = world["units"][1]
    leader = seed(lambda conn: make_staff(conn, role="leader", unit=battalion))
    page = phone.new_page()
    sign_in_browser(page, live_server, leader)
    page.goto(live_server + "/dashboard")
    section = page.get_by_role("region", name="Participation so far in wave 1")
    assert section.is_visible()
    assert RANGE.search(section.inner_text())
    assert battalion["path"] in section.inner_text()
    assert world["units"][2]["path"] not in section.inner_text()
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    screenshot(page, "participation-dashboard-phone")

    admin = seed(lambda conn: make_staff(conn, role="admin"))
    page = phone.new_page()
    page.context.clear_cookies()
    sign_in_browser(page, live_server, admin)
    page.goto(f"{live_server}/console/programs/{world['program']}")
    section = page.get_by_role("region", name="Participation so far in wave 1")
    assert len(RANGE.findall(section.inner_text())) == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    screenshot(page, "participation-console-phone")
