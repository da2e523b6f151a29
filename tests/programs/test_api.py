from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from service.waves import service as waves
from tests.factories import (
    add_instrument,
    make_session,
    make_staff,
    make_tree,
    new_program,
)
from tests.http import sign_in_token

START = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)


def body(root_path: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Quarterly culture survey",
        "root_unit": root_path,
        "instruments": ["stigma"],
        "cadence": "P3M",
        "window": "P14D",
        "starts_at": START.isoformat(),
        "resources": [
            {
                "name": "Peer support team",
                "kind": "peer_support",
                "contact": "555-0142",
                "url": "https://peers.example.org",
                "description": {"en": "Firefighters who listen.", "fr": "Des pompiers à l'écoute."},
            }
        ],
        **overrides,
    }


@pytest.fixture
def org(seed: Any) -> dict[str, Any]:
    async def make(conn: Any) -> dict[str, Any]:
        units = await make_tree(conn, (2,))
        await add_instrument(conn, "stigma")
        return {"root": units[0], "b1": units[1], "b2": units[2]}

    made: dict[str, Any] = seed(make)
    return made


def test_an_admin_creates_and_reads_a_program(
    client: TestClient[Any], seed: Any, org: dict[str, Any]
) -> None:
    sign_in_token(client, seed)
    created = client.post("/api/v1/programs", json=body(org["root"]["path"]))
    assert created.status_code == 201, created.text
    program = created.json()
    assert program["instruments"][0]["slug"] == "stigma"
    # Issue 11: the default policy states a year (ε = 4, 4 waves), not a per-wave ε.
    assert program["policy"]["annual_epsilon_cap"] == 4.0
    assert program["policy"]["waves_per_year"] == 4
    assert program["policy"]["epsilon_per_wave"] is None
    assert program["policy"]["mechanism"] == "gaussian"
    assert program["mode"] == "cards"
    assert program["frozen"] is False
    assert program["next_wave"]["seq"] == 1
    assert program["resources"][0]["description"]["fr"] == "Des pompiers à l'écoute."

    fetched = client.get(f"/api/v1/programs/{program['program_id']}")
    assert fetched.status_code == 200
    assert fetched.json() == program
    assert [p["program_id"] for p in client.get("/api/v1/programs").json()] == [
        program["program_id"]
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"policy": {"epsilon_per_wave": 2, "annual_epsilon_cap": 1}}, "policy.annual_epsilon_cap"),
        ({"policy": {"epsilon_per_wave": 0}}, "policy.epsilon_per_wave"),
        ({"policy": {"delta": 0.5}}, "policy.delta"),
        ({"cadence": "every quarter"}, "cadence"),
        ({"cadence": "P1M", "window": "P1M"}, "window"),
        ({"root_unit": "no/such/unit"}, "root_unit"),
        ({"instruments": ["stigma", "nope"]}, "instruments[1]"),
        ({"instruments": []}, "instruments"),
        ({"starts_at": "2031-01-01T00:00:00"}, "starts_at"),
        ({"mode": "carrier-pigeon"}, "mode"),
        ({"resources": [{"name": "EAP", "kind": "eap", "url": "http://eap.example.org"}]}, "url"),
    ],
)
def test_invalid_programs_are_422_with_the_field_path(
    client: TestClient[Any], seed: Any, org: dict[str, Any], overrides: dict[str, Any], field: str
) -> None:
    sign_in_token(client, seed)
    response = client.post("/api/v1/programs", json=body(org["root"]["path"], **overrides))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f == field or f.endswith("." + field) for f in fields), fields


def test_an_unknown_field_is_refused(
    client: TestClient[Any], seed: Any, org: dict[str, Any]
) -> None:
    sign_in_token(client, seed)
    response = client.post("/api/v1/programs", json=body(org["root"]["path"], colour="red"))
    assert response.status_code == 422
    assert "colour" in response.text


def test_a_duplicate_name_is_409(client: TestClient[Any], seed: Any, org: dict[str, Any]) -> None:
    sign_in_token(client, seed)
    assert client.post("/api/v1/programs", json=body(org["root"]["path"])).status_code == 201
    again = client.post("/api/v1/programs", json=body(org["b1"]["path"]))
    assert again.status_code == 409
    assert again.json()["type"].endswith("/duplicate-program")


def test_changing_settings_before_a_wave_opens_and_409_after(
    client: TestClient[Any], seed: Any, org: dict[str, Any]
) -> None:
    sign_in_token(client, seed)
    program = client.post("/api/v1/programs", json=body(org["root"]["path"])).json()
    url = f"/api/v1/programs/{program['program_id']}"
    before = client.patch(url, json={"mode": "open", "policy": {"epsilon_per_wave": 0.5}})
    assert before.status_code == 200, before.text
    assert (before.json()["mode"], before.json()["policy"]["epsilon_per_wave"]) == ("open", 0.5)

    async def open_first(conn: Any) -> None:
        await waves.open_wave(conn, None, program["next_wave"]["wave_id"], datetime.now(UTC))

    seed(open_first)
    after = client.patch(url, json={"mode": "cards", "name": "Renamed"})
    assert after.status_code == 409
    problem = after.json()
    assert problem["type"].endswith("/program-frozen")
    assert "mode" in problem["detail"]
    assert "new program" in problem["detail"]
    assert client.get(url).json()["name"] == program["name"]
    renamed = client.patch(url, json={"name": "Renamed"})
    assert renamed.status_code == 200
    assert renamed.json()["frozen"] is True


