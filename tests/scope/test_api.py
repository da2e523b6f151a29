"""For a leader or a researcher, a reference to something outside their subtree answers
exactly as a reference to something that does not exist (issue 12): same status, same
problem, word for word. Every GET route that takes an id in its path is tried, found from
the app's own route table, so a new route is covered when it is added."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from service.auth.guards import SESSION_COOKIE
from tests.factories import make_session, make_staff, make_token, make_tree, new_program

NOW = datetime.now(UTC)
START = (NOW + timedelta(days=1)).isoformat()
UNKNOWN = 2**62


@pytest.fixture
def world(seed: Any) -> dict[str, Any]:
    async def make(conn: Any) -> dict[str, Any]:
        root, mine, theirs = await make_tree(conn, (2,))
        own = await new_program(conn, mine, now=NOW, starts_at=START)
        other = await new_program(conn, theirs, now=NOW, starts_at=START)
        assert other.next_wave is not None
        return {
            "root": root,
            "mine": mine,
            "program": own.program_id,
            "hidden": {
                "unit_id": theirs["unit_id"],
                "program_id": other.program_id,
                "wave_id": other.next_wave.wave_id,
            },
            "hidden_path": theirs["path"],
        }

    made: dict[str, Any] = seed(make)
    return made


def _sign_in(client: TestClient[Any], seed: Any, role: str, unit: dict[str, Any]) -> None:
    key = client.app.state.secret_key

    async def make(conn: Any) -> tuple[str, str]:
        staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
        session, _csrf = await make_session(conn, staff)
        return await make_token(conn, staff, key, scopes=("read",)), session

    token, session = seed(make)
    client.headers["Authorization"] = "Bearer " + token
    client.cookies.set(SESSION_COOKIE, session)


def _id_routes(client: TestClient[Any]) -> list[str]:
    paths = []
    for route in client.app.routes:
        methods = getattr(route, "methods", set()) or set()
        if "GET" in methods and re.search(r"\{\w+_id:int\}", route.path):
            paths.append(route.path)
    return sorted(paths)


def _same(client: TestClient[Any], hidden_url: str, unknown_url: str, hidden: str) -> int:
    """Both answers, the hidden reference written as the unknown one; returns the status."""
    seen, absent = client.get(hidden_url), client.get(unknown_url)
    assert seen.status_code == absent.status_code, (hidden_url, seen.text, absent.text)
    assert seen.headers.get("content-type") == absent.headers.get("content-type"), hidden_url
    unknown = unknown_url.rsplit("=", 1)[-1] if "=" in unknown_url else str(UNKNOWN)
    written = re.sub(rf"(?<![\w/-]){re.escape(hidden)}(?![\w/-])", unknown, seen.text)
    assert written == absent.text, (hidden_url, seen.text, absent.text)
    return seen.status_code


@pytest.mark.parametrize("role", ["leader", "researcher"])
def test_outside_the_scope_answers_exactly_like_no_such_thing(
    client: TestClient[Any], seed: Any, world: dict[str, Any], role: str
) -> None:
    _sign_in(client, seed, role, world["mine"])
    routes = _id_routes(client)
    assert {
        "/api/v1/units/{unit_id:int}",
        "/api/v1/waves/{wave_id:int}",
        "/api/v1/programs/{program_id:int}",
        "/dashboard/units/{unit_id:int}",
    } <= set(routes)
    statuses = []
    for route in routes:
        names = re.findall(r"\{(\w+_id):int\}", route)
        if any(name not in world["hidden"] for name in names):
            continue  # staff and token ids: administrators only, refused by role first
        hidden = str(world["hidden"][names[0]])
        hidden_url = re.sub(r"\{\w+:int\}", hidden, route)
        unknown_url = re.sub(r"\{\w+:int\}", str(UNKNOWN), route)
        statuses.append(_same(client, hidden_url, unknown_url, hidden))
    program = str(world["hidden"]["program_id"])
    for base in (
        "/api/v1/waves",
        "/api/v1/releases",
        "/api/v1/releases.csv",
        "/api/v1/releases.parquet",
        "/api/v1/releases/metadata",
        "/dashboard",
    ):
        statuses.append(
            _same(client, f"{base}?program={program}", f"{base}?program={UNKNOWN}", program)
        )
    path, nowhere = world["hidden_path"], f"{world['root']['path']}/no-such-unit"
    statuses.append(
        _same(client, f"/api/v1/units?under={path}", f"/api/v1/units?under={nowhere}", path)
    )
    mine = world["program"]
    statuses.append(
        _same(
            client,
            f"/api/v1/releases?program={mine}&unit={path}",
            f"/api/v1/releases?program={mine}&unit={nowhere}",
            path,
        )
    )
    assert statuses.count(404) >= 12, statuses
