"""HTTP helpers for tests: signing a client in, and checking a problem document.

Builders of rows live in tests/factories.py; fixtures in the conftest files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

from service.auth.guards import SESSION_COOKIE
from service.errors import PROBLEM_BASE
from tests.factories import make_session, make_staff, make_token, make_unit

HTML = {"Accept": "text/html,application/xhtml+xml"}
PROBLEM = "application/problem+json"
KEYS = {"type", "title", "status", "detail"}
Seed = Callable[[Callable[[Any], Any]], Any]


class Signed:
    """A client signed in as one staff account, with the session's CSRF token."""

    def __init__(self, client: TestClient[Any], staff: dict[str, Any], csrf: str) -> None:
        self.client = client
        self.staff = staff
        self.csrf = csrf

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=HTML, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        form = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(path, data=form, headers=HTML, follow_redirects=False, **kwargs)


def sign_in(client: TestClient[Any], seed: Seed, role: str = "admin") -> Signed:
    async def make(conn: Any) -> tuple[dict[str, Any], str, str]:
        unit = await make_unit(conn) if role == "leader" else None
        staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
        session, csrf = await make_session(conn, staff)
        return staff, session, csrf

    staff, session, csrf = seed(make)
    client.cookies.set(SESSION_COOKIE, session)
    return Signed(client, staff, csrf)


def sign_in_at(
    client: TestClient[Any], seed: Seed, role: str, unit: dict[str, Any] | None
) -> Signed:
    """Sign the client in (a session) as a new account of `role` scoped to `unit`."""

    async def make(conn: Any) -> tuple[dict[str, Any], str, str]:
        staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
        session, csrf = await make_session(conn, staff)
        return staff, session, csrf

    staff, session, csrf = seed(make)
    client.cookies.set(SESSION_COOKIE, session)
    return Signed(client, staff, csrf)


def sign_in_token(
    client: TestClient[Any],
    seed: Seed,
    role: str = "admin",
    unit: dict[str, Any] | None = None,
    scopes: tuple[str, ...] = ("read", "write"),
) -> None:
    """Sign the client in with a new staff account's API token (`Authorization: Bearer`)."""
    key = client.app.state.secret_key

    async def make(conn: Any) -> str:
        staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
        return await make_token(conn, staff, key, scopes=scopes)

    client.headers["Authorization"] = "Bearer " + seed(make)


def assert_problem(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    """The response is a complete problem document with this status (and type, if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert KEYS <= body.keys()
    assert body["status"] == status
    assert body["type"].startswith(PROBLEM_BASE)
    assert body["detail"].strip()
    if slug is not None:
        assert body["type"] == PROBLEM_BASE + slug
    return body
