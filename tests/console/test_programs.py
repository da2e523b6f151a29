"""Programs through the console: the form, its questionnaire preview in both languages,
errors beside the fields, and settings that are shown but fixed once a wave has opened."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from service.config import Settings
from service.instruments.service import sync_instruments
from tests.factories import World, make_tree
from tests.http import Seed, Signed


def _form(root: str, **overrides: Any) -> dict[str, Any]:
    starts = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    form: dict[str, Any] = {
        "name": "Quarterly wellbeing",
        "root_unit": root,
        "instruments": ["openness", "workplace-support"],
        "starts_at": starts,
        "cadence": "P3M",
        "window": "P14D",
        "mode": "cards",
        "policy.epsilon_per_wave": "1",
        "policy.annual_epsilon_cap": "4",
        "policy.waves_per_year": "4",
        "policy.delta": "1e-7",
        "policy.min_publish_count": "10",
        "policy.max_half_width": "0.25",
        "policy.histogram_levels": "2",
        "policy.mechanism": "gaussian",
        "policy.level_shares": "",
        "resources[0].name": "Peer support team",
        "resources[0].kind": "peer_support",
        "resources[0].contact": "555-0100",
        "resources[0].url": "https://peers.example.org",
        "action": "create",
    }
    form.update(overrides)
    return form


async def _tree_and_instruments(conn: Any) -> list[dict[str, Any]]:
    await sync_instruments(conn, Settings().surveys_path)
    return await make_tree(conn, (2,))


def test_the_new_program_form_offers_the_loaded_instruments(admin: Signed, seed: Seed) -> None:
    seed(_tree_and_instruments)
    page = admin.get("/console/programs/new")
    assert page.status_code == 200
    for slug in ("help-seeking-stigma", "openness", "workplace-support"):
        assert f'value="{slug}"' in page.text


def test_the_preview_shows_every_item_in_english_and_french_and_creates_nothing(
    admin: Signed, seed: Seed
) -> None:
    units = seed(_tree_and_instruments)
    page = admin.post(
        "/console/programs/new", _form(units[0]["path"], instruments=["openness"], action="preview")
    )
    assert page.status_code == 200
    assert "Preview of the questionnaire" in page.text
    assert "we focus on learning from it, not on blame" in page.text
    assert "on cherche à en tirer des leçons plutôt qu" in page.text
    assert page.text.count('<td lang="fr">') >= 8
    assert "Tout à fait en désaccord" in page.text
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM program")) == 0
    # What was typed is kept, ready to create.
    assert 'value="Quarterly wellbeing"' in page.text
    assert 'value="openness" checked' in page.text


def test_a_created_program_has_its_page(admin: Signed, seed: Seed) -> None:
    units = seed(_tree_and_instruments)
    created = admin.post("/console/programs/new", _form(units[0]["path"]))
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    assert location.endswith("?done=program-created")
    page = admin.get(location)
    assert page.status_code == 200
    assert "<h1>Quarterly wellbeing</h1>" in page.text
    assert "The program was created and its first wave is scheduled." in page.text
    assert "Wave 1" in page.text and "scheduled" in page.text
    assert 'value="Peer support team"' in page.text
    listing = admin.get("/console/programs")
    assert "Quarterly wellbeing" in listing.text


def test_program_errors_are_shown_beside_their_fields_with_the_values_kept(
    admin: Signed, seed: Seed
) -> None:
    units = seed(_tree_and_instruments)
    page = admin.post(
        "/console/programs/new",
        _form(
            units[0]["path"],
            **{
                "name": "",
                "instruments": [],
                "window": "P6M",
                "policy.epsilon_per_wave": "lots",
                "policy.annual_epsilon_cap": "99",
                "resources[1].name": "Crisis line",
                "resources[1].kind": "crisis_line",
                "resources[1].url": "http://insecure.example.org",
            },
        ),
    )
    assert page.status_code == 422
    body = page.text
    for field in ("f-name", "f-instruments", "f-policy-epsilon_per_wave",
                  "f-policy-annual_epsilon_cap"):  # fmt: skip
        assert f'id="{field}-error"' in body, field
    assert 'value="lots"' in body and 'value="99"' in body
    assert 'value="Crisis line"' in body and 'value="http://insecure.example.org"' in body
    assert "Please correct these" in body
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM program")) == 0


def test_rules_that_span_fields_come_back_beside_the_right_field(admin: Signed, seed: Seed) -> None:
    units = seed(_tree_and_instruments)
    page = admin.post(
        "/console/programs/new",
        _form(units[0]["path"], window="P4M"),
    )
    assert page.status_code == 422
    assert 'id="f-window-error"' in page.text
    assert "must be shorter than the cadence" in page.text
    page = admin.post(
        "/console/programs/new",
        _form(units[0]["path"], **{"resources[2].name": "EAP", "resources[2].kind": "eap",
                                   "resources[2].url": "ftp://eap.example.org"}),
    )  # fmt: skip
    assert page.status_code == 422
    # The third row of the form, although it is the second resource sent.
    assert 'id="f-resources-2-url-error"' in page.text


def test_a_program_whose_wave_opened_shows_its_settings_but_offers_only_name_and_resources(
    admin: Signed, world: World, seed: Seed
) -> None:
    page = admin.get(f"/console/programs/{world['program']}")
    assert page.status_code == 200
    assert "These settings can no longer change: wave 1 opened" in page.text
    assert 'name="cadence"' not in page.text and 'name="policy.epsilon_per_wave"' not in page.text
    assert 'name="name"' in page.text and 'name="resources[0].name"' in page.text
    saved = admin.post(
        f"/console/programs/{world['program']}",
        {"name": "Renamed program", "resources[0].name": "", "cadence": "P1M"},
    )
    assert saved.status_code == 303
    row = seed(lambda conn: conn.fetchrow("SELECT name, cadence FROM program WHERE program_id = $1",
                                          world["program"]))  # fmt: skip
    assert (row["name"], row["cadence"]) == ("Renamed program", "P3M")


def test_a_program_before_its_first_wave_can_change_everything(admin: Signed, seed: Seed) -> None:
    units = seed(_tree_and_instruments)
    created = admin.post("/console/programs/new", _form(units[0]["path"]))
    program_id = int(created.headers["location"].split("/")[3].split("?")[0])
    page = admin.get(f"/console/programs/{program_id}")
    assert 'name="cadence"' in page.text
    saved = admin.post(
        f"/console/programs/{program_id}",
        _form(units[0]["path"], cadence="P1M", action="save", **{"policy.epsilon_per_wave": "2"}),
    )
    assert saved.status_code == 303, saved.text
    row = seed(lambda conn: conn.fetchrow("SELECT cadence, policy FROM program "
                                          "WHERE program_id = $1", program_id))  # fmt: skip
    assert row["cadence"] == "P1M"
    assert row["policy"]["epsilon_per_wave"] == 2.0


def test_a_duration_in_words_is_told_how_to_write_it(admin: Signed, seed: Seed) -> None:
    units = seed(_tree_and_instruments)
    page = admin.post("/console/programs/new", _form(units[0]["path"], cadence="3 months"))
    assert page.status_code == 422
    assert 'id="f-cadence-error"' in page.text
    assert "write P3M" in page.text
    assert "Hours, minutes and seconds" not in page.text
    assert "hours, minutes and seconds" not in page.text


def test_the_level_shares_errors_say_what_the_hint_says(admin: Signed, seed: Seed) -> None:
    units = seed(_tree_and_instruments)  # a root and one level below it: two levels
    rule = "one share per level of the tree, the root's level first, adding up to 1"
    form = html.unescape(admin.get("/console/programs/new").text)
    assert rule in form
    for shares, says in (
        ("0.5, 0.3, 0.2", "he tree has 2 levels from the root down, so give 2 shares"),
        ("0.5, 0.3", "hese shares add up to 0.8, not 1"),
        ("half, half", "Enter numbers separated by commas"),
    ):
        page = admin.post(
            "/console/programs/new", _form(units[0]["path"], **{"policy.level_shares": shares})
        )
        assert page.status_code == 422, shares
        assert 'id="f-policy-level_shares-error"' in page.text
        error = page.text.split('id="f-policy-level_shares-error">', 1)[1].split("</p>")[0]
        assert says in error and rule in html.unescape(error), error
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM program")) == 0


async def _big_tree(conn: Any) -> list[dict[str, Any]]:
    """A root of 600 people over two units of 300, enough for scores to show."""
    units = await _tree_and_instruments(conn)
    for unit in units:
        size = 600 if unit["parent_id"] is None else 300
        await conn.execute(
            "UPDATE unit SET headcount = $2 WHERE unit_id = $1", unit["unit_id"], size
        )
    return units


def _forecast_of(html: str) -> str:
    return html.split('id="forecast"', 1)[1].split("</section>", 1)[0]


def test_preview_forecast_says_how_many_units_will_show_scores_and_creates_nothing(
    admin: Signed, seed: Seed
) -> None:
    units = seed(_tree_and_instruments)
    empty = admin.get("/console/programs/new")
    assert "then preview the forecast" in _forecast_of(empty.text)
    assert 'value="forecast"' in empty.text and "Preview forecast" in empty.text
    page = admin.post("/console/programs/new", _form(units[0]["path"], action="forecast"))
    assert page.status_code == 200, page.text
    forecast = _forecast_of(page.text)
    assert re.search(r"With these settings, <strong>\d+ of 3 units</strong> will show scores",
                     forecast), forecast  # fmt: skip
    assert "60% of each unit answering" in forecast
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM program")) == 0


def test_a_stronger_preset_forecasts_no_more_units_than_a_more_detailed_one(
    admin: Signed, seed: Seed
) -> None:
    units = seed(_big_tree)

    def shown(preset: str) -> int:
        page = admin.post(
            "/console/programs/new",
            _form(units[0]["path"], action="forecast", **{"policy.preset": preset}),
        )
        assert page.status_code == 200
        found = re.search(r"<strong>(\d+) of 3 units</strong>", _forecast_of(page.text))
        assert found is not None
        return int(found.group(1))

    assert shown("stronger") < shown("detail")


def test_the_planners_best_shares_apply_in_one_click(admin: Signed, seed: Seed) -> None:
    units = seed(_big_tree)
    # All the budget on the root: no unit below it can show scores.
    form = _form(units[0]["path"], action="forecast", **{"policy.level_shares": "1, 0"})
    page = admin.post("/console/programs/new", form)
    forecast = _forecast_of(page.text)
    button = re.search(r'<button type="submit" name="apply_shares" value="([^"]+)"', forecast)
    assert button is not None, forecast
    best = button.group(1)
    assert best != "1, 0"
    form.pop("action")
    applied = admin.post("/console/programs/new", {**form, "apply_shares": best})
    assert applied.status_code == 200
    assert f'name="policy.level_shares" type="text" value="{best}"' in applied.text
    assert 'name="apply_shares"' not in _forecast_of(applied.text)
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM program")) == 0


def test_schedule_and_privacy_are_chosen_in_words_and_stored_in_iso_8601(
    admin: Signed, seed: Seed
) -> None:
    units = seed(_tree_and_instruments)
    page = admin.get("/console/programs/new")
    assert ">Every 3 months</option>" in page.text and ">Open for 2 weeks</option>" in page.text
    assert 'value="standard" checked' in page.text
    created = admin.post(
        "/console/programs/new",
        _form(units[0]["path"], cadence="", window="nonsense", cadence_choice="P6M",
              window_choice="P21D", **{"policy.preset": "stronger",
                                       "policy.annual_epsilon_cap": "39"}),
    )  # fmt: skip
    assert created.status_code == 303, created.text
    row = seed(lambda conn: conn.fetchrow("SELECT cadence, open_window, policy FROM program"))
    assert (row["cadence"], row["open_window"]) == ("P6M", "P21D")
    policy = json.loads(row["policy"]) if isinstance(row["policy"], str) else row["policy"]
    assert policy["annual_epsilon_cap"] == 2
    assert policy["min_publish_count"] == 15
