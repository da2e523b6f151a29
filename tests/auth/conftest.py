"""Fixtures for the staff-account tests: the login policy, sign-in through the API with a
password, and a problem's type slug (the helpers behind them are in tests/http.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from service.auth.service import LoginPolicy
from tests.http import problem_slug, sign_in_with_password

SignIn = Callable[[dict[str, Any]], tuple[str, str]]


@pytest.fixture
def policy() -> LoginPolicy:
    return LoginPolicy(
        max_failures=3, window=timedelta(minutes=15), session_lifetime=timedelta(hours=1)
    )


@pytest.fixture
def sign_in(client: TestClient[Any]) -> SignIn:
    """Sign `staff` in through the API; leaves the cookie in the client, returns (id, csrf)."""

    return functools.partial(sign_in_with_password, client)


@pytest.fixture
def slug_of() -> Callable[[Any], str]:
    return problem_slug
