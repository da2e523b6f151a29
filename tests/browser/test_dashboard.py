"""A leader's journey through the dashboard in a real browser, on a phone and a desktop:
sign in, the overview, drill into a unit, the unit page; axe-core on every page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import SAFETY, STRESS, make_staff, put_rows, released_org, small_world
from tests.http import assert_accessible, screenshot, sign_in_browser


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_leader_signs_in_and_drills_into_a_unit(
    live_server: str, seed: Any, request: pytest.FixtureRequest, device: str
) -> None:
    context = request.getfixturevalue(device)
    org = seed(lambda conn: released_org(conn, shape=(3, 3), count=3, per_leaf=90, small_leaf=3))
    battalion = org.units[1]
    outside = org.units[2]
    leader = seed(lambda conn: make_staff(conn, role="leader", unit=battalion))
    page = context.new_page()

    sign_in_browser(page, live_server, leader)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.wait_for_url(live_server + "/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == battalion["name"]
    assert page.get_by_role("link", name="Console").count() == 0
    assert outside["name"] not in page.content()
    assert_accessible(page)
    screenshot(page, f"dashboard-overview-{device}")

    # A chart's numbers as a table, for anyone who cannot see the chart.
    page.get_by_text("Show the numbers as a table").first.click()
    assert page.locator("details.chart-data[open] table").first.is_visible()
    assert_accessible(page)

    station = org.children(battalion)[0]
    page.get_by_role("link", name=station["name"], exact=True).first.click()
    page.wait_for_url(re.compile(rf"/dashboard/units/{station['unit_id']}\?"))
    assert page.get_by_role("heading", level=1).inner_text() == station["name"]
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    assert battalion["name"] in breadcrumb.inner_text()
    assert org.root["name"] not in page.content()
    assert page.locator("svg[role=img]").count() >= 3
    assert_accessible(page)
    screenshot(page, f"dashboard-unit-{device}")

    # The filters are a plain form: the older wave is one choice and one button away.
    waves = page.get_by_label("Wave", exact=True)
    waves.select_option(label=waves.locator("option").last.inner_text())
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url(re.compile(rf"[?&]wave={org.wave_ids[0]}(&|$)"))
    assert "Wave 1" in page.locator(".release-note").inner_text()
    assert_accessible(page)

    response = page.goto(f"{live_server}/dashboard/units/{outside['unit_id']}")
    assert response is not None and response.status == 404  # as if there were none (issue 12)
    assert outside["name"] not in page.content()
    assert_accessible(page)
    screenshot(page, f"dashboard-out-of-scope-{device}")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_rising_stress_scale_reads_worse_without_relying_on_colour(
    live_server: str, seed: Any, request: pytest.FixtureRequest, device: str
) -> None:
    context = request.getfixturevalue(device)
    world = seed(small_world)
    north = world.unit["north"]

    async def rising_stress(conn: Any) -> None:
        await put_rows(conn, world.org.wave_ids[1], north["unit_id"], {
            f"scale:{STRESS}:trend": (0.18, 0.1, True),
            f"scale:{SAFETY}:trend": (0.25, 0.1, True),
        })  # fmt: skip

    seed(rising_stress)
    leader = seed(lambda conn: make_staff(conn, role="leader", unit=north))
    page = context.new_page()
    sign_in_browser(page, live_server, leader)
    page.goto(live_server + "/dashboard")
    scores = page.locator("table.scores")
    stress = scores.get_by_role("row", name=re.compile("Organizational stress"))
    safety = scores.get_by_role("row", name=re.compile("Team psychological safety"))
    assert "▲ worse, larger than the noise" in stress.inner_text()
    assert "▲ better, larger than the noise" in safety.inner_text()
    assert "Higher scores mean more strain" in stress.inner_text()
    assert "More favourable" in page.locator(".heat-legend").inner_text()
    assert_accessible(page)
    screenshot(page, f"dashboard-direction-{device}")
