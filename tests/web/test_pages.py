from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from service.auth.guards import SESSION_COOKIE
from tests.factories import make_session, make_staff, make_tree

Seed = Callable[[Callable[[Any], Any]], Any]
HTML = {"Accept": "text/html,application/xhtml+xml"}
STAFF_HEADERS = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "x-frame-options": "DENY",
}


def sign_in_form(client: TestClient[Any], email: str, password: str, **headers: str) -> Any:
    return client.post(
        "/login",
        data={"email": email, "password": password},
        headers={**HTML, **headers},
        follow_redirects=False,
    )


def csrf_on(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def test_an_anonymous_visitor_is_sent_to_sign_in(client: TestClient[Any]) -> None:
    response = client.get("/", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_the_sign_in_page_has_labelled_fields_its_stylesheet_and_strict_headers(
    client: TestClient[Any],
) -> None:
    response = client.get("/login", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<label for="email">' in page and 'id="email"' in page
    assert '<label for="password">' in page and 'type="password"' in page
    assert 'href="/static/muster.css"' in page and "<script" not in page
    for name, value in STAFF_HEADERS.items():
        assert response.headers[name] == value
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    css = client.get("/static/muster.css")
    assert css.status_code == 200 and ":focus-visible" in css.text


def test_signing_in_with_the_form_sets_the_cookie_and_shows_who_is_signed_in(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c, role="admin"))
    response = sign_in_form(client, staff["email"], staff["password"])
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(SESSION_COOKIE.lower() + "=")
    for attribute in ("secure", "httponly", "samesite=strict", "path=/"):
        assert attribute in cookie
    assert "domain=" not in cookie
    home = client.get("/", headers=HTML)
    assert home.status_code == 200
    assert staff["email"] in home.text and "admin" in home.text
    assert 'action="/logout"' in home.text and csrf_on(home.text)
    for name, value in STAFF_HEADERS.items():
        assert home.headers[name] == value


def test_a_signed_in_visitor_skips_the_sign_in_page(client: TestClient[Any], seed: Seed) -> None:
    staff = seed(lambda c: make_staff(c))
    sign_in_form(client, staff["email"], staff["password"])
    response = client.get("/login", headers=HTML, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_a_wrong_password_shows_the_form_again_keeping_the_email(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c))
    response = sign_in_form(client, staff["email"], "not the password")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert f'value="{staff["email"]}"' in response.text
    assert 'role="alert"' in response.text and "Check the email and password" in response.text
    assert 'aria-invalid="true"' in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_empty_fields_are_named_beside_the_fields(client: TestClient[Any]) -> None:
    response = sign_in_form(client, "", "")
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'id="password-error"' in response.text
    assert 'aria-describedby="email-error"' in response.text


def test_an_account_past_its_free_failures_is_told_when_to_try_again(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c))
    for _ in range(client.app.state.settings.login_max_failures):
        assert sign_in_form(client, staff["email"], "wrong").status_code == 401
    response = sign_in_form(client, staff["email"], staff["password"])
    assert response.status_code == 429
    # Seconds, not a 15-minute lock (issue 12).
    assert re.search(r"Try again in (10|9) seconds", response.text)
    assert 0 < int(response.headers["retry-after"]) <= 10


def test_a_sign_in_posted_from_another_site_is_refused(client: TestClient[Any], seed: Seed) -> None:
    staff = seed(lambda c: make_staff(c))
    response = sign_in_form(
        client, staff["email"], staff["password"], Origin="https://evil.example"
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_signing_in_again_with_the_form_rotates_the_session(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c))
    old = sign_in_form(client, staff["email"], staff["password"]).cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, old)
    new = sign_in_form(client, staff["email"], staff["password"]).cookies[SESSION_COOKIE]
    assert new != old
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, old)
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_signing_out_needs_the_csrf_token_and_ends_the_session(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c))
    sign_in_form(client, staff["email"], staff["password"])
    session_id = client.cookies[SESSION_COOKIE]
    csrf = csrf_on(client.get("/", headers=HTML).text)

    refused = client.post("/logout", data={}, headers=HTML, follow_redirects=False)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "The form has expired" in refused.text

    response = client.post(
        "/logout", data={"csrf_token": csrf}, headers=HTML, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "max-age=0" in response.headers["set-cookie"].lower()
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, session_id)
    replay = client.get("/", headers=HTML, follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"] == "/login"


def test_signing_out_of_an_ended_session_goes_back_to_sign_in(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c))
    session_id, csrf = seed(lambda c: make_session(c, staff))
    seed(lambda c: c.execute("UPDATE staff_session SET revoked_at = now()"))
    client.cookies.set(SESSION_COOKIE, session_id)
    response = client.post(
        "/logout", data={"csrf_token": csrf}, headers=HTML, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", {"Department", "Battalion one", "Battalion two", "Station one-one"}),
        ("leader of battalion one", {"Department", "Battalion one", "Station one-one"}),
        ("leader of station two-one", {"Department", "Battalion two"}),
    ],
)
def test_the_landing_page_lists_only_programs_in_scope(
    client: TestClient[Any],
    seed: Seed,
    program_rows: Any,
    wave_rows: Any,
    who: str,
    expected: set[str],
) -> None:
    async def organisation(conn: Any) -> dict[str, Any]:
        root, b1, b2, s11, _s12, s21, _s22 = await make_tree(conn, (2, 2))
        programs = {
            "Department": await program_rows(conn, root, "Department"),
            "Battalion one": await program_rows(conn, b1, "Battalion one"),
            "Battalion two": await program_rows(conn, b2, "Battalion two"),
            "Station one-one": await program_rows(conn, s11, "Station one-one"),
        }
        await wave_rows(conn, programs["Department"], 1, "closed")
        await wave_rows(conn, programs["Department"], 2, "open")
        await wave_rows(conn, programs["Battalion two"], 1)
        units = {
            "admin": None,
            "leader of battalion one": b1,
            "leader of station two-one": s21,
        }
        unit = units[who]
        staff = await make_staff(conn, role="admin" if unit is None else "leader", unit=unit)
        return {"staff": staff}

    made = seed(organisation)
    sign_in_form(client, made["staff"]["email"], made["staff"]["password"])
    page = client.get("/", headers=HTML).text
    shown = set(re.findall(r'<h2 id="program-\d+">([^<]+)</h2>', page))
    assert shown == expected
    # The department's waves are listed under it, with their status.
    assert "status-closed" in page and "status-open" in page
    if "Battalion two" not in expected:
        assert "Battalion two" not in page


