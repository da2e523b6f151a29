"""Every staff route, every role: the guard admits exactly the roles the route names.

The table of routes is read from the app itself, so a new route is covered the day it is
added. Ids in paths point at nothing: an admitted role gets past the guard and then a
404 or 422, never a 401, 403 or 5xx.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from service.app import create_app
from service.auth.principal import ROLES
from service.config import Settings
from tests.factories import make_session, make_staff, make_token, make_unit

SAFE = {"GET", "HEAD", "OPTIONS"}


def guarded_routes(app: Litestar) -> Iterator[tuple[str, str, frozenset[str], str | None]]:
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for guard in handler.resolve_guards():
                roles = getattr(guard, "roles", None)
                if roles is None:
                    continue
                for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"}):
                    yield route.path, method, roles, getattr(guard, "scope", None)


def _url(path: str) -> str:
    return re.sub(r"\{[^}:]+:int\}", "999999", re.sub(r"\{[^}:]+(:str)?\}", "nothing", path))


ROUTES = sorted(set(guarded_routes(create_app(Settings(scheduler_interval=0)))))


def test_the_app_has_guarded_staff_routes() -> None:
    assert len(ROUTES) >= 10


@pytest.fixture
def tokens(client: TestClient[Any], seed: Any) -> dict[str, dict[str, str]]:
    key = client.app.state.secret_key

    async def make(conn: Any) -> dict[str, dict[str, str]]:
        unit = await make_unit(conn)
        out: dict[str, dict[str, str]] = {}
        for role in ROLES:
            staff = await make_staff(conn, role=role, unit=unit if role == "leader" else None)
            scopes = ("read",) if role == "researcher" else ("read", "write")
            out[role] = {
                "token": await make_token(conn, staff, key, scopes=scopes),
                "read_token": await make_token(conn, staff, key, scopes=("read",)),
            }
            session, csrf = await make_session(conn, staff)
            out[role] |= {"session": session, "csrf": csrf}
        return out

    return seed(make)


def _send(client: TestClient[Any], method: str, path: str, **kwargs: Any) -> Any:
    body = {} if method not in SAFE else None
    return client.request(method, _url(path), json=body, **kwargs)


@pytest.mark.parametrize(("path", "method", "roles", "scope"), ROUTES)
def test_every_role_gets_exactly_the_access_the_route_names(
    client: TestClient[Any],
    tokens: dict[str, dict[str, str]],
    path: str,
    method: str,
    roles: frozenset[str],
    scope: str | None,
) -> None:
    anonymous = _send(client, method, path)
    assert anonymous.status_code in (401, 303), anonymous.text
    for role in ROLES:
        # A signed-in session carries every scope the role may have.
        client.cookies.set("__Host-muster_session", tokens[role]["session"])
        response = _send(client, method, path, headers={"X-CSRF-Token": tokens[role]["csrf"]})
        client.cookies.clear()
        if role in roles:
            assert response.status_code not in (401, 403), (role, response.text)
            assert response.status_code < 500, (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["type"].endswith("/forbidden")


@pytest.mark.parametrize(("path", "method", "roles", "scope"), [r for r in ROUTES if r[1] in SAFE])
def test_a_read_token_reaches_every_read_route_its_role_may_use(
    client: TestClient[Any],
    tokens: dict[str, dict[str, str]],
    path: str,
    method: str,
    roles: frozenset[str],
    scope: str | None,
) -> None:
    for role in sorted(roles):
        token = tokens[role]["read_token"]
        response = _send(client, method, path, headers={"Authorization": "Bearer " + token})
        assert response.status_code not in (401, 403), (role, response.text)


@pytest.mark.parametrize(
    ("path", "method", "roles", "scope"), [r for r in ROUTES if r[3] == "write"]
)
def test_a_read_only_token_cannot_use_a_write_route(
    client: TestClient[Any],
    tokens: dict[str, dict[str, str]],
    path: str,
    method: str,
    roles: frozenset[str],
    scope: str | None,
) -> None:
    role = sorted(roles)[0]
    response = _send(
        client, method, path, headers={"Authorization": "Bearer " + tokens[role]["read_token"]}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "method", "roles", "scope"), [r for r in ROUTES if r[1] not in SAFE]
)
def test_a_session_without_its_csrf_token_cannot_change_anything(
    client: TestClient[Any],
    tokens: dict[str, dict[str, str]],
    path: str,
    method: str,
    roles: frozenset[str],
    scope: str | None,
) -> None:
    role = sorted(roles)[0]
    client.cookies.set("__Host-muster_session", tokens[role]["session"])
    refused = _send(client, method, path)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/csrf-failed")
    admitted = _send(client, method, path, headers={"X-CSRF-Token": tokens[role]["csrf"]})
    assert admitted.status_code not in (401, 403), admitted.text
