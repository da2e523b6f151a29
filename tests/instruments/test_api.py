from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from service.instruments.service import load_instruments_dir, sync_instruments
from tests.factories import make_session, make_staff, make_token, make_unit

PROBLEM = "https://muster.dev/problems/"


def _sign_in(client: TestClient[Any], seed: Any, role: str, scopes: tuple[str, ...]) -> None:
    async def make(conn: Any) -> str:
        unit = await make_unit(conn)
        staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
        return await make_token(conn, staff, client.app.state.secret_key, scopes=scopes)

    client.headers["Authorization"] = "Bearer " + seed(make)


@pytest.fixture
def synced(seed: Any, surveys_dir: Path) -> list[Any]:
    return seed(lambda conn: sync_instruments(conn, surveys_dir))  # type: ignore[no-any-return]


@pytest.mark.parametrize("role", ["admin", "leader", "researcher"])
def test_every_staff_role_lists_the_instruments(
    client: TestClient[Any], seed: Any, synced: list[Any], role: str
) -> None:
    _sign_in(client, seed, role, ("read",))
    response = client.get("/api/v1/instruments")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [i["slug"] for i in body] == ["help-seeking-stigma", "openness", "workplace-support"]
    assert body[1]["item_count"] == 8
    assert [s["id"] for s in body[1]["scales"]] == ["psych_safety", "leadership_commitment"]
    assert body[1]["title"] == {"en": "Openness at work", "fr": "Ouverture au travail"}


def test_an_instrument_is_shown_in_full_in_answer_order(
    client: TestClient[Any], seed: Any, synced: list[Any], surveys_dir: Path
) -> None:
    _sign_in(client, seed, "researcher", ("read",))
    response = client.get("/api/v1/instruments/workplace-support")
    assert response.status_code == 200, response.text
    body = response.json()
    loaded = {i.instrument.slug: i for i in load_instruments_dir(surveys_dir)}
    expected = loaded["workplace-support"]
    assert body["version"] == expected.version
    assert [i["id"] for i in body["instrument"]["items"]] == [
        i.id for i in expected.instrument.items
    ]
    assert body["instrument"]["items"][-1]["kind"] == "single_choice"
    assert body["instrument"]["items"][2]["reverse"] is True
    again = client.get("/api/v1/instruments/workplace-support", params={"version": body["version"]})
    assert again.json() == body


@pytest.mark.parametrize(
    ("path", "status", "problem"),
    [
        ("/api/v1/instruments/nothing-here", 404, "instrument-not-found"),
        ("/api/v1/instruments/openness?version=0123456789ab", 404, "instrument-not-found"),
        ("/api/v1/instruments/openness?version=not-a-version", 422, "invalid-input"),
    ],
)
def test_unknown_instruments_and_bad_versions_are_problems(
    client: TestClient[Any], seed: Any, synced: list[Any], path: str, status: int, problem: str
) -> None:
    _sign_in(client, seed, "admin", ("read",))
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == PROBLEM + problem


@pytest.mark.parametrize("path", ["/api/v1/instruments", "/api/v1/instruments/openness"])
def test_reading_instruments_needs_a_sign_in(
    client: TestClient[Any], synced: list[Any], path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["type"] == PROBLEM + "not-authenticated"


@pytest.mark.parametrize("path", ["/api/v1/instruments", "/api/v1/instruments/openness"])
def test_a_token_without_the_read_scope_is_refused(
    client: TestClient[Any], seed: Any, synced: list[Any], path: str
) -> None:
    _sign_in(client, seed, "admin", ("write",))
    response = client.get(path)
    assert response.status_code == 403
    assert response.json()["type"] == PROBLEM + "forbidden"


def test_a_session_reads_instruments_without_a_csrf_token(
    client: TestClient[Any], seed: Any, synced: list[Any]
) -> None:
    async def make(conn: Any) -> str:
        staff = await make_staff(conn, role="researcher")
        session_id, _csrf = await make_session(conn, staff)
        return session_id

    client.cookies.set("__Host-muster_session", seed(make))
    assert client.get("/api/v1/instruments").status_code == 200
