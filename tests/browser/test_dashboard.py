"""A leader's journey through the dashboard in a real browser, on a phone and a desktop:
sign in, the overview, drill into a unit, the unit page; axe-core on every page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import ITEM, SAFETY, STRESS, make_staff, put_rows, released_org, small_world
from tests.http import PHONE, assert_accessible, screenshot, sign_in_browser


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

    # The filters are a plain form: the older wave is one choice and one button away (on a
    # phone, behind the line that folds them away).
    if device == "phone":
        page.get_by_text("Change program, wave or scale").click()
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


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_first_screen_shows_the_unit_the_wave_and_the_scores(
    live_server: str, seed: Any, request: pytest.FixtureRequest, device: str
) -> None:
    """Readable in 30 seconds (issue 15): on a phone the filters fold away so that the unit,
    the wave and the scores table are on the first screen; a desktop shows the filters open.
    The rolling mean is named by how many waves it covers; the questions page shows an item's
    answers only where their ranges are readable, and says why where not."""
    context = request.getfixturevalue(device)
    world = seed(small_world)
    north = world.unit["north"]

    async def wide_items(conn: Any) -> None:
        await put_rows(conn, world.org.wave_ids[1], north["unit_id"], {
            f"item:{ITEM}:{i + 1}": (v, 49.0, True)
            for i, v in enumerate((0.0, 34.0, 74.0, 0.0, 0.0))
        })  # fmt: skip

    seed(wide_items)
    leader = seed(lambda conn: make_staff(conn, role="leader", unit=world.unit["root"]))
    page = context.new_page()
    sign_in_browser(page, live_server, leader)
    page.goto(live_server + "/dashboard")

    first_screen = PHONE["height"] if device == "phone" else 900
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Metro Fire Department"
    note = page.locator(".release-note").first
    assert "Wave 2" in note.inner_text()
    scores = page.locator("table.scores")
    for element in (heading, note, scores):
        box = element.bounding_box()
        assert box is not None and box["y"] < first_screen, element
    screenshot(page, f"dashboard-first-screen-{device}")
    waves = page.get_by_label("Wave", exact=True)
    if device == "phone":
        assert not waves.is_visible()
        summary = page.get_by_text("Change program, wave or scale")
        assert "now: wave 2, all scales" in summary.inner_text()
        summary.click()
    assert waves.is_visible()
    # Two released waves: the rolling mean covers two, and says so.
    assert "2-wave mean" in scores.locator("thead").inner_text()
    assert_accessible(page)

    page.goto(f"{live_server}/dashboard/units/{world.unit['root']['unit_id']}")
    legend = page.locator("figure.chart", has_text="over time").first.locator("svg")
    assert "2-wave mean" in (legend.text_content() or "")
    assert "4-wave rolling mean" not in page.content()
    assert_accessible(page)

    page.goto(f"{live_server}/dashboard/units/{world.unit['root']['unit_id']}/questions")
    shown = page.locator("figure.chart", has_text="going through a rough time")
    assert "No answer is clearly the most common" in shown.inner_text()
    shown.get_by_text("Show the numbers as a table").click()
    assert "41 (36–46)" in shown.locator("table").inner_text()
    assert_accessible(page)
    screenshot(page, f"dashboard-questions-shown-{device}")

    page.goto(f"{live_server}/dashboard/units/{north['unit_id']}/questions")
    hidden = page.locator("figure.chart", has_text="going through a rough time")
    assert "is not shown: too uncertain to show" in hidden.inner_text()
    assert "74 (" not in page.content()
    assert_accessible(page)
    screenshot(page, f"dashboard-questions-hidden-{device}")
