"""The coordinator console in a real browser: one coordinator's journey on a desktop screen.

Signs in, builds the unit tree from a CSV (preview, then confirm), creates a program after
previewing its questionnaire, checks the budget planner, downloads invitation cards and
reads the privacy ledger. Every page passes axe-core with zero violations; screenshots go
to tests/artifacts/console-*.png.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from service.privacy.service import release_wave
from tests.factories import (
    add_responses,
    close,
    make_staff,
    open_wave_on,
    random_answers,
    wave_items,
)
from tests.http import assert_accessible, screenshot, sign_in_browser

CSV = """path,name,headcount
county-fire,County Fire,120
county-fire/battalion-1,Battalion 1,60
county-fire/battalion-1/station-7,Station 7,30
county-fire/battalion-1/station-9,Station 9,30
county-fire/battalion-2,Battalion 2,60
"""


async def _answer_and_close(
    conn: Any, wave_id: int, units: list[dict[str, Any]], per_unit: int, rng: random.Random
) -> None:
    items = await wave_items(conn, wave_id)
    for unit in units:
        answers = [random_answers(rng, items) for _ in range(per_unit)]
        await add_responses(conn, wave_id, unit["unit_id"], answers)
    await close(conn, wave_id)


async def _released_program(conn: Any) -> None:
    """A program whose first wave was released, so the ledger has a bar to draw."""
    _, wave_id, units = await open_wave_on(conn, (2,), epsilon_per_wave=2.0, annual_epsilon_cap=8.0)
    await _answer_and_close(conn, wave_id, units[1:], 40, random.Random(7))
    await release_wave(conn, None, wave_id, datetime.now(UTC))


def _check(page: Any, name: str) -> None:
    assert_accessible(page)
    screenshot(page, f"console-{name}")


def test_a_coordinator_sets_up_a_survey_from_the_console(
    live_server: str, desktop: Any, seed: Any
) -> None:
    staff = seed(lambda conn: make_staff(conn, role="admin"))
    seed(_released_program)
    base = live_server
    page = desktop.new_page()

    sign_in_browser(page, base, staff)

    page.goto(base + "/console")
    assert page.get_by_role("heading", name="Coordinator console").is_visible()
    _check(page, "overview")

    # Units: import with a preview that writes nothing, then apply it.
    page.get_by_role("navigation", name="Console sections").get_by_role(
        "link", name="Units"
    ).click()
    _check(page, "units-before")
    page.get_by_role("link", name="Import a CSV file").click()
    page.get_by_label("Or paste the lines").fill(CSV)
    page.get_by_role("button", name="Preview the changes").click()
    assert page.get_by_role("heading", name="Preview of the import").is_visible()
    assert "5 to create" in page.content()
    _check(page, "import-preview")
    count = "SELECT count(*) FROM unit WHERE path LIKE 'county-fire%'"
    assert seed(lambda conn: conn.fetchval(count)) == 0
    page.get_by_role("button", name="Apply the import").click()
    page.wait_for_url("**/console/units?done=units-imported*")
    assert page.get_by_role("status").inner_text().startswith("The import was applied: 5 created")
    assert page.get_by_role("link", name="Station 7").is_visible()
    _check(page, "units-tree")

    # A program: preview the questionnaire in both languages, then create it.
    page.goto(base + "/console/programs/new")
    _check(page, "program-new")
    page.get_by_label("Program name").fill("Quarterly wellbeing")
    page.get_by_label("Units covered").select_option("county-fire")
    page.get_by_label("Openness at work").check()
    starts = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT09:00")
    page.get_by_label("First wave opens (UTC)").fill(starts)
    page.get_by_role("button", name="Preview the questionnaire").click()
    preview = page.get_by_role("region", name="Preview of the questionnaire")
    assert preview.is_visible()
    assert preview.locator("td[lang=fr]").count() > 5
    _check(page, "program-preview")
    page.get_by_role("button", name="Create the program").click()
    page.wait_for_url("**/console/programs/*?done=program-created")
    assert page.get_by_role("heading", name="Quarterly wellbeing").is_visible()
    _check(page, "program")

    # The budget planner for the new program, before its first wave opens.
    page.get_by_role("link", name="Budget planner").first.click()
    page.get_by_label("Program").select_option(label="Quarterly wellbeing")
    page.get_by_label("Participation (%)").fill("70")
    page.get_by_role("button", name="Show the forecast").click()
    assert page.get_by_role("heading", name="What the planner advises").is_visible()
    assert "station-7" in page.content()
    _check(page, "planner")

    # Invitation cards for a whole battalion, as one download.
    page.goto(base + "/console/cards")
    page.get_by_label("Wave").select_option(label="Quarterly wellbeing: wave 1 (scheduled)")
    page.get_by_label("Unit", exact=True).select_option("county-fire/battalion-1")
    page.get_by_label("Every unit without units below it, under this one").check()
    page.get_by_label("Cards per unit").fill("3")
    page.get_by_label("CSV").check()
    _check(page, "cards")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Generate and download the cards").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    lines = Path(download.path()).read_text().strip().splitlines()
    assert len(lines) == 1 + 2 * 3

    # The privacy ledger: the released program's year against its cap.
    page.goto(base + "/console/ledger")
    assert page.locator("figure.chart svg rect.bar-added").count() == 1
    assert "of the annual cap" in page.locator("#chart-summary").inner_text()
    _check(page, "ledger")


def test_the_console_fits_a_phone_and_a_tablet(
    live_server: str, phone: Any, browser: Any, seed: Any
) -> None:
    staff = seed(lambda conn: make_staff(conn, role="admin"))
    seed(_released_program)
    program_id = seed(lambda conn: conn.fetchval("SELECT min(program_id) FROM program"))
    tablet = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)
    try:
        for name, context in (("phone", phone), ("tablet", tablet)):
            page = context.new_page()
            sign_in_browser(page, live_server, staff)
            for path, shot in (
                ("/console/units", "units"),
                (f"/console/programs/{program_id}", "program"),
                ("/console/ledger", "ledger"),
            ):
                page.goto(live_server + path)
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= page.viewport_size["width"], (name, path, width)
                _check(page, f"{shot}-{name}")
    finally:
        tablet.close()


async def _closed_wave(conn: Any) -> dict[str, int]:
    """A program whose first wave closed with answers (to release) and whose second is
    scheduled (to open)."""
    program_id, wave_id, units = await open_wave_on(conn, (2,))
    await _answer_and_close(conn, wave_id, units[1:], 3, random.Random(11))
    wave_2 = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = 2", program_id
    )
    return {"wave": wave_id, "wave_2": wave_2, "root": units[0]["path"]}


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (page.url, width)


def test_the_program_form_and_confirmations_show_the_forecast_on_a_phone(
    live_server: str, phone: Any, seed: Any
) -> None:
    staff = seed(lambda conn: make_staff(conn, role="admin"))
    made = seed(_closed_wave)
    page = phone.new_page()
    sign_in_browser(page, live_server, staff)

    page.goto(live_server + "/console/programs/new")
    forecast = page.locator("#forecast")
    assert "then preview the forecast" in forecast.inner_text()
    page.get_by_label("Units covered").select_option(made["root"])
    page.get_by_label("Openness at work").check()
    # With JavaScript the forecast follows the settings without a submit.
    expect(forecast).to_contain_text("will show scores", timeout=20_000)
    assert "of 3 units will show scores" in forecast.inner_text()
    page.get_by_label("How often").select_option(label="Every 6 months")
    page.get_by_label("Stronger privacy").check()
    expect(forecast).to_contain_text("will show scores", timeout=20_000)
    _fits(page)
    _check(page, "program-forecast-phone")

    # The button works as a plain submit too (what a browser without JavaScript does).
    page.get_by_role("button", name="Preview forecast").click()
    page.wait_for_load_state()
    assert "will show scores" in page.locator("#forecast").inner_text()
    assert page.get_by_label("How often").input_value() == "P6M"
    assert page.get_by_label("Stronger privacy").is_checked()

    page.goto(live_server + f"/console/waves/{made['wave_2']}/open")
    assert "will show scores" in page.locator("#forecast").inner_text()
    _fits(page)
    _check(page, "open-confirm-phone")

    page.goto(live_server + f"/console/waves/{made['wave']}/release")
    assert "will show scores" in page.locator("#forecast").inner_text()
    assert "6 answers in all" in page.content().replace("<strong>", "").replace("</strong>", "")
    assert "Far below the forecast" in page.content()
    _fits(page)
    _check(page, "release-confirm-phone")
