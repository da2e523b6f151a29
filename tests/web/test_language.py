"""The staff pages' language (issue 15): Accept-Language, the account's preference, the
language cookie set at sign-in, and the switch in every page's header."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from litestar.testing import TestClient

from service import i18n
from service.auth.guards import SESSION_COOKIE
from service.auth.principal import Language
from service.i18n import LANGUAGE_COOKIE
from tests.factories import audit_rows, make_session, make_staff
from tests.http import sign_in
from tests.web.test_pages import HTML, Seed, csrf_on, sign_in_form

FR = {**HTML, "Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}
EN = {**HTML, "Accept-Language": "en-GB,en;q=0.9"}


async def _set_language(conn: Any, staff: dict[str, Any], language: str | None) -> None:
    await conn.execute(
        "UPDATE staff SET language = $2 WHERE staff_id = $1", staff["staff_id"], language
    )


async def _language_of(conn: Any, staff_id: int) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT language FROM staff WHERE staff_id = $1", staff_id
    )
    return value


def _language_cookie(response: Any) -> str | None:
    """The Set-Cookie line of the language cookie, lower-cased; None when none is set."""
    for line in response.headers.get_list("set-cookie"):
        if line.lower().startswith(LANGUAGE_COOKIE.lower() + "="):
            return str(line).lower()
    return None


def _switch(client: TestClient[Any], data: dict[str, str], **headers: str) -> Any:
    """Press the header's language switch (a form post), without following the redirect."""
    return client.post("/language", data=data, headers={**HTML, **headers}, follow_redirects=False)


def test_the_account_languages_are_the_staff_pages_languages() -> None:
    assert get_args(Language) == i18n.LANGUAGES


async def test_the_database_takes_only_our_languages(conn: Any) -> None:
    import asyncpg

    staff = await make_staff(conn)
    for language in (*i18n.LANGUAGES, None):
        await _set_language(conn, staff, language)
        assert await _language_of(conn, staff["staff_id"]) == language
    with pytest.raises(asyncpg.CheckViolationError):
        await _set_language(conn, staff, "de")


def test_accept_language_fr_gives_a_french_sign_in_page(client: TestClient[Any]) -> None:
    page = client.get("/login", headers=FR)
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "Se connecter" in page.text and "Mot de passe" in page.text
    assert "Password" not in page.text
    # The switch offers the other language, in that language.
    assert 'name="language" value="en" lang="en">English</button>' in page.text
    assert _language_cookie(page) is None


def test_accept_language_en_keeps_the_sign_in_page_english(client: TestClient[Any]) -> None:
    page = client.get("/login", headers=EN)
    assert '<html lang="en">' in page.text
    assert "Password" in page.text and "Mot de passe" not in page.text
    assert 'value="fr" lang="fr">Français</button>' in page.text


def test_the_start_page_and_its_header_follow_accept_language(
    client: TestClient[Any], seed: Seed
) -> None:
    signed = sign_in(client, seed, "admin")
    page = client.get("/", headers=FR).text
    assert "Programmes et vagues" in page and "Se déconnecter" in page
    assert "administrateur" in page and "Tableau de bord" in page
    assert "Programs and waves" not in page and "Sign out" not in page
    english = client.get("/", headers=EN).text
    assert "Programs and waves" in english and "Programmes et vagues" not in english
    assert signed.staff["email"] in english


def test_sign_in_errors_are_in_the_page_language(client: TestClient[Any], seed: Seed) -> None:
    staff = seed(lambda c: make_staff(c))
    refused = sign_in_form(client, staff["email"], "wrong", **{"Accept-Language": "fr"})
    assert refused.status_code == 401
    assert "L&#39;adresse e-mail ou le mot de passe est incorrect" in refused.text
    assert "Vérifiez l&#39;adresse e-mail et le mot de passe" in refused.text
    assert "Check the email" not in refused.text
    empty = sign_in_form(client, "", "", **{"Accept-Language": "fr"})
    assert "Saisissez votre mot de passe." in empty.text


