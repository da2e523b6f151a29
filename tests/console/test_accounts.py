"""Staff accounts and API tokens from the console: secrets are shown once, destructive
changes ask first."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.factories import make_staff, make_token, make_unit
from tests.http import Seed, Signed


def test_an_invited_leader_gets_a_password_shown_once(admin: Signed, seed: Seed) -> None:
    unit = seed(lambda conn: make_unit(conn, slug="station-7"))
    page = admin.post(
        "/console/staff", {"email": "Chief@Example.org", "role": "leader", "unit": unit["path"]}
    )
    assert page.status_code == 200, page.text
    assert "shown this once" in page.text
    password = page.text.split('<code class="secret-value">')[1].split("</code>")[0]
    assert len(password) >= 12
    listing = admin.get("/console/staff")
    assert "chief@example.org" in listing.text
    assert password not in listing.text


def test_a_leader_without_a_unit_is_refused_beside_the_unit_field(
    admin: Signed, seed: Seed
) -> None:
    page = admin.post("/console/staff", {"email": "chief@example.org", "role": "leader"})
    assert page.status_code == 422
    assert 'id="f-unit-error"' in page.text
    assert 'value="chief@example.org"' in page.text
    assert 'value="leader" checked' in page.text
    assert seed(lambda conn: conn.fetchval("SELECT count(*) FROM staff")) == 1


def test_a_bad_email_and_a_duplicate_are_shown_beside_the_email(admin: Signed) -> None:
    bad = admin.post("/console/staff", {"email": "not an email", "role": "researcher"})
    assert bad.status_code == 422 and 'id="f-email-error"' in bad.text
    twice = admin.post("/console/staff", {"email": admin.staff["email"], "role": "researcher"})
    assert twice.status_code == 422 and 'id="f-email-error"' in twice.text
    assert "already has an account" in twice.text


def test_role_and_scope_change_and_disabling_asks_first(admin: Signed, seed: Seed) -> None:
    unit = seed(lambda conn: make_unit(conn))
    other = seed(lambda conn: make_staff(conn, role="researcher"))
    changed = admin.post(
        f"/console/staff/{other['staff_id']}", {"role": "leader", "unit": unit["path"]}
    )
    assert changed.status_code == 303
    row = seed(lambda conn: conn.fetchrow("SELECT role, unit_id, disabled_at FROM staff "
                                          "WHERE staff_id = $1", other["staff_id"]))  # fmt: skip
    assert (row["role"], row["unit_id"]) == ("leader", unit["unit_id"])

    unconfirmed = admin.post(f"/console/staff/{other['staff_id']}/disable")
    assert unconfirmed.status_code == 422 and 'id="f-confirm-error"' in unconfirmed.text
    disabled = admin.post(f"/console/staff/{other['staff_id']}/disable", {"confirm": "yes"})
    assert disabled.status_code == 303
    assert seed(lambda conn: conn.fetchval("SELECT disabled_at IS NOT NULL FROM staff "
                                           "WHERE staff_id = $1", other["staff_id"]))  # fmt: skip
    enabled = admin.post(f"/console/staff/{other['staff_id']}/enable")
    assert enabled.status_code == 303


def test_the_last_administrator_cannot_disable_themselves(admin: Signed) -> None:
    page = admin.post(f"/console/staff/{admin.staff['staff_id']}/disable", {"confirm": "yes"})
    assert page.status_code == 409
    assert "Make another account an administrator first." in page.text


def test_a_new_password_is_shown_once_and_works(
    admin: Signed, seed: Seed, client: TestClient[Any]
) -> None:
    other = seed(lambda conn: make_staff(conn, role="researcher"))
    page = admin.post(f"/console/staff/{other['staff_id']}/password", {"confirm_password": "yes"})
    assert page.status_code == 200
    password = page.text.split('<code class="secret-value">')[1].split("</code>")[0]
    client.cookies.clear()
    signed_in = client.post("/api/v1/session", json={"email": other["email"], "password": password})
    assert signed_in.status_code == 201


def test_a_token_is_shown_once_works_and_is_revoked_after_confirmation(
    admin: Signed, client: TestClient[Any]
) -> None:
    page = admin.post(
        "/console/tokens", {"name": "nightly export", "scopes": ["read"], "expires_in_days": "30"}
    )
    assert page.status_code == 200, page.text
    token = page.text.split('<code class="secret-value">')[1].split("</code>")[0]
    listing = admin.get("/console/tokens")
    assert "nightly export" in listing.text
    assert token not in listing.text
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + token})
    assert me.status_code == 200

    token_id = int(listing.text.split('href="/console/tokens/')[1].split("/")[0])
    unconfirmed = admin.post(f"/console/tokens/{token_id}/revoke")
    assert unconfirmed.status_code == 422
    revoked = admin.post(f"/console/tokens/{token_id}/revoke", {"confirm": "yes"})
    assert revoked.status_code == 303
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + token})
    assert me.status_code == 401


def test_a_token_form_with_errors_keeps_what_was_typed(admin: Signed) -> None:
    page = admin.post("/console/tokens", {"name": "export", "expires_in_days": "999"})
    assert page.status_code == 422
    assert 'id="f-scopes-error"' in page.text and 'id="f-expires_in_days-error"' in page.text
    assert 'value="export"' in page.text and 'value="999"' in page.text


def test_an_admin_revokes_another_accounts_token_in_the_console_as_in_the_api(
    admin: Signed, client: TestClient[Any], seed: Seed
) -> None:
    """Whose token an actor may see and revoke is auth's one rule (administrators: anyone's),
    for the console as for the API."""
    key = client.app.state.secret_key

    async def theirs(conn: Any) -> tuple[str, int]:
        leader = await make_staff(conn, role="leader", unit=await make_unit(conn))
        token = await make_token(conn, leader, key)
        token_id: int = await conn.fetchval(
            "SELECT token_id FROM api_token WHERE staff_id = $1", leader["staff_id"]
        )
        return token, token_id

    token, token_id = seed(theirs)
    confirm = admin.get(f"/console/tokens/{token_id}/revoke")
    assert confirm.status_code == 200, confirm.text
    revoked = admin.post(f"/console/tokens/{token_id}/revoke", {"confirm": "yes"})
    assert revoked.status_code == 303
    assert admin.get("/console/tokens/999999/revoke").status_code == 404
    client.cookies.clear()
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + token})
    assert me.status_code == 401
