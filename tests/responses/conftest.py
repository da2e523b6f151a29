"""Fixtures for the responder's side: a client with the survey routes and the privacy
middleware in place. The builders (an open wave with the shipped instruments, cards and
open links) are in tests/factories.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.responses import controller
from service.responses.middleware import install_respondent_privacy


@pytest.fixture
def respondent(client: TestClient[Any]) -> Iterator[TestClient[Any]]:
    """The app client with the survey routes and the privacy middleware, whether or not
    app.py wires them yet (both steps are idempotent)."""
    app = client.app
    if "/s/{survey_key:str}" not in app.route_handler_method_map:
        for handler in controller.routes:
            app.register(handler)
    install_respondent_privacy(app)
    yield client
