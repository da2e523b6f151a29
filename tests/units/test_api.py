from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.factories import add_program, add_wave, make_session, make_staff, make_unit
from tests.http import assert_problem, sign_in_token

Seed = Callable[[Any], Any]


@pytest.fixture
def tree(seed: Seed) -> dict[str, dict[str, Any]]:
    """county > battalion-1 > station-1, county > battalion-2."""

    async def build(conn: Any) -> dict[str, dict[str, Any]]:
        county = await make_unit(conn, slug="county", name="County")
        one = await make_unit(conn, county, slug="battalion-1")
        return {
            "county": county,
            "battalion-1": one,
            "station-1": await make_unit(conn, one, slug="station-1"),
            "battalion-2": await make_unit(conn, county, slug="battalion-2"),
        }

    result: dict[str, dict[str, Any]] = seed(build)
    return result


# --- admins ----------------------------------------------------------------------------


def test_an_admin_builds_renames_moves_and_deletes_units(
    client: TestClient[Any], seed: Seed, tree: dict[str, dict[str, Any]]
) -> None:
    sign_in_token(client, seed, "admin")

    created = client.post(
        "/api/v1/units",
        json={"slug": "station-2", "name": "Station 2", "headcount": 18, "parent": "battalion-1"},
    )
    assert created.status_code == 201, created.text
    unit = created.json()
    assert unit["path"] == "county/battalion-1/station-2"
    assert client.get(f"/api/v1/units/{unit['unit_id']}").json() == unit

    renamed = client.patch(f"/api/v1/units/{unit['unit_id']}", json={"slug": "station-22"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["path"] == "county/battalion-1/station-22"

    moved = client.post(
        f"/api/v1/units/{unit['unit_id']}/move", json={"parent": tree["battalion-2"]["unit_id"]}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["path"] == "county/battalion-2/station-22"

    listed = client.get("/api/v1/units", params={"under": "county/battalion-2"})
    assert [u["path"] for u in listed.json()] == [
        "county/battalion-2",
        "county/battalion-2/station-22",
    ]

    assert client.delete(f"/api/v1/units/{unit['unit_id']}").status_code == 204
    assert_problem(client.get(f"/api/v1/units/{unit['unit_id']}"), 404, "unit-not-found")

    actions = seed(
        lambda c: c.fetch("SELECT action, staff_id FROM audit WHERE action LIKE '%unit%'")
    )
    assert [a["action"] for a in actions] == [
        "create.unit",
        "update.unit",
        "move.unit",
        "delete.unit",
    ]
    assert all(a["staff_id"] is not None for a in actions)


def test_an_admin_signed_in_with_a_session_writes_with_the_csrf_header(
    client: TestClient[Any], seed: Seed, tree: dict[str, dict[str, Any]]
) -> None:
    async def make(conn: Any) -> tuple[str, str]:
        return await make_session(conn, await make_staff(conn, role="admin"))

    session, csrf = seed(make)
    client.cookies.set("__Host-muster_session", session)

    response = client.post(
        "/api/v1/units",
        json={"slug": "hq", "name": "HQ", "parent": "county"},
        headers={"X-CSRF-Token": csrf},
    )

    assert response.status_code == 201, response.text


def test_an_admin_imports_a_csv_and_previews_it_first(client: TestClient[Any], seed: Seed) -> None:
    sign_in_token(client, seed, "admin")
    body = "path,name,headcount\nmetro/east,East,10\nmetro,Metro PD,0\n"
    headers = {"Content-Type": "text/csv"}

    preview = client.post("/api/v1/units/import?dry_run=true", content=body, headers=headers)
    assert preview.status_code == 200, preview.text
    assert preview.json() == {
        "dry_run": True,
        "rows": 2,
        "created": ["metro/east", "metro"],
        "updated": [],
        "unchanged": [],
    }
    assert client.get("/api/v1/units").json() == []

    done = client.post("/api/v1/units/import", content=body, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["dry_run"] is False
    assert [u["path"] for u in client.get("/api/v1/units").json()] == ["metro", "metro/east"]


def test_an_import_larger_than_the_general_body_limit_is_accepted(
    client: TestClient[Any], seed: Seed
) -> None:
    sign_in_token(client, seed, "admin")
    lines = ["path,name,headcount", "big-org,Big organisation,0"]
    lines += [
        f"big-org/station-{i:05d},Station number {i:05d} of the county,{i % 50}"
        for i in range(6000)
    ]
    body = "\n".join(lines) + "\n"
    assert len(body) > client.app.state.settings.max_body_bytes

    response = client.post("/api/v1/units/import", content=body)

    assert response.status_code == 200, response.text
    assert len(response.json()["created"]) == 6001


def test_a_bad_csv_is_a_problem_listing_lines_and_fields(
    client: TestClient[Any], seed: Seed
) -> None:
    sign_in_token(client, seed, "admin")
    body = "path,name,headcount\nmetro,Metro,0\nmetro/East,East,ten\n"

    response = client.post("/api/v1/units/import", content=body)

    errors = assert_problem(response, 422, "invalid-csv")["errors"]
    assert {e["field"] for e in errors} == {"line 3: path", "line 3: headcount"}
    assert client.get("/api/v1/units").json() == []


def test_a_csv_that_is_not_utf8_is_refused(client: TestClient[Any], seed: Seed) -> None:
    sign_in_token(client, seed, "admin")

    response = client.post(
        "/api/v1/units/import", content="path,name,headcount\nx,Caf\xe9,1\n".encode("latin-1")
    )

    assert "UTF-8" in assert_problem(response, 422, "invalid-csv")["detail"]


# --- leaders, researchers, tokens ------------------------------------------------------


def test_a_leader_reads_inside_scope_and_is_refused_outside(
    client: TestClient[Any], seed: Seed, tree: dict[str, dict[str, Any]]
) -> None:
    sign_in_token(client, seed, "leader", tree["battalion-1"])

    listed = client.get("/api/v1/units")
    assert [u["path"] for u in listed.json()] == [
        "county/battalion-1",
        "county/battalion-1/station-1",
    ]
    assert client.get(f"/api/v1/units/{tree['station-1']['unit_id']}").status_code == 200
    assert client.get("/api/v1/units", params={"under": "station-1"}).status_code == 200

    # Outside the scope answers exactly like no such unit (issue 12): nothing to count.
    outside = assert_problem(
        client.get(f"/api/v1/units/{tree['battalion-2']['unit_id']}"), 404, "unit-not-found"
    )
    assert "battalion-2" not in outside["detail"]
    unknown = assert_problem(client.get(f"/api/v1/units/{2**62}"), 404, "unit-not-found")
    assert outside["detail"] == unknown["detail"].replace(
        str(2**62), str(tree["battalion-2"]["unit_id"])
    )
    assert_problem(client.get("/api/v1/units", params={"under": "county"}), 404, "unit-not-found")
    assert_problem(
        client.get("/api/v1/units", params={"under": "county/battalion-2"}),
        404,
        "unit-not-found",
    )


@pytest.mark.parametrize("role", ["leader", "researcher"])
def test_only_admins_change_units(
    client: TestClient[Any], seed: Seed, tree: dict[str, dict[str, Any]], role: str
) -> None:
    sign_in_token(client, seed, role, tree["battalion-1"])
    station = tree["station-1"]["unit_id"]

    attempts = [
        client.post("/api/v1/units", json={"slug": "x", "name": "X", "parent": "battalion-1"}),
        client.patch(f"/api/v1/units/{station}", json={"name": "Mine now"}),
        client.post(f"/api/v1/units/{station}/move", json={"parent": "battalion-2"}),
        client.delete(f"/api/v1/units/{station}"),
        client.post("/api/v1/units/import", content="path,name,headcount\nx,X,1\n"),
    ]

    for response in attempts:
        assert_problem(response, 403, "forbidden")


def test_a_researcher_without_a_unit_reads_the_whole_tree(
    client: TestClient[Any], seed: Seed, tree: dict[str, dict[str, Any]]
) -> None:
    sign_in_token(client, seed, "researcher", scopes=("read",))

    listed = client.get("/api/v1/units")

    assert len(listed.json()) == 4


def test_a_token_without_the_write_scope_reads_but_does_not_write(
    client: TestClient[Any], seed: Seed, tree: dict[str, dict[str, Any]]
) -> None:
    sign_in_token(client, seed, "admin", scopes=("read",))

    assert client.get("/api/v1/units").status_code == 200
    response = client.post("/api/v1/units", json={"slug": "x", "name": "X"})
    assert "write" in assert_problem(response, 403, "forbidden")["detail"]


def test_a_token_without_the_read_scope_does_not_read(
    client: TestClient[Any], seed: Seed, tree: dict[str, dict[str, Any]]
) -> None:
    sign_in_token(client, seed, "admin", scopes=("write",))

    assert_problem(client.get("/api/v1/units"), 403, "forbidden")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/units"),
        ("GET", "/api/v1/units/1"),
        ("POST", "/api/v1/units"),
        ("PATCH", "/api/v1/units/1"),
        ("POST", "/api/v1/units/1/move"),
        ("DELETE", "/api/v1/units/1"),
        ("POST", "/api/v1/units/import"),
    ],
)
def test_anonymous_callers_are_asked_to_sign_in(
    client: TestClient[Any], method: str, path: str
) -> None:
    assert_problem(client.request(method, path, json={}), 401, "not-authenticated")


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "slug"),
    [
        # Which type unreadable JSON gets is the app's mapping; here only the status counts.
        ("POST", "/api/v1/units", b'{"slug": "x", "name": ', 400, ""),
        ("POST", "/api/v1/units", b"not json at all", 400, ""),
        ("POST", "/api/v1/units", b'{"slug": "x", "name": "X", "colour": 1}', 422, "invalid-input"),
        ("POST", "/api/v1/units", b'{"slug": "Bad Slug", "name": "X"}', 422, "invalid-input"),
        ("POST", "/api/v1/units", b'{"slug": "x\\n", "name": "X"}', 422, "invalid-input"),
        ("POST", "/api/v1/units", b'{"slug": "x", "name": "   "}', 422, "invalid-input"),
        ("POST", "/api/v1/units", b'{"slug": "x", "name": "a\\u0000b"}', 422, "invalid-input"),
        (
            "POST",
            "/api/v1/units",
            b'{"slug": "x", "name": "X", "headcount": -1}',
            422,
            "invalid-input",
        ),
        ("POST", "/api/v1/units", b'{"slug": "x", "name": "X", "parent": 0}', 422, "invalid-input"),
        ("POST", "/api/v1/units", b"[]", 422, "invalid-input"),
        (
            "POST",
            "/api/v1/units",
            b'{"slug": "x", "name": "X", "parent": "nowhere"}',
            404,
            "unit-not-found",
        ),
        ("PATCH", "/api/v1/units/{station}", b"{}", 422, "invalid-input"),
        (
            "PATCH",
            "/api/v1/units/{station}",
            b'{"slug": "station-2", "id": 1}',
            422,
            "invalid-input",
        ),
        ("PATCH", "/api/v1/units/{station}", b'{"headcount": 1000001}', 422, "invalid-input"),
        ("PATCH", "/api/v1/units/99999999999999999999", b'{"name": "X"}', 422, "invalid-input"),
        ("POST", "/api/v1/units/{station}/move", b"{}", 422, "invalid-input"),
        # One root: a unit cannot be moved to the top.
        ("POST", "/api/v1/units/{station}/move", b'{"parent": null}', 422, "invalid-input"),
        ("POST", "/api/v1/units/{battalion}/move", b'{"parent": "station-1"}', 409, "unit-cycle"),
        ("POST", "/api/v1/units/{battalion}/move", b'{"parent": "battalion-1"}', 409, "unit-cycle"),
        (
            "POST",
            "/api/v1/units",
            b'{"slug": "battalion-1", "name": "X", "parent": "county"}',
            409,
            "duplicate-unit",
        ),
        ("PATCH", "/api/v1/units/{battalion}", b'{"slug": "battalion-2"}', 409, "duplicate-unit"),
        ("DELETE", "/api/v1/units/{battalion}", None, 409, "unit-in-use"),
        ("DELETE", "/api/v1/units/987654", None, 404, "unit-not-found"),
        ("GET", "/api/v1/units/987654", None, 404, "unit-not-found"),
        ("GET", "/api/v1/units?under=nowhere", None, 404, "unit-not-found"),
        ("GET", "/api/v1/units?under=a%00b", None, 404, "unit-not-found"),
        ("GET", "/api/v1/units/0", None, 422, "invalid-input"),
        ("GET", "/api/v1/units/abc", None, 404, "not-found"),
        (
            "POST",
            "/api/v1/units/import?dry_run=maybe",
            b"path,name,headcount\n",
            422,
            "invalid-input",
        ),
    ],
)
def test_bad_input_is_a_4xx_problem(
    client: TestClient[Any],
    seed: Seed,
    tree: dict[str, dict[str, Any]],
    method: str,
    path: str,
    body: bytes | None,
    status: int,
    slug: str,
) -> None:
    sign_in_token(client, seed, "admin")
    url = path.format(
        station=tree["station-1"]["unit_id"], battalion=tree["battalion-1"]["unit_id"]
    )
    headers = {"Content-Type": "application/json"} if body is not None else {}

    response = client.request(method, url, content=body, headers=headers)

    assert_problem(response, status, slug or None)


