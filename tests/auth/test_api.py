from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from service.auth.guards import SESSION_COOKIE
from tests.factories import make_staff, make_token, make_unit

Seed = Callable[[Callable[[Any], Any]], Any]
SlugOf = Callable[[Any], str]
SignIn = Callable[[dict[str, Any]], tuple[str, str]]

STAFF_HEADERS = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "x-frame-options": "DENY",
}


def session_set_cookie(response: Any) -> list[str]:
    headers = [
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "=")
    ]
    assert len(headers) == 1, response.headers
    return [part.strip() for part in headers[0].split(";")]


def use_cookie(client: TestClient[Any], session_id: str) -> None:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, session_id)


def bearer(client: TestClient[Any], token: str) -> None:
    client.cookies.clear()
    client.headers["Authorization"] = "Bearer " + token


# --- sessions ---------------------------------------------------------------------------


def test_signing_in_sets_a_host_prefixed_strict_secure_cookie(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c))
    response = client.post(
        "/api/v1/session", json={"email": staff["email"], "password": staff["password"]}
    )
    assert response.status_code == 201
    parts = session_set_cookie(response)
    attributes = {p.split("=", 1)[0].lower(): p.partition("=")[2] for p in parts[1:]}
    assert parts[0].startswith("__Host-muster_session=") and len(parts[0]) > 40
    assert "secure" in attributes and "httponly" in attributes
    assert attributes["samesite"].lower() == "strict"
    assert attributes["path"] == "/"
    assert "domain" not in attributes
    assert attributes["max-age"] == str(12 * 3600)
    body = response.json()
    assert body["me"]["email"] == staff["email"] and body["csrf_token"]


def test_signing_in_again_rotates_the_session_and_the_old_cookie_stops_working(
    client: TestClient[Any], seed: Seed, sign_in: SignIn, slug_of: SlugOf
) -> None:
    staff = seed(lambda c: make_staff(c))
    old, _ = sign_in(staff)
    new, _ = sign_in(staff)  # the client still holds the old cookie, so it is presented
    assert new != old
    use_cookie(client, old)
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and slug_of(response) == "not-authenticated"
    use_cookie(client, new)
    assert client.get("/api/v1/me").json()["email"] == staff["email"]


def test_signing_out_revokes_the_session_on_the_server(
    client: TestClient[Any], seed: Seed, sign_in: SignIn
) -> None:
    staff = seed(lambda c: make_staff(c))
    session_id, csrf = sign_in(staff)
    response = client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert "max-age=0" in [p.lower() for p in session_set_cookie(response)]
    use_cookie(client, session_id)  # replay the cookie the browser was told to forget
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    "headers", [{}, {"X-CSRF-Token": "not-the-token"}], ids=["no token", "wrong token"]
)
def test_an_unsafe_request_with_a_session_needs_the_csrf_token(
    client: TestClient[Any], seed: Seed, sign_in: SignIn, slug_of: SlugOf, headers: dict[str, str]
) -> None:
    staff = seed(lambda c: make_staff(c))
    sign_in(staff)
    response = client.post("/api/v1/tokens", json={"name": "x"}, headers=headers)
    assert response.status_code == 403 and slug_of(response) == "csrf-failed"


