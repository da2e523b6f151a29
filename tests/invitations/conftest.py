"""Helpers for invitation tests: a program with its first wave in a chosen state, a client
that serves the invitation routes, and a search of every stored value for a code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.config import Settings
from service.invitations import controller


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient[Any]]:
    """The app with the invitation routes, whether or not app.py lists them yet."""
    app = create_app(settings)
    paths = {route.path for route in app.routes}
    for handler in controller.routes:
        if not any(path in paths for path in handler.paths):
            app.register(handler)
    with TestClient(app, base_url="https://testserver.local") as test_client:
        yield test_client
