"""Clients signed in as each role, and data for the console pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.config import Settings
from tests.factories import World, make_world
from tests.http import Seed, Signed, sign_in


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    """The app with the console routes, over https so __Host- cookies work."""
    with TestClient(create_app(settings), base_url="https://testserver.local") as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient[Any], seed: Seed) -> Signed:
    return sign_in(client, seed, "admin")


@pytest.fixture
def world(seed: Seed) -> World:
    world: World = seed(make_world)
    return world
