"""Clients signed in as each role, and data for the console pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.auth.guards import SESSION_COOKIE
from service.config import Settings
from tests.factories import make_session, make_staff, make_unit

HTML = {"Accept": "text/html,application/xhtml+xml"}
Seed = Callable[[Callable[[Any], Any]], Any]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    """The app with the console routes, over https so __Host- cookies work."""
    with TestClient(create_app(settings), base_url="https://testserver.local") as test_client:
        yield test_client


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


@pytest.fixture
def admin(client: TestClient[Any], seed: Seed) -> Signed:
    return sign_in(client, seed, "admin")


class World(dict[str, Any]):
    """Ids of the rows the console pages show."""


async def make_world(conn: Any) -> World:
    """A program over a small tree with wave 1 open and wave 2 scheduled, plus accounts."""
    from tests.factories import (
        make_tree,  # noqa: F401 (make_tree runs inside open_wave_on)
        open_wave_on,
    )

    program_id, wave_id, units = await open_wave_on(conn, (2, 2))
    other = await make_staff(conn, role="researcher")
    wave_2 = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = 2", program_id
    )
    return World(
        program=program_id,
        wave=wave_id,
        wave_2=wave_2,
        units=units,
        unit=units[-1]["unit_id"],
        staff=other["staff_id"],
    )


@pytest.fixture
def world(seed: Seed) -> World:
    world: World = seed(make_world)
    return world