def test_leaders_list_programs_in_their_scope_only(
    client: TestClient[Any], seed: Any, org: dict[str, Any]
) -> None:
    async def make(conn: Any) -> tuple[int, int]:
        mine = await new_program(
            conn, org["b1"], now=datetime.now(UTC), starts_at=START.isoformat()
        )
        theirs = await new_program(
            conn, org["b2"], now=datetime.now(UTC), starts_at=START.isoformat()
        )
        return mine.program_id, theirs.program_id

    mine, theirs = seed(make)
    sign_in_token(client, seed, role="leader", unit=org["b1"])
    listed = client.get("/api/v1/programs")
    assert listed.status_code == 200
    assert [p["program_id"] for p in listed.json()] == [mine]
    assert org["b2"]["slug"] not in listed.text
    assert client.get(f"/api/v1/programs/{mine}").status_code == 200
    hidden = client.get(f"/api/v1/programs/{theirs}")
    assert hidden.status_code == 404  # the same answer as no such program (issue 12)
    assert org["b2"]["slug"] not in hidden.text
    assert client.get("/api/v1/programs/987654").status_code == 404


def test_anonymous_callers_get_401(client: TestClient[Any], org: dict[str, Any]) -> None:
    assert client.get("/api/v1/programs").status_code == 401
    assert client.post("/api/v1/programs", json=body(org["root"]["path"])).status_code == 401


@pytest.mark.parametrize(
    ("role", "scopes", "status"),
    [
        ("admin", ("read",), 403),
        ("leader", ("read", "write"), 403),
        ("researcher", ("read", "write"), 403),
        ("admin", ("write",), 201),
    ],
)
def test_only_admins_with_write_scope_create_programs(
    client: TestClient[Any],
    seed: Any,
    org: dict[str, Any],
    role: str,
    scopes: tuple[str, ...],
    status: int,
) -> None:
    sign_in_token(
        client, seed, role=role, unit=org["b1"] if role == "leader" else None, scopes=scopes
    )
    response = client.post("/api/v1/programs", json=body(org["root"]["path"]))
    assert response.status_code == status, response.text


def test_a_token_without_read_scope_cannot_list(
    client: TestClient[Any], seed: Any, org: dict[str, Any]
) -> None:
    sign_in_token(client, seed, scopes=("write",))
    assert client.get("/api/v1/programs").status_code == 403


def test_a_session_needs_its_csrf_token_to_create(
    client: TestClient[Any], seed: Any, org: dict[str, Any]
) -> None:
    async def make(conn: Any) -> tuple[str, str]:
        return await make_session(conn, await make_staff(conn))

    session, csrf = seed(make)
    client.cookies.set("__Host-muster_session", session)
    assert client.post("/api/v1/programs", json=body(org["root"]["path"])).status_code == 403
    created = client.post(
        "/api/v1/programs", json=body(org["root"]["path"]), headers={"X-CSRF-Token": csrf}
    )
    assert created.status_code == 201


def test_contacts_and_who_runs_the_survey_change_even_after_a_wave_opened(
    client: TestClient[Any], seed: Any, org: dict[str, Any]
) -> None:
    sign_in_token(client, seed)
    run_by = {"en": "the peer-support team", "fr": "l'équipe de soutien par les pairs"}
    created = client.post("/api/v1/programs", json=body(org["root"]["path"], run_by=run_by))
    assert created.status_code == 201, created.text
    program = created.json()
    assert program["run_by"] == run_by
    url = f"/api/v1/programs/{program['program_id']}"

    async def open_first(conn: Any) -> None:
        await waves.open_wave(conn, None, program["next_wave"]["wave_id"], datetime.now(UTC))

    seed(open_first)
    contacts = [
        {
            "name": "Crisis line",
            "names": {"fr": "Ligne de crise"},
            "kind": "crisis_line",
            "phone": "988",
            "description": {"en": "Any hour.", "fr": "À toute heure."},
        }
    ]
    changed = client.patch(url, json={"resources": contacts, "run_by": {"en": "the EAP"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["run_by"] == {"en": "the EAP", "fr": None}
    [contact] = changed.json()["resources"]
    assert (contact["phone"], contact["names"]["fr"]) == ("988", "Ligne de crise")
    cleared = client.patch(url, json={"run_by": None})
    assert cleared.status_code == 200 and cleared.json()["run_by"] is None
    bad = client.patch(url, json={"resources": [{**contacts[0], "phone": "call us"}]})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["resources[0].phone"]
