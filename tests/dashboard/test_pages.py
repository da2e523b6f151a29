"""The dashboard pages over a small world with chosen numbers: what each role sees, what
nobody sees, filters in the query string, charts with their tables, the empty states."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.factories import (
    HIDDEN_STRINGS,
    NAMES,
    SAFETY,
    STRESS,
    SmallWorld,
    leader_session,
    make_unit,
    open_wave_on,
    put_rows,
)

HTML = {"Accept": "text/html"}
TOO_FEW = "too few responses to show — see parent"


def sign_in(client: TestClient[Any], seed: Any, unit: dict[str, Any] | None, role: str) -> None:
    _staff, session_id = seed(lambda c: leader_session(c, unit, role=role))
    client.cookies.set("__Host-muster_session", session_id)


def pages(world: SmallWorld) -> list[str]:
    """Every dashboard page of the world, with and without filters."""
    program, (first, second) = world.org.program_id, world.org.wave_ids
    return [
        "/dashboard",
        f"/dashboard?program={program}&wave={first}",
        f"/dashboard?program={program}&wave={second}&scale={SAFETY}",
        "/dashboard/about",
        *[f"/dashboard/units/{world.id(k)}" for k in world.unit],
        *[f"/dashboard/units/{world.id(k)}?wave={first}" for k in world.unit],
        *[f"/dashboard/units/{world.id(k)}/questions" for k in world.unit],
    ]


# --- what nobody sees -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "researcher"])
def test_an_unpublished_value_appears_on_no_page(
    client: TestClient[Any], seed: Any, world: SmallWorld, role: str
) -> None:
    sign_in(client, seed, None, role)
    for path in pages(world):
        response = client.get(path, headers=HTML)
        assert response.status_code == 200, (path, response.text)
        for hidden in HIDDEN_STRINGS:
            assert hidden not in response.text, (path, hidden)


def test_an_unpublished_unit_shows_the_words_not_a_number(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in(client, seed, None, "admin")
    page = client.get(f"/dashboard/units/{world.id('north')}", headers=HTML).text
    birch_row = re.search(r"Station Birch</a>.*?</tr>", page, re.S)
    assert birch_row is not None
    # Birch's noisy count missed its rule: too few responses (its parent North is in scope).
    assert TOO_FEW in birch_row.group(0)
    assert 'class="heat-cell heat-none"' in birch_row.group(0)
    assert not re.search(r"heat-value", birch_row.group(0))
    birch = client.get(f"/dashboard/units/{world.id('birch')}", headers=HTML).text
    assert TOO_FEW in birch
    assert 'fill="url(#' in birch  # the hatched pattern in its charts


def test_published_values_show_with_their_interval_and_a_real_change_is_flagged(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in(client, seed, None, "admin")
    page = client.get("/dashboard", headers=HTML).text
    assert "3.47 (3.27–3.67)" in page
    assert "+0.31 (+0.19 to +0.43)" in page
    safety = re.search(r"Team psychological safety<span.*?</tr>", page, re.S)
    stress = re.search(r"Organizational stress<span.*?</tr>", page, re.S)
    assert safety is not None and stress is not None
    # Higher psychological safety is good news: the rise reads "better", in words.
    assert "▲</span> better, larger than the noise" in safety.group(0)
    assert "flag-better" in safety.group(0)
    # −0.16 with a range from −0.36 to +0.04 includes zero: no flag.
    assert "within the noise" in stress.group(0) and "flag-" not in stress.group(0)
    assert "131 (122–140) of 200 staff, about 66%" in page
    # The heatmap: each published cell on the colour scale, its value printed in it.
    assert re.search(r'heat-cell heat-\d"><span class="heat-value">3.61</span>', page)


@pytest.mark.parametrize(
    ("key", "stress_change", "safety_change", "stress_reads", "safety_reads"),
    [
        # A rise in stress (higher is worse) is bad news, a fall in safety too.
        ("north", 0.18, -0.25, "▲</span> worse, larger", "▼</span> worse, larger"),
        ("south", -0.18, 0.25, "▼</span> better, larger", "▲</span> better, larger"),
    ],
)
def test_a_change_reads_better_or_worse_by_the_direction_of_its_scale(
    client: TestClient[Any], seed: Any, world: SmallWorld, key: str, stress_change: float,
    safety_change: float, stress_reads: str, safety_reads: str,
) -> None:  # fmt: skip
    async def changes(conn: Any) -> None:
        await put_rows(conn, world.org.wave_ids[1], world.id(key), {
            f"scale:{STRESS}:trend": (stress_change, 0.1, True),
            f"scale:{SAFETY}:trend": (safety_change, 0.1, True),
        })  # fmt: skip

    seed(changes)
    sign_in(client, seed, None, "admin")
    page = client.get(f"/dashboard/units/{world.id(key)}", headers=HTML).text
    safety = re.search(r"Team psychological safety<span.*?</tr>", page, re.S)
    stress = re.search(r"Organizational stress<span.*?</tr>", page, re.S)
    assert safety is not None and stress is not None
    assert stress_reads in stress.group(0) and safety_reads in safety.group(0)
    worse, better = ("flag-worse", "flag-better")
    assert (worse if "worse" in stress_reads else better) in stress.group(0)
    # The scale's meaning is shown where it is named.
    assert "Higher scores mean more strain" in stress.group(0)
    # The trend chart says it in words too; the heatmap legend speaks of favourability.
    assert (
        "worse, larger than the noise"
        if "worse" in stress_reads
        else "better, larger than the noise"
    ) in page.split("Organizational stress over time")[1]
    assert "More favourable" in client.get("/dashboard", headers=HTML).text


def test_a_hidden_value_says_why_and_points_to_the_parent_only_within_scope(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    async def uncertain(conn: Any) -> None:
        await conn.execute(
            "UPDATE release SET published = false WHERE unit_id = $1 AND statistic = $2",
            world.id("cedar"), f"scale:{SAFETY}:mean",
        )  # fmt: skip

    seed(uncertain)
    sign_in(client, seed, world.unit["north"], "leader")
    # North is the leader's top unit: its parent is outside their scope.
    page = client.get("/dashboard", headers=HTML).text
    scores = page.split('<table class="scores">')[1].split("</table>")[0]
    assert "measured only for larger units" in scores  # scales with no row at this level
    assert "see parent" not in scores
    birch = client.get(f"/dashboard/units/{world.id('birch')}", headers=HTML).text
    assert TOO_FEW in birch
    # Cedar's count passed its rule but its mean's interval did not.
    sign_in(client, seed, None, "admin")
    cedar = client.get(f"/dashboard/units/{world.id('cedar')}", headers=HTML).text
    safety = re.search(r"Team psychological safety<span.*?</tr>", cedar, re.S)
    assert safety is not None
    assert "too uncertain to show — see parent" in safety.group(0)

    async def unmeasured(conn: Any) -> None:
        await conn.execute(
            "UPDATE release SET published = false, noise_scale = NULL"
            " WHERE unit_id = $1 AND statistic = $2",
            world.id("cedar"), f"scale:{STRESS}:mean",
        )  # fmt: skip

    seed(unmeasured)
    cedar = client.get(f"/dashboard/units/{world.id('cedar')}", headers=HTML).text
    stress = re.search(r"Organizational stress<span.*?</tr>", cedar, re.S)
    assert stress is not None
    assert "measured only for larger units — see parent" in stress.group(0)


def test_the_dashboard_opens_on_the_latest_wave_with_scores_and_names_newer_ones(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    async def too_few(conn: Any) -> None:
        await conn.execute(
            "UPDATE release SET published = false WHERE wave_id = $1 AND statistic LIKE 'scale:%'",
            world.org.wave_ids[1],
        )

    seed(too_few)
    sign_in(client, seed, None, "admin")
    page = client.get("/dashboard", headers=HTML).text
    assert "<strong>Wave 1</strong>" in page
    assert "wave 2 was released with too few answers to show scores" in " ".join(page.split())
    assert "3.16 (2.96–3.36)" in page  # wave 1's department score
    # Asked for by name, wave 2 still opens.
    second = client.get(f"/dashboard?wave={world.org.wave_ids[1]}", headers=HTML).text
    assert "<strong>Wave 2</strong>" in second and "too few answers to show" not in second


def test_units_sort_naturally(client: TestClient[Any], seed: Any, world: SmallWorld) -> None:
    async def rename(conn: Any) -> None:
        for key, name in (("alder", "Station 12"), ("birch", "Station 2")):
            await conn.execute("UPDATE unit SET name = $2 WHERE unit_id = $1", world.id(key), name)

    seed(rename)
    sign_in(client, seed, None, "admin")
    page = client.get(f"/dashboard/units/{world.id('north')}", headers=HTML).text
    assert page.index(">Station 2</a>") < page.index(">Station 12</a>")


def test_a_unit_added_after_a_wave_is_absent_from_it(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    # Wave 1 released rows for the department and the battalions only: the stations came later.
    sign_in(client, seed, None, "admin")
    first = world.org.wave_ids[0]
    north = client.get(f"/dashboard/units/{world.id('north')}?wave={first}", headers=HTML).text
    assert "Station Alder" not in north and "Station Birch" not in north
    alder = client.get(f"/dashboard/units/{world.id('alder')}?wave={first}", headers=HTML).text
    assert "Not part of wave 1" in alder and "was added after wave 1" in alder
    assert "responses to show —" not in alder and "heat-cell" not in alder
    # In wave 2 the station's history starts at wave 2.
    latest = client.get(f"/dashboard/units/{world.id('alder')}", headers=HTML).text
    assert "over 1 released wave(s)" in latest


# --- scope ----------------------------------------------------------------------------------

OUTSIDE_NORTH = ["root", "south", "cedar", "dogwood"]


@pytest.mark.parametrize(
    ("key", "status"),
    [("north", 200), ("alder", 200), ("birch", 200),
     ("root", 404), ("south", 404), ("cedar", 404), ("dogwood", 404)],
)  # fmt: skip
def test_a_leader_sees_their_subtree_and_nothing_else(
    client: TestClient[Any], seed: Any, world: SmallWorld, key: str, status: int
) -> None:
    sign_in(client, seed, world.unit["north"], "leader")
    unit = f"/dashboard/units/{world.id(key)}"
    for path in (unit, unit + "/questions"):
        for query in ("", f"?wave={world.org.wave_ids[0]}", f"?scale={SAFETY}"):
            page = client.get(path + query, headers=HTML)
            assert page.status_code == status, page.text
            api = client.get(path + query)
            assert api.status_code == status
            if status == 404:  # outside the scope is the same as no such unit (issue 12)
                assert api.headers["content-type"].startswith("application/problem+json")
                assert api.json()["type"].endswith("/unit-not-found")
            for other in OUTSIDE_NORTH:
                assert NAMES[other] not in page.text
                assert NAMES[other] not in api.text


def test_no_page_a_leader_can_open_names_a_unit_outside_their_scope(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in(client, seed, world.unit["north"], "leader")
    opened = 0
    for path in pages(world):
        response = client.get(path, headers=HTML)
        assert response.status_code in (200, 404), (path, response.text)
        opened += response.status_code == 200
        for other in OUTSIDE_NORTH:
            assert NAMES[other] not in response.text, (path, other)
            # Nor their slugs: the path above the leader's unit stays unsaid.
            assert f"/{world.unit[other]['slug']}" not in response.text, (path, other)
        assert world.unit["root"]["slug"] not in response.text.replace(
            world.unit["north"]["slug"], ""
        ), path
    assert opened >= 10


def test_a_leaders_overview_starts_at_their_own_unit(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in(client, seed, world.unit["north"], "leader")
    page = client.get("/dashboard", headers=HTML).text
    assert "<h1>North Battalion</h1>" in page
    assert "3.61 (3.41–3.81)" in page
    assert "Station Alder" in page and "Station Birch" in page
    # Their battalion is the whole organisation they can see: no parent to compare with.
    unit = client.get(f"/dashboard/units/{world.id('north')}", headers=HTML).text
    assert "(parent" not in unit


def test_a_leader_of_a_station_sees_a_page_without_units_below(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in(client, seed, world.unit["alder"], "leader")
    page = client.get("/dashboard", headers=HTML)
    assert page.status_code == 200
    assert "<h1>Station Alder</h1>" in page.text
    assert "2.83 (2.63–3.03)" in page.text
    assert NAMES["north"] not in page.text and NAMES["birch"] not in page.text


@pytest.mark.parametrize(("scoped", "status"), [(None, 200), ("south", 404)])
def test_a_researcher_reads_like_an_admin_within_their_unit(
    client: TestClient[Any], seed: Any, world: SmallWorld, scoped: str | None, status: int
) -> None:
    sign_in(client, seed, world.unit[scoped] if scoped else None, "researcher")
    response = client.get(f"/dashboard/units/{world.id('north')}", headers=HTML)
    assert response.status_code == status


def test_a_program_or_wave_that_does_not_exist_is_a_clear_problem(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in(client, seed, None, "admin")
    assert client.get("/dashboard?program=999999").json()["type"].endswith("/program-not-found")
    assert client.get("/dashboard?wave=999999").json()["type"].endswith("/wave-not-found")
    bad = client.get("/dashboard?scale=openness/nothing")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "scale"
    assert client.get("/dashboard/units/999999").status_code == 404
    assert client.get("/dashboard?program=abc").status_code == 422


def test_a_program_over_another_part_of_the_organisation_is_out_of_scope(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    other_program, _, _ = seed(lambda c: open_wave_on(c))
    sign_in(client, seed, world.unit["north"], "leader")
    refused = client.get(f"/dashboard?program={other_program}")
    assert refused.status_code == 404  # the same answer as no such program (issue 12)
    page = client.get("/dashboard", headers=HTML).text
    programs = re.search(r'<select id="f-program".*?</select>', page, re.S)
    assert programs is not None
    assert re.findall(r'value="(\d+)"', programs.group(0)) == [str(world.org.program_id)]


# --- filters --------------------------------------------------------------------------------


def test_the_filters_live_in_the_query_string_and_links_keep_them(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in(client, seed, None, "admin")
    program, (first, second) = world.org.program_id, world.org.wave_ids
    latest = client.get("/dashboard", headers=HTML).text
    assert "<strong>Wave 2</strong>" in latest and "3.47" in latest
    older = client.get(f"/dashboard?program={program}&wave={first}", headers=HTML).text
    assert "<strong>Wave 1</strong>" in older
    assert "3.16 (2.96–3.36)" in older and "3.47 (" not in older
    assert f'<option value="{first}" selected>' in older
    assert f"/dashboard/units/{world.id('north')}?program={program}&amp;wave={first}" in older
    one = client.get(f"/dashboard?program={program}&wave={second}&scale={SAFETY}", headers=HTML)
    assert "Team psychological safety<span" in one.text
    assert "Organizational stress<span" not in one.text
    assert f'<option value="{SAFETY}" selected>' in one.text
    assert "scale=openness%2Fpsych_safety" in one.text


# --- charts ---------------------------------------------------------------------------------


class _Figures(HTMLParser):
    """Every <figure>: does it hold an <svg>, a <table>, and what its svg points at."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.figures: list[dict[str, Any]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "figure":
            self.figures.append({"svg": [], "table": False})
            self._depth += 1
        elif self._depth and tag == "svg":
            self.figures[-1]["svg"].append(found)
        elif self._depth and tag == "table":
            self.figures[-1]["table"] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._depth -= 1


