"""The client for export tests: the app with the export, /metrics and token rate limits
wired in (tests/http.py's `wired_app`). `released_history` is in tests/factories.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.config import Settings
from tests.http import wired_app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(wired_app(settings), base_url="https://testserver.local") as test_client:
        yield test_client