def test_the_right_csrf_token_in_header_or_form_is_accepted(
    client: TestClient[Any], seed: Seed, sign_in: SignIn
) -> None:
    staff = seed(lambda c: make_staff(c))
    _, csrf = sign_in(staff)
    response = client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201
    response = client.delete(
        f"/api/v1/tokens/{response.json()['token_id']}", headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 204


def test_a_bearer_token_request_needs_no_csrf_token(client: TestClient[Any], seed: Seed) -> None:
    staff = seed(lambda c: make_staff(c))
    bearer(client, seed(lambda c: make_token(c, staff, client.app.state.secret_key)))
    assert client.post("/api/v1/tokens", json={"name": "x"}).status_code == 201


def test_unknown_email_and_wrong_password_get_the_same_answer(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c))
    wrong = client.post("/api/v1/session", json={"email": staff["email"], "password": "nope"})
    unknown = client.post("/api/v1/session", json={"email": "no@example.org", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["type"].endswith("/invalid-credentials")


def test_too_many_failures_make_the_account_wait_with_retry_after(
    client: TestClient[Any], seed: Seed, slug_of: SlugOf
) -> None:
    staff = seed(lambda c: make_staff(c))
    for _ in range(client.app.state.settings.login_max_failures):
        response = client.post(
            "/api/v1/session", json={"email": staff["email"], "password": "wrong"}
        )
        assert response.status_code == 401
    right = {"email": staff["email"], "password": staff["password"]}
    response = client.post("/api/v1/session", json=right)
    assert response.status_code == 429 and slug_of(response) == "too-many-attempts"
    # A delay, not a lock (issue 12): seconds, never more than the longest delay.
    assert 0 < int(response.headers["retry-after"]) <= 10


def test_a_disabled_account_cannot_sign_in_and_its_credentials_stop_working(
    client: TestClient[Any], seed: Seed, sign_in: SignIn
) -> None:
    admin = seed(lambda c: make_staff(c, role="admin"))
    staff = seed(lambda c: make_staff(c, role="researcher"))
    session_id, _ = sign_in(staff)
    token = seed(lambda c: make_token(c, staff, client.app.state.secret_key, scopes=("read",)))
    admin_token = seed(lambda c: make_token(c, admin, client.app.state.secret_key))
    bearer(client, admin_token)
    response = client.patch(f"/api/v1/staff/{staff['staff_id']}", json={"disabled": True})
    assert response.status_code == 200 and response.json()["disabled"] is True
    del client.headers["Authorization"]
    use_cookie(client, session_id)
    assert client.get("/api/v1/me").status_code == 401
    bearer(client, token)
    assert client.get("/api/v1/me").status_code == 401
    del client.headers["Authorization"]
    response = client.post(
        "/api/v1/session", json={"email": staff["email"], "password": staff["password"]}
    )
    assert response.status_code == 401


def test_a_cross_site_sign_in_is_refused(
    client: TestClient[Any], seed: Seed, slug_of: SlugOf
) -> None:
    staff = seed(lambda c: make_staff(c))
    body = {"email": staff["email"], "password": staff["password"]}
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post("/api/v1/session", json=body, headers=headers)
        assert response.status_code == 403 and slug_of(response) == "csrf-failed"


def test_me_describes_the_caller(client: TestClient[Any], seed: Seed) -> None:
    unit = seed(lambda c: make_unit(c))
    leader = seed(lambda c: make_staff(c, role="leader", unit=unit))
    bearer(client, seed(lambda c: make_token(c, leader, client.app.state.secret_key)))
    me = client.get("/api/v1/me").json()
    assert me == {
        "staff_id": leader["staff_id"],
        "email": leader["email"],
        "role": "leader",
        "unit_id": unit["unit_id"],
        "unit_path": unit["path"],
        "via": "token",
        "scopes": ["read", "write"],
        "csrf_token": None,
        "language": None,
    }


def test_staff_routes_send_the_security_headers(client: TestClient[Any], seed: Seed) -> None:
    staff = seed(lambda c: make_staff(c))
    bearer(client, seed(lambda c: make_token(c, staff, client.app.state.secret_key)))
    response = client.get("/api/v1/me")
    for name, value in STAFF_HEADERS.items():
        assert response.headers[name] == value


# --- staff accounts ---------------------------------------------------------------------

STAFF_ROUTES = [
    ("GET", "/api/v1/staff", None),
    ("POST", "/api/v1/staff", {"email": "new@example.org", "role": "researcher"}),
    ("PATCH", "/api/v1/staff/{staff_id}", {"role": "researcher"}),
]


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ROUTES)
@pytest.mark.parametrize(
    ("role", "scopes", "status"),
    [
        ("admin", ("read", "write"), None),
        ("leader", ("read", "write"), 403),
        ("researcher", ("read",), 403),
        (None, (), 401),
    ],
    ids=["admin", "leader", "researcher", "anonymous"],
)
def test_only_admins_reach_the_staff_routes(
    client: TestClient[Any],
    seed: Seed,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    role: str | None,
    scopes: tuple[str, ...],
    status: int | None,
) -> None:
    unit = seed(lambda c: make_unit(c))
    seed(lambda c: make_staff(c, role="admin"))  # so a demotion never removes the last admin
    target = seed(lambda c: make_staff(c, role="admin"))
    if role is not None:
        caller = seed(lambda c: make_staff(c, role=role, unit=unit))  # type: ignore[arg-type]
        token = seed(lambda c: make_token(c, caller, client.app.state.secret_key, scopes=scopes))
        bearer(client, token)
    response = client.request(method, path.format(staff_id=target["staff_id"]), json=body)
    if status is None:
        assert response.status_code in {200, 201}, response.text
    else:
        assert response.status_code == status


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ROUTES[1:])
def test_a_read_token_cannot_change_staff(
    client: TestClient[Any],
    seed: Seed,
    slug_of: SlugOf,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    admin = seed(lambda c: make_staff(c, role="admin"))
    bearer(
        client, seed(lambda c: make_token(c, admin, client.app.state.secret_key, scopes=("read",)))
    )
    response = client.request(method, path.format(staff_id=admin["staff_id"]), json=body)
    assert response.status_code == 403 and slug_of(response) == "forbidden"


def test_adding_staff_returns_a_generated_password_once(
    client: TestClient[Any], seed: Seed
) -> None:
    admin = seed(lambda c: make_staff(c, role="admin"))
    bearer(client, seed(lambda c: make_token(c, admin, client.app.state.secret_key)))
    created = client.post("/api/v1/staff", json={"email": "R@Example.org", "role": "researcher"})
    assert created.status_code == 201
    body = created.json()
    assert body["email"] == "r@example.org" and len(body["password"]) >= 12
    listed = client.get("/api/v1/staff").json()
    assert "password" not in listed[0] and body["password"] not in str(listed)
    del client.headers["Authorization"]
    signed_in = client.post(
        "/api/v1/session", json={"email": "r@example.org", "password": body["password"]}
    )
    assert signed_in.status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"email": "l@example.org", "role": "leader"}, 422, "invalid-input"),
        ({"email": "l@example.org", "role": "leader", "unit": "nowhere"}, 404, "unit-not-found"),
        ({"email": "l@example.org", "role": "chief"}, 422, "invalid-input"),
        ({"email": "l@example.org", "role": "admin", "password": "short"}, 422, "invalid-input"),
        ({"email": "l@example.org", "role": "admin", "extra": 1}, 422, "invalid-input"),
        ({"email": "no-at-sign", "role": "admin"}, 422, "invalid-input"),
    ],
    ids=["leader without unit", "unknown unit", "unknown role", "short", "unknown field", "email"],
)
def test_bad_staff_input_is_a_problem_that_names_the_fix(
    client: TestClient[Any],
    seed: Seed,
    slug_of: SlugOf,
    body: dict[str, Any],
    status: int,
    slug: str,
) -> None:
    admin = seed(lambda c: make_staff(c, role="admin"))
    bearer(client, seed(lambda c: make_token(c, admin, client.app.state.secret_key)))
    response = client.post("/api/v1/staff", json=body)
    assert response.status_code == status and slug_of(response) == slug