def test_the_landing_page_escapes_what_staff_typed(
    client: TestClient[Any], seed: Seed, program_rows: Any
) -> None:
    async def organisation(conn: Any) -> dict[str, Any]:
        (root,) = await make_tree(conn, ())
        await program_rows(conn, root, "<script>alert(1)</script>")
        return await make_staff(conn, role="admin")

    staff = seed(organisation)
    sign_in_form(client, staff["email"], staff["password"])
    page = client.get("/", headers=HTML).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_signed_in_person_without_programs_sees_a_plain_empty_state(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c, role="researcher"))
    sign_in_form(client, staff["email"], staff["password"])
    page = client.get("/", headers=HTML).text
    assert "No program covers your units yet." in page and "researcher" in page


def test_the_landing_page_never_names_units_above_a_leaders_scope(client: Any, seed: Any) -> None:
    from tests.factories import make_session, make_staff, make_unit, new_program

    async def make(conn: Any) -> tuple[str, str]:
        root = await make_unit(conn, slug="secret-department")
        battalion = await make_unit(conn, root, slug="battalion-9")
        await new_program(conn, root)
        leader = await make_staff(conn, role="leader", unit=battalion)
        session, _ = await make_session(conn, leader)
        return session, battalion["path"]

    session, _ = seed(make)
    client.cookies.set("__Host-muster_session", session)
    page = client.get("/")
    assert page.status_code == 200
    assert "battalion-9" in page.text
    assert "secret-department" not in page.text
