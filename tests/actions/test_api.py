"""Actions over the API: leaders in their subtree and admins record, change and delete
them; everything outside the subtree is a 404; researchers are refused; every change
leaves an audit row."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.factories import SAFETY, STRESS, SmallWorld, audit_rows
from tests.http import assert_problem, sign_in_token

ACTION = {
    "title": "Peer-support team launched",
    "description": "Six trained peers, one per shift.",
    "started_on": "2031-02-01",
    "scales": [SAFETY],
    "owner": "Peer-support lead",
}


def _body(world: SmallWorld, unit: str, **overrides: Any) -> dict[str, Any]:
    return {"unit_id": world.id(unit), "program_id": world.org.program_id, **ACTION, **overrides}


def test_a_leader_records_changes_lists_and_deletes_an_action_in_their_subtree(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in_token(client, seed, "leader", unit=world.unit["north"])
    created = client.post("/api/v1/actions", json=_body(world, "alder"))
    assert created.status_code == 201, created.text
    action = created.json()
    assert action["title"] == ACTION["title"] and action["scales"] == [SAFETY]
    assert action["started_on"] == "2031-02-01" and action["owner"] == "Peer-support lead"
    assert client.get(f"/api/v1/actions/{action['action_id']}").json() == action

    changed = client.patch(
        f"/api/v1/actions/{action['action_id']}", json={"scales": [SAFETY, STRESS], "owner": None}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["scales"] == [SAFETY, STRESS] and changed.json()["owner"] is None

    listed = client.get("/api/v1/actions", params={"unit_id": world.id("alder")})
    assert [a["action_id"] for a in listed.json()] == [action["action_id"]]
    assert client.get("/api/v1/actions", params={"unit_id": world.id("north")}).json() == []

    assert client.delete(f"/api/v1/actions/{action['action_id']}").status_code == 204
    gone = client.get(f"/api/v1/actions/{action['action_id']}")
    assert_problem(gone, 404, "action-not-found")

    rows = seed(lambda conn: audit_rows(conn, "action."))
    assert [r["action"] for r in rows] == ["action.created", "action.updated", "action.deleted"]
    assert all(r["subject"]["action_id"] == action["action_id"] for r in rows)
    assert rows[1]["subject"]["changed"] == ["owner", "scales"]


def test_outside_the_leaders_subtree_every_action_route_answers_404(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in_token(client, seed, "admin")
    elsewhere = client.post("/api/v1/actions", json=_body(world, "cedar")).json()["action_id"]
    sign_in_token(client, seed, "leader", unit=world.unit["north"])
    assert_problem(client.post("/api/v1/actions", json=_body(world, "cedar")), 404,
                   "unit-not-found")  # fmt: skip
    assert_problem(client.get("/api/v1/actions", params={"unit_id": world.id("south")}), 404,
                   "unit-not-found")  # fmt: skip
    for method in ("get", "delete"):
        response = getattr(client, method)(f"/api/v1/actions/{elsewhere}")
        assert_problem(response, 404, "action-not-found")
    patched = client.patch(f"/api/v1/actions/{elsewhere}", json={"title": "Mine now"})
    assert_problem(patched, 404, "action-not-found")
    # The same answer as an id nobody has.
    assert_problem(client.get("/api/v1/actions/987654"), 404, "action-not-found")
    rows = seed(lambda conn: audit_rows(conn, "action."))
    assert [r["action"] for r in rows] == ["action.created"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/actions?unit_id=1"), ("post", "/api/v1/actions"),
     ("get", "/api/v1/actions/1"), ("patch", "/api/v1/actions/1"),
     ("delete", "/api/v1/actions/1")],
)  # fmt: skip
def test_a_researcher_is_refused_every_action_route(
    client: TestClient[Any], seed: Any, world: SmallWorld, method: str, path: str
) -> None:
    sign_in_token(client, seed, "researcher")
    kwargs = {"json": _body(world, "alder")} if method in ("post", "patch") else {}
    assert_problem(getattr(client, method)(path, **kwargs), 403, "forbidden")


def test_target_scales_must_belong_to_the_programs_instruments(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in_token(client, seed, "admin")
    bad = client.post(
        "/api/v1/actions", json=_body(world, "alder", scales=[SAFETY, "openness/no_such_scale"])
    )
    assert_problem(bad, 422, "invalid-input")
    assert [e["field"] for e in bad.json()["errors"]] == ["scales[1]"]
    empty = client.post("/api/v1/actions", json=_body(world, "alder", scales=[]))
    assert_problem(empty, 422, "invalid-input")
    blank = client.post("/api/v1/actions", json=_body(world, "alder", title="   "))
    assert_problem(blank, 422, "invalid-input")
    assert seed(lambda conn: audit_rows(conn, "action.")) == []
