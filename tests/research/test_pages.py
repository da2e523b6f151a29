"""The researcher's page: their own API tokens (create, see, revoke) and the exports,
without JavaScript; the coordinator's token page stays for administrators."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from litestar.testing import TestClient

from service.auth.guards import SESSION_COOKIE
from tests.factories import make_session, make_staff, make_token, released_history
from tests.http import HTML, Seed, Signed, sign_in


def _secret(page: Any) -> str:
    return str(page.text.split('<code class="secret-value">')[1].split("</code>")[0])


def _audit(seed: Seed, staff_id: int) -> list[tuple[str, int]]:
    rows = seed(lambda conn: conn.fetch(
        "SELECT action, (subject->>'token_id')::bigint AS token_id FROM audit "
        "WHERE staff_id = $1 AND action LIKE 'token.%' ORDER BY entry_id", staff_id))  # fmt: skip
    return [(row["action"], row["token_id"]) for row in rows]


def test_a_researcher_creates_sees_uses_and_revokes_a_token(
    client: TestClient[Any], seed: Seed
) -> None:
    researcher = sign_in(client, seed, "researcher")
    empty = researcher.get("/research")
    assert empty.status_code == 200 and "You have no tokens." in empty.text
    assert "the whole organisation" in empty.text

    created = researcher.post(
        "/research/tokens", {"name": "nightly export", "expires_in_days": "30"}
    )
    assert created.status_code == 200, created.text
    assert "shown this once" in created.text
    secret = _secret(created)
    [token] = seed(lambda conn: conn.fetch(
        "SELECT token_id, scopes, expires_at - created_at AS life FROM api_token "
        "WHERE staff_id = $1", researcher.staff["staff_id"]))  # fmt: skip
    assert token["scopes"] == ["read"] and token["life"].days == 30

    listing = researcher.get("/research")
    assert "nightly export" in listing.text and "active" in listing.text
    assert secret not in listing.text
    assert f"/research/tokens/{token['token_id']}/revoke" in listing.text

    # The token reads the API as its researcher, and cannot write.
    cookies = dict(client.cookies)
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=bearer).json()["role"] == "researcher"
    assert client.post("/api/v1/tokens", json={"name": "x"}, headers=bearer).status_code == 403
    client.cookies.update(cookies)

    confirm = researcher.get(f"/research/tokens/{token['token_id']}/revoke")
    assert confirm.status_code == 200 and "nightly export" in confirm.text
    unconfirmed = researcher.post(f"/research/tokens/{token['token_id']}/revoke")
    assert unconfirmed.status_code == 422 and 'id="f-confirm-error"' in unconfirmed.text
    done = researcher.post(f"/research/tokens/{token['token_id']}/revoke", {"confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"] == "/research?done=token-revoked"
    after = researcher.get(done.headers["location"])
    assert "The token was revoked" in after.text and "revoked" in after.text

    client.cookies.clear()
    refused = client.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert "/research" in refused.json()["detail"]  # what a researcher can do next

    assert _audit(seed, researcher.staff["staff_id"]) == [
        ("token.created", token["token_id"]),
        ("token.revoked", token["token_id"]),
    ]


def test_the_form_keeps_what_was_typed_and_says_what_to_fix(
    client: TestClient[Any], seed: Seed
) -> None:
    researcher = sign_in(client, seed, "researcher")
    page = researcher.post("/research/tokens", {"name": "", "expires_in_days": "400"})
    assert page.status_code == 422
    assert 'id="f-name-error"' in page.text and 'id="f-expires_in_days-error"' in page.text
    assert 'value="400"' in page.text
    assert 'class="error-summary"' in page.text
    count = "SELECT count(*) FROM api_token WHERE staff_id = $1"
    assert seed(lambda conn: conn.fetchval(count, researcher.staff["staff_id"])) == 0


def test_a_token_never_gets_more_than_its_researcher_may(
    client: TestClient[Any], seed: Seed
) -> None:
    researcher = sign_in(client, seed, "researcher")
    forged = researcher.post(
        "/research/tokens", {"name": "wide", "expires_in_days": "30", "scopes": "write"}
    )
    assert forged.status_code == 422
    assert 'id="f-scopes-error"' in forged.text and "scope read" in forged.text
    count = "SELECT count(*) FROM api_token WHERE staff_id = $1"
    assert seed(lambda conn: conn.fetchval(count, researcher.staff["staff_id"])) == 0


def test_a_researcher_sees_and_revokes_only_their_own_tokens(
    client: TestClient[Any], seed: Seed
) -> None:
    key = client.app.state.secret_key

    async def other_token(conn: Any) -> int:
        other = await make_staff(conn, role="researcher")
        await make_token(conn, other, key, scopes=("read",))
        return int(await conn.fetchval("SELECT max(token_id) FROM api_token"))

    theirs = seed(other_token)
    researcher = sign_in(client, seed, "researcher")
    assert f"/research/tokens/{theirs}/revoke" not in researcher.get("/research").text
    assert researcher.get(f"/research/tokens/{theirs}/revoke").status_code == 404
    post = researcher.post(f"/research/tokens/{theirs}/revoke", {"confirm": "yes"})
    assert post.status_code == 404
    revoked = "SELECT revoked_at FROM api_token WHERE token_id = $1"
    assert seed(lambda conn: conn.fetchval(revoked, theirs)) is None


def test_the_exports_are_listed_and_download_for_the_researchers_scope(
    client: TestClient[Any], seed: Seed
) -> None:
    history = seed(lambda conn: released_history(conn, waves_count=1))
    branch = history["units"][1]

    async def scoped(conn: Any) -> dict[str, Any]:
        return await make_staff(conn, role="researcher", unit=branch)

    staff = seed(scoped)
    session, csrf = seed(lambda conn: make_session(conn, staff))
    client.cookies.set(SESSION_COOKIE, session)
    researcher = Signed(client, staff, csrf)
    page = researcher.get("/research")
    assert page.status_code == 200
    assert branch["path"] in page.text
    program = history["program_id"]
    wave = history["wave_ids"][0]
    csv_link = f"/api/v1/releases.csv?program={program}&amp;wave={wave}"
    assert csv_link in page.text
    assert f"/api/v1/releases.parquet?program={program}" in page.text

    download = client.get(csv_link.replace("&amp;", "&"), headers=HTML)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    frame = pd.read_csv(io.BytesIO(download.content))
    assert len(frame) > 0
    inside = frame["unit_path"].map(
        lambda p: p == branch["path"] or p.startswith(branch["path"] + "/")
    )
    assert inside.all()


def test_without_released_waves_the_page_says_so(client: TestClient[Any], seed: Seed) -> None:
    researcher = sign_in(client, seed, "researcher")
    assert "No program covers your units yet." in researcher.get("/research").text


def test_the_console_token_page_stays_for_administrators(
    client: TestClient[Any], seed: Seed
) -> None:
    researcher = sign_in(client, seed, "researcher")
    for path in ("/console/tokens", "/console/tokens/1/revoke"):
        page = researcher.get(path)
        assert page.status_code == 403, path
        # The refusal says where a researcher's own tokens are.
        assert "/research" in page.text and "needs the role admin" in page.text
    posted = researcher.post("/console/tokens", {"name": "x", "scopes": "read"})
    assert posted.status_code == 403
    count = "SELECT count(*) FROM api_token WHERE staff_id = $1"
    assert seed(lambda conn: conn.fetchval(count, researcher.staff["staff_id"])) == 0
    # The menu offers the researcher their page, not the console.
    home = researcher.get("/")
    assert 'href="/research"' in home.text and 'href="/console"' not in home.text


def test_other_roles_are_refused_the_researcher_page(client: TestClient[Any], seed: Seed) -> None:
    for role in ("admin", "leader"):
        client.cookies.clear()
        signed: Signed = sign_in(client, seed, role)
        page = signed.get("/research")
        assert page.status_code == 403
        assert "needs the role researcher" in page.text
