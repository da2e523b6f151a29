"""Every error has one shape: an RFC 9457 problem document that says what to do."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from service.errors import PROBLEM_BASE, DomainError, exception_to_problem, problem_types
from tests.http import KEYS, assert_problem


@pytest.mark.parametrize("cls", problem_types(), ids=lambda cls: cls.__name__)
def test_every_domain_error_maps_to_a_complete_problem(cls: type[DomainError]) -> None:
    problem, _ = exception_to_problem(cls("Do this instead."))
    encoded = msgspec.json.decode(msgspec.json.encode(problem))
    assert KEYS <= encoded.keys()
    assert encoded["type"] == PROBLEM_BASE + cls.type_slug
    assert encoded["status"] == cls.status
    assert 400 <= cls.status < 600
    assert encoded["title"] == cls.title


def test_problem_types_have_distinct_slugs() -> None:
    slugs = [cls.type_slug for cls in problem_types()]
    assert len(slugs) == len(set(slugs))


def test_an_unexpected_exception_becomes_a_500_without_detail_or_trace() -> None:
    problem, _ = exception_to_problem(RuntimeError("secret internals at /srv/db"))
    assert problem.status == 500
    assert "secret" not in problem.detail
    assert problem.errors is None and problem.extra is None


def test_an_unknown_route_is_a_404_problem(client: TestClient[Any]) -> None:
    assert_problem(client.get("/no/such/page"), 404, "not-found")


def test_a_wrong_method_is_a_405_problem_with_allow(client: TestClient[Any]) -> None:
    response = client.delete("/healthz")
    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers.get("allow", "")


@pytest.fixture
def admin_client(client: TestClient[Any], seed: Any) -> TestClient[Any]:
    from tests.factories import make_staff, make_token

    async def token(conn: Any) -> str:
        return await make_token(conn, await make_staff(conn), client.app.state.secret_key)

    client.headers["Authorization"] = "Bearer " + seed(token)
    return client


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"slug": "x", "name": ', b"not json", b"[1, 2"],
    ids=["open-brace", "truncated", "text", "truncated-array"],
)
def test_a_malformed_body_is_a_400_problem(admin_client: TestClient[Any], body: bytes) -> None:
    response = admin_client.post(
        "/api/v1/units", content=body, headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed-body")


def test_unknown_and_mistyped_fields_are_listed_with_their_paths(
    admin_client: TestClient[Any],
) -> None:
    response = admin_client.post("/api/v1/units", json={"slug": "a", "name": "A", "colour": "red"})
    body = assert_problem(response, 422, "invalid-input")
    assert any("colour" in e["field"] or "colour" in e["message"] for e in body["errors"])


def test_an_oversized_body_is_a_413_problem(admin_client: TestClient[Any]) -> None:
    huge = {"slug": "a", "name": "x" * 300_000}
    assert_problem(admin_client.post("/api/v1/units", json=huge), 413, "body-too-large")


def test_an_unknown_id_is_a_404_problem(admin_client: TestClient[Any]) -> None:
    assert_problem(admin_client.get("/api/v1/units/987654"), 404, "unit-not-found")


def test_a_nul_character_in_text_is_a_422_not_a_500(admin_client: TestClient[Any]) -> None:
    response = admin_client.post("/api/v1/tokens", json={"name": "a\u0000b"})
    body = assert_problem(response, 422, "invalid-input")
    assert "U+0000" in body["detail"]
