"""The account's own language through the API: read on GET /api/v1/me, set with PATCH."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

from service.i18n import LANGUAGE_COOKIE
from tests.auth.test_api import bearer
from tests.factories import make_staff, make_token
from tests.http import assert_problem, sign_in_with_password

Seed = Callable[[Callable[[Any], Any]], Any]


def _language_cookies(response: Any) -> list[str]:
    return [
        line
        for line in response.headers.get_list("set-cookie")
        if line.startswith(LANGUAGE_COOKIE + "=")
    ]


def test_a_token_reads_and_sets_its_account_language(client: TestClient[Any], seed: Seed) -> None:
    staff = seed(lambda c: make_staff(c, role="researcher"))
    bearer(client, seed(lambda c: make_token(c, staff, client.app.state.secret_key)))
    assert client.get("/api/v1/me").json()["language"] is None
    changed = client.patch("/api/v1/me", json={"language": "fr"})
    assert changed.status_code == 200 and changed.json()["language"] == "fr"
    # A script has no browser: no cookie for it.
    assert _language_cookies(changed) == []
    assert client.get("/api/v1/me").json()["language"] == "fr"
    back = client.patch("/api/v1/me", json={"language": None})
    assert back.status_code == 200 and back.json()["language"] is None
    assert client.get("/api/v1/me").json()["language"] is None


def test_a_session_setting_its_language_gets_the_cookie(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c))
    _session, csrf = sign_in_with_password(client, staff)
    refused = client.patch("/api/v1/me", json={"language": "fr"})
    assert_problem(refused, 403, "csrf-failed")
    changed = client.patch("/api/v1/me", json={"language": "fr"}, headers={"X-CSRF-Token": csrf})
    assert changed.status_code == 200 and changed.json()["language"] == "fr"
    (cookie,) = _language_cookies(changed)
    assert cookie.startswith(LANGUAGE_COOKIE + "=fr;")


def test_a_language_we_do_not_have_is_refused(client: TestClient[Any], seed: Seed) -> None:
    staff = seed(lambda c: make_staff(c))
    bearer(client, seed(lambda c: make_token(c, staff, client.app.state.secret_key)))
    for body in ({"language": "de"}, {}, {"language": "fr", "email": "x@example.org"}):
        assert_problem(client.patch("/api/v1/me", json=body), 422, "invalid-input")
    assert client.get("/api/v1/me").json()["language"] is None


def test_a_read_only_token_cannot_change_the_language(client: TestClient[Any], seed: Seed) -> None:
    staff = seed(lambda c: make_staff(c))
    key = client.app.state.secret_key
    bearer(client, seed(lambda c: make_token(c, staff, key, scopes=("read",))))
    assert_problem(client.patch("/api/v1/me", json={"language": "fr"}), 403, "forbidden")
