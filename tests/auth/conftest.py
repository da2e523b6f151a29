"""Helpers for the staff-account tests: sign-in through the API, cookies, problem checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from service.auth.guards import SESSION_COOKIE
from service.auth.service import LoginPolicy
from service.errors import PROBLEM_BASE

SignIn = Callable[[dict[str, Any]], tuple[str, str]]


@pytest.fixture
def policy() -> LoginPolicy:
    return LoginPolicy(
        max_failures=3, window=timedelta(minutes=15), session_lifetime=timedelta(hours=1)
    )


@pytest.fixture
def sign_in(client: TestClient[Any]) -> SignIn:
    """Sign `staff` in through the API; leaves the cookie in the client, returns (id, csrf)."""

    def run(staff: dict[str, Any]) -> tuple[str, str]:
        response = client.post(
            "/api/v1/session", json={"email": staff["email"], "password": staff["password"]}
        )
        assert response.status_code == 201, response.text
        return response.cookies[SESSION_COOKIE], response.json()["csrf_token"]

    return run


def problem_slug(response: Any) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    type_: str = response.json()["type"]
    return type_.removeprefix(PROBLEM_BASE)


@pytest.fixture
def slug_of() -> Callable[[Any], str]:
    return problem_slug
