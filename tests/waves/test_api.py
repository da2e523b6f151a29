from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.factories import make_tree, new_program
from tests.http import sign_in_token

NOW = datetime.now(UTC)
# Wave 1 of each program opens in a day, so a coordinator can open it early by hand.
START = (NOW + timedelta(days=1)).isoformat()


@pytest.fixture
def org(seed: Any) -> dict[str, Any]:
    async def make(conn: Any) -> dict[str, Any]:
        _root, b1, b2 = await make_tree(conn, (2,))
        mine = await new_program(conn, b1, now=NOW, starts_at=START)
        theirs = await new_program(conn, b2, now=NOW, starts_at=START)
        assert mine.next_wave is not None and theirs.next_wave is not None
        return {
            "b1": b1,
            "mine": mine.program_id,
            "theirs": theirs.program_id,
            "my_wave": mine.next_wave.wave_id,
            "their_wave": theirs.next_wave.wave_id,
        }

    made: dict[str, Any] = seed(make)
    return made


def test_an_admin_opens_and_closes_a_wave_by_hand(
    client: TestClient[Any], seed: Any, org: dict[str, Any]
) -> None:
    sign_in_token(client, seed)
    url = f"/api/v1/waves/{org['my_wave']}"
    opened = client.post(url + "/open")
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "open"
    assert opened.json()["frozen"]["mode"] == "cards"
    # Issue 11: the default policy freezes a yearly budget over 4 waves, no per-wave ε.
    assert opened.json()["frozen"]["policy"]["waves_per_year"] == 4

    again = client.post(url + "/open")
    assert again.status_code == 409
    assert again.json()["type"].endswith("/wave-transition-refused")
    assert "is open" in again.json()["detail"]

    closed = client.post(url + "/close")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert client.get(url).json()["status"] == "closed"

    listed = client.get(f"/api/v1/programs/{org['mine']}/waves").json()
    assert [(w["seq"], w["status"]) for w in listed] == [(1, "closed"), (2, "scheduled")]
    assert client.get("/api/v1/waves", params={"program": org["mine"]}).json() == listed
    assert client.get("/api/v1/programs/{}".format(org["mine"])).json()["frozen"] is True


def test_leaders_see_waves_in_their_scope_only_and_cannot_change_them(
    client: TestClient[Any], seed: Any, org: dict[str, Any]
) -> None:
    sign_in_token(client, seed, role="leader", unit=org["b1"])
    assert {w["program_id"] for w in client.get("/api/v1/waves").json()} == {org["mine"]}
    assert client.get(f"/api/v1/waves/{org['my_wave']}").status_code == 200
    # Outside the scope answers like no such wave or program (issue 12).
    assert client.get(f"/api/v1/waves/{org['their_wave']}").status_code == 404
    assert client.get(f"/api/v1/programs/{org['theirs']}/waves").status_code == 404
    assert client.get("/api/v1/waves", params={"program": org["theirs"]}).status_code == 404
    assert client.post(f"/api/v1/waves/{org['my_wave']}/open").status_code == 403
    assert client.get(f"/api/v1/waves/{org['my_wave']}").json()["status"] == "scheduled"


@pytest.mark.parametrize("action", ["open", "close"])
def test_anonymous_callers_get_401_and_read_only_tokens_403(
    client: TestClient[Any], seed: Any, org: dict[str, Any], action: str
) -> None:
    url = f"/api/v1/waves/{org['my_wave']}"
    assert client.get(url).status_code == 401
    assert client.post(f"{url}/{action}").status_code == 401
    sign_in_token(client, seed, scopes=("read",))
    assert client.get(url).status_code == 200
    assert client.post(f"{url}/{action}").status_code == 403


def test_unknown_waves_are_404(client: TestClient[Any], seed: Any, org: dict[str, Any]) -> None:
    sign_in_token(client, seed)
    assert client.get("/api/v1/waves/987654").json()["type"].endswith("/wave-not-found")
    assert client.post("/api/v1/waves/987654/close").status_code == 404
    assert client.get("/api/v1/waves", params={"program": 987654}).status_code == 404