def test_a_unit_in_use_says_every_reason(
    client: TestClient[Any], seed: Seed, tree: dict[str, dict[str, Any]]
) -> None:
    async def use(conn: Any) -> None:
        await add_wave(conn, await add_program(conn, tree["county"], name="Pulse"), status="open")

    seed(use)
    sign_in_token(client, seed, "admin")

    response = client.delete(f"/api/v1/units/{tree['station-1']['unit_id']}")

    body = assert_problem(response, 409, "unit-in-use")
    assert "Pulse" in body["detail"]
    assert body["extra"]["reasons"][0]["examples"] == ["Pulse"]


@pytest.mark.parametrize("answers", [1, 7])
def test_deleting_a_unit_with_responses_says_nothing_of_how_many(
    client: TestClient[Any], seed: Seed, tree: dict[str, dict[str, Any]], answers: int
) -> None:
    # The station answered in a wave of a program over battalion-1, then moved out from
    # under it, so the program's reason no longer names it: only its responses hold it.
    async def use(conn: Any) -> None:
        wave = await add_wave(conn, await add_program(conn, tree["battalion-1"]), status="open")
        await conn.executemany(
            "INSERT INTO response (wave_id, unit_id, answers) VALUES ($1, $2, '\\x0304')",
            [(wave, tree["station-1"]["unit_id"])] * answers,
        )
        await conn.execute(
            "UPDATE unit SET parent_id = $1, path = $2 WHERE unit_id = $3",
            tree["battalion-2"]["unit_id"],
            tree["battalion-2"]["path"] + "/station-1",
            tree["station-1"]["unit_id"],
        )

    seed(use)
    sign_in_token(client, seed, "admin")

    response = client.delete(f"/api/v1/units/{tree['station-1']['unit_id']}")

    body = assert_problem(response, 409, "unit-in-use")
    assert body["detail"] == (
        "'county/battalion-2/station-1' cannot be deleted: survey waves hold its cards, "
        "links, answers or released results."
    )
    assert body["extra"]["reasons"] == [
        {"reason": "survey waves hold its cards, links, answers or released results",
         "examples": []}
    ]  # fmt: skip