def test_the_error_page_shows_the_problem_title_in_the_page_language(
    client: TestClient[Any], seed: Seed
) -> None:
    sign_in(client, seed, "researcher")
    page = client.get("/console", headers=FR)
    assert page.status_code == 403
    assert "Votre rôle ne le permet pas" in page.text
    assert "Your role does not allow this" not in page.text
    # The detail too: which role is needed, and where this person's own pages are.
    assert "Il faut le rôle admin." in page.text and "/research" in page.text
    assert "This needs the role" not in page.text
    english = client.get("/console", headers=EN).text
    assert "Your role does not allow this" in english and "This needs the role admin." in english
    # A not-found page's detail, written where the problem is raised.
    sign_in(client, seed, "admin")
    missing = client.get("/console/programs/999999", headers=FR)
    assert missing.status_code == 404
    assert "Il n&#39;y a pas de programme 999999" in missing.text


def test_problem_documents_stay_english_whatever_the_language(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c))
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    response = client.post(
        "/api/v1/session",
        json={"email": staff["email"], "password": "wrong password!"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 401
    assert response.json()["title"] == "Email or password is wrong"
    assert response.json()["detail"] == "Check the email and password and try again."


def test_a_stored_preference_beats_accept_language(client: TestClient[Any], seed: Seed) -> None:
    signed = sign_in(client, seed, "admin")
    seed(lambda c: _set_language(c, signed.staff, "fr"))
    page = client.get("/", headers=EN).text
    assert '<html lang="fr">' in page and "Programmes et vagues" in page
    # And beats a cookie left from before (the choice was changed from another device).
    client.cookies.set(LANGUAGE_COOKIE, "en")
    assert "Programmes et vagues" in client.get("/", headers=EN).text


@pytest.mark.parametrize("via", ["page", "api"])
def test_signing_in_sets_the_language_cookie_of_the_account(
    client: TestClient[Any], seed: Seed, via: str
) -> None:
    staff = seed(lambda c: make_staff(c))
    seed(lambda c: _set_language(c, staff, "fr"))
    if via == "page":
        response = sign_in_form(client, staff["email"], staff["password"])
        assert response.status_code == 303
    else:
        body = {"email": staff["email"], "password": staff["password"]}
        response = client.post("/api/v1/session", json=body)
        assert response.status_code == 201 and response.json()["me"]["language"] == "fr"
    cookie = _language_cookie(response)
    assert cookie is not None and cookie.startswith(LANGUAGE_COOKIE.lower() + "=fr;")
    for attribute in ("path=/", "secure", "httponly", "samesite=lax", "max-age="):
        assert attribute in cookie
    assert "domain=" not in cookie
    client.cookies.delete(LANGUAGE_COOKIE)
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    assert "Programmes et vagues" in client.get("/", headers=HTML).text


def test_an_account_without_a_preference_gets_no_language_cookie(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c))
    response = sign_in_form(client, staff["email"], staff["password"])
    assert response.status_code == 303 and _language_cookie(response) is None


def test_signing_out_leaves_the_language_cookie(client: TestClient[Any], seed: Seed) -> None:
    signed = sign_in(client, seed, "admin")
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    response = signed.post("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert _language_cookie(response) is None
    assert "Mot de passe" in client.get("/login", headers=EN).text


def test_the_switch_signed_in_stores_the_choice_and_returns_to_the_page(
    client: TestClient[Any], seed: Seed
) -> None:
    signed = sign_in(client, seed, "leader")
    page = client.get("/?x=1", headers=EN).text
    assert 'name="next" value="/?x=1"' in page
    response = signed.post("/language", {"language": "fr", "next": "/?x=1"})
    assert response.status_code == 303 and response.headers["location"] == "/?x=1"
    assert (_language_cookie(response) or "").startswith(LANGUAGE_COOKIE.lower() + "=fr;")
    staff_id = signed.staff["staff_id"]
    assert seed(lambda c: _language_of(c, staff_id)) == "fr"
    rows = seed(lambda c: audit_rows(c, "staff.updated"))
    assert rows[-1]["staff_id"] == staff_id
    assert rows[-1]["subject"]["changed"] == {"language": "fr"}
    # Another browser, no cookie, English Accept-Language: the account's choice follows.
    client.cookies.delete(LANGUAGE_COOKIE)
    assert '<html lang="fr">' in client.get("/", headers=EN).text
    # Choosing the same language again changes nothing and audits nothing.
    signed.post("/language", {"language": "fr", "next": "/"})
    assert len(seed(lambda c: audit_rows(c, "staff.updated"))) == len(rows)


def test_the_switch_signed_in_needs_the_csrf_token(client: TestClient[Any], seed: Seed) -> None:
    signed = sign_in(client, seed, "admin")
    response = _switch(client, {"language": "fr", "next": "/"})
    assert response.status_code == 403 and _language_cookie(response) is None
    assert seed(lambda c: _language_of(c, signed.staff["staff_id"])) is None


def test_the_switch_on_the_sign_in_page_sets_the_cookie_only(client: TestClient[Any]) -> None:
    page = client.get("/login", headers=EN).text
    assert 'action="/language"' in page and 'name="next" value="/login"' in page
    assert 'name="csrf_token"' not in page
    response = _switch(client, {"language": "fr", "next": "/login"})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (_language_cookie(response) or "").startswith(LANGUAGE_COOKIE.lower() + "=fr;")
    assert "Mot de passe" in client.get("/login", headers=EN).text


def test_the_switch_refuses_another_site(client: TestClient[Any]) -> None:
    response = _switch(
        client, {"language": "fr", "next": "/login"}, **{"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403 and _language_cookie(response) is None


@pytest.mark.parametrize(
    "next_page", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "login", ""]
)
def test_the_switch_never_leaves_the_site(client: TestClient[Any], next_page: str) -> None:
    response = _switch(client, {"language": "fr", "next": next_page})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_the_switch_ignores_a_language_we_do_not_have(client: TestClient[Any]) -> None:
    response = _switch(client, {"language": "de", "next": "/login"})
    assert response.status_code == 303 and _language_cookie(response) is None


def test_the_switch_works_on_a_page_reached_with_a_session_made_at_sign_in(
    client: TestClient[Any], seed: Seed
) -> None:
    staff = seed(lambda c: make_staff(c))
    sign_in_form(client, staff["email"], staff["password"])
    home = client.get("/", headers=HTML).text
    response = _switch(client, {"language": "fr", "next": "/", "csrf_token": csrf_on(home)})
    assert response.status_code == 303
    assert seed(lambda c: _language_of(c, staff["staff_id"])) == "fr"


def test_a_session_from_the_factories_still_signs_in(client: TestClient[Any], seed: Seed) -> None:
    """The session cookie the fixtures set is unaffected by the language cookie's name."""
    staff = seed(lambda c: make_staff(c))
    session, _csrf = seed(lambda c: make_session(c, staff))
    client.cookies.set(SESSION_COOKIE, session)
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    assert "Se déconnecter" in client.get("/", headers=EN).text


def test_the_api_speaks_english_to_an_account_that_prefers_french(
    client: TestClient[Any], seed: Seed
) -> None:
    """A problem raised with a translated detail (an unknown token) stays English on the API,
    even for an account whose stored choice is French and a browser asking for French."""
    signed = sign_in(client, seed, "admin")
    seed(lambda c: _set_language(c, signed.staff, "fr"))
    assert '<html lang="fr">' in client.get("/", headers=EN).text
    response = client.delete(
        "/api/v1/tokens/999999",
        headers={"Accept-Language": "fr", "X-CSRF-Token": signed.csrf},
    )
    assert response.status_code == 404, response.text
    assert response.json()["detail"] == "You have no API token 999999."
