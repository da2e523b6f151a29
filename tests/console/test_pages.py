"""Every console page: 200 for an administrator, 403 for other roles, sign-in for visitors;
every form refuses a post without the session's CSRF token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from service.auth.guards import SESSION_COOKIE
from service.auth.secrets import hash_api_token
from service.console.controller import routes
from tests.factories import World, make_session, make_staff, make_token
from tests.http import HTML, Seed, sign_in

PAGES = sorted(
    path for handler in routes for path in handler.paths if "GET" in handler.http_methods
)
FORMS = sorted(
    path for handler in routes for path in handler.paths if "POST" in handler.http_methods
)


def _url(path: str, world: World, token_id: int = 0) -> str:
    ids = {
        "unit_id": world["unit"],
        "program_id": world["program"],
        "wave_id": world["wave"],
        "staff_id": world["staff"],
        "token_id": token_id,
    }
    return re.sub(r"\{(\w+):int\}", lambda m: str(ids[m.group(1)]), path)


def _own_token(client: TestClient[Any], seed: Seed, staff: dict[str, Any]) -> int:
    token = seed(lambda conn: make_token(conn, staff, client.app.state.secret_key))
    key = client.app.state.secret_key
    return int(
        seed(
            lambda conn: conn.fetchval(
                "SELECT token_id FROM api_token WHERE token_hash = $1", hash_api_token(key, token)
            )
        )
    )


def test_the_console_has_a_page_for_every_section() -> None:
    assert len(PAGES) >= 20
    for section in ("units", "programs", "waves", "planner", "cards", "staff", "tokens",
                    "ledger", "audit"):  # fmt: skip
        assert f"/console/{section}" in PAGES


def test_every_page_opens_for_an_administrator(
    client: TestClient[Any], seed: Seed, world: World
) -> None:
    admin = sign_in(client, seed, "admin")
    token_id = _own_token(client, seed, admin.staff)
    for path in PAGES:
        response = admin.get(_url(path, world, token_id))
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"].startswith("text/html"), path
        assert response.headers["cache-control"] == "no-store", path
        assert "<h1" in response.text, path


@pytest.mark.parametrize("role", ["leader", "researcher"])
def test_every_page_is_forbidden_to_leaders_and_researchers(
    client: TestClient[Any], seed: Seed, world: World, role: str
) -> None:
    sign_in(client, seed, role)
    for path in PAGES:
        response = client.get(_url(path, world, 1))
        assert response.status_code == 403, path
        assert response.json()["type"].endswith("/forbidden"), path
        page = client.get(_url(path, world, 1), headers=HTML)
        assert page.status_code == 403, path
        assert "Your role does not allow this" in page.text, path


def test_a_visitor_is_sent_to_sign_in(client: TestClient[Any], world: World) -> None:
    for path in PAGES:
        assert client.get(_url(path, world, 1)).status_code == 401, path
        page = client.get(_url(path, world, 1), headers=HTML, follow_redirects=False)
        assert page.status_code == 303, path
        assert page.headers["location"] == "/login", path


def test_a_form_posted_without_the_csrf_token_is_refused(
    client: TestClient[Any], seed: Seed, world: World
) -> None:
    admin = sign_in(client, seed, "admin")
    token_id = _own_token(client, seed, admin.staff)
    for path in FORMS:
        url = _url(path, world, token_id)
        refused = client.post(url, data={"confirm": "yes"}, follow_redirects=False)
        assert refused.status_code == 403, path
        assert refused.json()["type"].endswith("/csrf-failed"), path
        wrong = client.post(url, data={"confirm": "yes", "csrf_token": "x" * 43})
        assert wrong.status_code == 403, path
    # Nothing was changed by any of them.
    assert seed(lambda conn: conn.fetchval("SELECT status FROM wave WHERE wave_id = $1",
                                           world["wave"])) == "open"  # fmt: skip
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM invitation")) == 0


@pytest.mark.parametrize("role", ["leader", "researcher"])
def test_no_form_works_for_leaders_or_researchers(
    client: TestClient[Any], seed: Seed, world: World, role: str
) -> None:
    other = sign_in(client, seed, role)
    for path in FORMS:
        response = other.post(_url(path, world, 1), {"confirm": "yes"})
        assert response.status_code == 403, path


def test_a_read_only_token_cannot_post_a_console_form(
    client: TestClient[Any], seed: Seed, world: World
) -> None:
    staff = seed(lambda conn: make_staff(conn, role="admin"))
    token = seed(
        lambda conn: make_token(conn, staff, client.app.state.secret_key, scopes=("read",))
    )
    headers = {"Authorization": "Bearer " + token}
    assert client.get("/console/units", headers=headers).status_code == 200
    response = client.post("/console/units", data={"slug": "x", "name": "X"}, headers=headers)
    assert response.status_code == 403


def test_the_session_cookie_is_the_only_cookie_the_console_sets(
    client: TestClient[Any], seed: Seed, world: World
) -> None:
    staff = seed(lambda conn: make_staff(conn, role="admin"))
    session, csrf = seed(lambda conn: make_session(conn, staff))
    client.cookies.set(SESSION_COOKIE, session)
    for path in ("/console", "/console/units", f"/console/programs/{world['program']}"):
        assert "set-cookie" not in client.get(path, headers=HTML).headers
    created = client.post(
        "/console/units",
        data={"csrf_token": csrf, "slug": "new-root", "name": "New root", "headcount": "3"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert "set-cookie" not in created.headers