def test_a_duplicate_email_is_a_conflict(
    client: TestClient[Any], seed: Seed, slug_of: SlugOf
) -> None:
    admin = seed(lambda c: make_staff(c, role="admin"))
    bearer(client, seed(lambda c: make_token(c, admin, client.app.state.secret_key)))
    response = client.post("/api/v1/staff", json={"email": admin["email"], "role": "admin"})
    assert response.status_code == 409 and slug_of(response) == "duplicate-staff"


def test_patching_an_unknown_account_is_not_found(
    client: TestClient[Any], seed: Seed, slug_of: SlugOf
) -> None:
    admin = seed(lambda c: make_staff(c, role="admin"))
    bearer(client, seed(lambda c: make_token(c, admin, client.app.state.secret_key)))
    response = client.patch("/api/v1/staff/987654", json={"disabled": True})
    assert response.status_code == 404 and slug_of(response) == "staff-not-found"


# --- API tokens -------------------------------------------------------------------------


def test_a_token_is_shown_once_and_then_listed_without_it(
    client: TestClient[Any], seed: Seed, sign_in: SignIn
) -> None:
    staff = seed(lambda c: make_staff(c, role="researcher"))
    seed(lambda c: make_token(c, staff, client.app.state.secret_key, scopes=("read",)))
    _, csrf = sign_in(staff)
    created = client.post(
        "/api/v1/tokens",
        json={"name": "export", "expires_in_days": 7},
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201
    plain = created.json()["token"]
    assert created.json()["scopes"] == ["read"]
    listed = client.get("/api/v1/tokens").json()
    assert {t["name"] for t in listed} == {"test", "export"}
    assert all("token" not in t for t in listed) and plain not in str(listed)
    bearer(client, plain)
    assert client.get("/api/v1/me").json()["scopes"] == ["read"]


def test_an_expired_token_is_refused(client: TestClient[Any], seed: Seed, slug_of: SlugOf) -> None:
    staff = seed(lambda c: make_staff(c))
    token = seed(
        lambda c: make_token(
            c, staff, client.app.state.secret_key, expires_in=timedelta(seconds=-1)
        )
    )
    bearer(client, token)
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and slug_of(response) == "token-invalid"


def test_a_revoked_token_is_refused(client: TestClient[Any], seed: Seed, slug_of: SlugOf) -> None:
    staff = seed(lambda c: make_staff(c))
    bearer(client, seed(lambda c: make_token(c, staff, client.app.state.secret_key)))
    created = client.post("/api/v1/tokens", json={"name": "short-lived"}).json()
    assert client.delete(f"/api/v1/tokens/{created['token_id']}").status_code == 204
    bearer(client, created["token"])
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and slug_of(response) == "token-invalid"
    # What anyone, a researcher too, can do next: not "the console", which is admin-only.
    detail = response.json()["detail"]
    assert "POST /api/v1/tokens" in detail and "POST /api/v1/session" in detail
    assert "console" not in detail


def test_a_read_token_cannot_write(client: TestClient[Any], seed: Seed, slug_of: SlugOf) -> None:
    staff = seed(lambda c: make_staff(c))
    bearer(
        client, seed(lambda c: make_token(c, staff, client.app.state.secret_key, scopes=("read",)))
    )
    assert client.get("/api/v1/tokens").status_code == 200
    response = client.post("/api/v1/tokens", json={"name": "x"})
    assert response.status_code == 403 and slug_of(response) == "forbidden"


def test_a_researcher_cannot_get_a_write_token(
    client: TestClient[Any], seed: Seed, sign_in: SignIn, slug_of: SlugOf
) -> None:
    staff = seed(lambda c: make_staff(c, role="researcher"))
    _, csrf = sign_in(staff)
    response = client.post(
        "/api/v1/tokens",
        json={"name": "x", "scopes": ["read", "write"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 403 and slug_of(response) == "forbidden"


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"name": "x", "scopes": ["admin"]}, {"name": "x", "expires_in_days": 366}],
    ids=["empty name", "unknown scope", "too long"],
)
def test_bad_token_requests_are_invalid_input(
    client: TestClient[Any], seed: Seed, slug_of: SlugOf, body: dict[str, Any]
) -> None:
    staff = seed(lambda c: make_staff(c))
    bearer(client, seed(lambda c: make_token(c, staff, client.app.state.secret_key)))
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 422 and slug_of(response) == "invalid-input"


def test_someone_elses_token_cannot_be_revoked_but_an_admin_can(
    client: TestClient[Any], seed: Seed, slug_of: SlugOf
) -> None:
    owner = seed(lambda c: make_staff(c, role="researcher"))
    other = seed(lambda c: make_staff(c, role="researcher"))
    admin = seed(lambda c: make_staff(c, role="admin"))
    key = client.app.state.secret_key
    bearer(client, seed(lambda c: make_token(c, owner, key)))
    token_id = client.get("/api/v1/tokens").json()[0]["token_id"]
    bearer(client, seed(lambda c: make_token(c, other, key)))
    response = client.delete(f"/api/v1/tokens/{token_id}")
    assert response.status_code == 404 and slug_of(response) == "token-not-found"
    bearer(client, seed(lambda c: make_token(c, admin, key)))
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 204


def test_a_researcher_signs_in_and_creates_a_token_as_docs_export_md_shows(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c, role="researcher"))
    doc = (Path(__file__).resolve().parents[2] / "docs" / "export.md").read_text()
    assert "X-CSRF-Token: $CSRF" in doc and '["csrf_token"]' in doc

    session = client.post(
        "/api/v1/session", json={"email": staff["email"], "password": staff["password"]}
    )
    refused = client.post("/api/v1/tokens", json={"name": "my analysis"})
    created = client.post(
        "/api/v1/tokens",
        json={"name": "my analysis", "expires_in_days": 90},
        headers={"X-CSRF-Token": session.json()["csrf_token"]},
    )

    assert refused.status_code == 403
    assert created.status_code == 201, created.text
    client.cookies.clear()
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + created.json()["token"]})
    assert me.json()["role"] == "researcher" and me.json()["scopes"] == ["read"]