@pytest.mark.parametrize("key", ["root", "north", "birch"])
def test_every_chart_has_a_table_and_a_summary_for_screen_readers(
    client: TestClient[Any], seed: Any, world: SmallWorld, key: str
) -> None:
    sign_in(client, seed, None, "admin")
    for path in ("/dashboard", f"/dashboard/units/{world.id(key)}"):
        parser = _Figures()
        parser.feed(client.get(path, headers=HTML).text)
        charts = [f for f in parser.figures if f["svg"]]
        assert charts, path
        for figure in parser.figures:
            assert figure["table"], (path, figure)
            for svg in figure["svg"]:
                assert svg["role"] == "img"
                assert svg["aria-labelledby"] in parser.ids
                assert svg["aria-describedby"] in parser.ids


def test_the_unit_page_shows_trends_bands_and_participation_over_every_wave(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in(client, seed, None, "admin")
    page = client.get(f"/dashboard/units/{world.id('north')}", headers=HTML).text
    assert "Team psychological safety over time" in page
    assert "3.27 (3.07–3.47)" in page and "3.61 (3.41–3.81)" in page  # waves 1 and 2
    assert "Team psychological safety: bands" in page
    assert "Participation over time: North Battalion" in page
    # Compared with the parent, which is the whole organisation for an admin.
    assert "Metro Fire Department (parent)" in page
    assert "<polyline" in page and "<polygon" in page


def test_the_questions_page_shows_released_item_histograms_only(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in(client, seed, None, "admin")
    root = client.get(f"/dashboard/units/{world.id('root')}", headers=HTML).text
    link = f"/dashboard/units/{world.id('root')}/questions?program={world.org.program_id}"
    assert link in root
    page = client.get(f"/dashboard/units/{world.id('root')}/questions", headers=HTML).text
    assert "I could tell someone on my team that I am going through a rough time" in page
    # 41 (36–46) against 39 (34–44): the intervals do not support a most common answer.
    assert "41 (36–46)" in page and "No answer is clearly the most common" in page
    birch = client.get(f"/dashboard/units/{world.id('birch')}/questions", headers=HTML).text
    assert "No answers to single questions for this unit" in birch
    unit = client.get(f"/dashboard/units/{world.id('birch')}", headers=HTML).text
    assert "/questions" not in unit


# --- empty states, headers, navigation -----------------------------------------------------


def test_a_program_without_a_released_wave_shows_a_clear_empty_state(
    client: TestClient[Any], seed: Any
) -> None:
    _, _, units = seed(lambda c: open_wave_on(c))
    sign_in(client, seed, units[1], "leader")
    page = client.get("/dashboard", headers=HTML)
    assert page.status_code == 200
    assert "No results yet" in page.text
    unit = client.get(f"/dashboard/units/{units[1]['unit_id']}", headers=HTML)
    assert unit.status_code == 200 and "No results yet" in unit.text


def test_someone_no_program_covers_is_told_so(client: TestClient[Any], seed: Any) -> None:
    unit = seed(lambda c: make_unit(c))
    sign_in(client, seed, unit, "leader")
    page = client.get("/dashboard", headers=HTML)
    assert page.status_code == 200
    assert "No survey covers your units yet" in page.text
    assert client.get(f"/dashboard/units/{unit['unit_id']}", headers=HTML).status_code == 200


@pytest.mark.parametrize(("role", "console"), [("admin", True), ("leader", False)])
def test_every_page_has_the_navigation_the_staff_headers_and_the_meaning_panel(
    client: TestClient[Any], seed: Any, world: SmallWorld, role: str, console: bool
) -> None:
    sign_in(client, seed, world.unit["north"] if role == "leader" else None, role)
    for path in ("/dashboard", f"/dashboard/units/{world.id('north')}"):
        response = client.get(path, headers=HTML)
        assert response.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert 'href="/dashboard" aria-current="page"' in response.text
        assert ('href="/console"' in response.text) is console
        assert "What these numbers mean" in response.text
        assert 'href="/dashboard/about"' in response.text
    about = client.get("/dashboard/about", headers=HTML).text
    assert "privacy budget" in about and "docs/privacy.md" in about


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client: TestClient[Any]) -> None:
    response = client.get("/dashboard", headers=HTML, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/dashboard").status_code == 401


def test_the_about_page_quotes_each_programs_own_epsilon_and_waves_a_year(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    async def set_policy(conn: Any) -> str:
        await conn.execute(
            "UPDATE program SET policy = policy || "
            '\'{"annual_epsilon_cap": 2.5, "waves_per_year": 2}\'::jsonb'
        )
        name: str = await conn.fetchval("SELECT name FROM program ORDER BY program_id LIMIT 1")
        return name

    name = seed(set_policy)
    sign_in(client, seed, None, "admin")
    about = client.get("/dashboard/about", headers=HTML).text
    assert f"<strong>{name}</strong>: at most ε = 2.5" in about
    assert "planned as 2 waves a year" in about
    assert "by default" not in about
