from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from service.auth import queries
from service.auth.secrets import hash_session_id
from tests.factories import make_session, make_staff


async def test_staff_is_found_by_email_in_any_case(conn: Any) -> None:
    staff = await make_staff(conn, email="mixed@example.org")
    found = await queries.fetch_staff_by_email(conn, "MiXeD@Example.org")
    assert found is not None and found.staff_id == staff["staff_id"]
    login = await queries.fetch_login_for_update(conn, "MIXED@example.org")
    assert login is not None and login.password_hash.startswith("$argon2id$")


async def test_inserting_a_taken_email_returns_none(conn: Any) -> None:
    await make_staff(conn, email="taken@example.org")
    assert await queries.insert_staff(conn, "taken@example.org", "x", "admin", None) is None


async def test_revoking_all_sessions_of_one_person_leaves_others_alone(conn: Any) -> None:
    one, other = await make_staff(conn), await make_staff(conn)
    first, _ = await make_session(conn, one)
    second, _ = await make_session(conn, one)
    kept, _ = await make_session(conn, other)
    assert await queries.update_sessions_revoked_for_staff(conn, one["staff_id"]) == 2
    now = datetime.now(UTC)
    for session_id, alive in ((first, False), (second, False), (kept, True)):
        row = await queries.fetch_session_principal(conn, hash_session_id(session_id), now)
        assert (row is not None) is alive


async def test_an_expired_session_is_not_a_principal(conn: Any) -> None:
    staff = await make_staff(conn)
    session_id, _ = await make_session(conn, staff)
    later = datetime.now(UTC) + timedelta(hours=2)
    assert await queries.fetch_session_principal(conn, hash_session_id(session_id), later) is None


async def test_dead_sessions_of_one_person_are_deleted_and_live_ones_kept(conn: Any) -> None:
    staff, other = await make_staff(conn), await make_staff(conn)
    live, _ = await make_session(conn, staff)
    revoked, _ = await make_session(conn, staff)
    others_revoked, _ = await make_session(conn, other)
    await queries.update_session_revoked(conn, hash_session_id(revoked))
    await queries.update_session_revoked(conn, hash_session_id(others_revoked))
    now = datetime.now(UTC)
    assert await queries.delete_dead_sessions(conn, staff["staff_id"], now) == 1
    assert await queries.fetch_session_principal(conn, hash_session_id(live), now) is not None
    remaining = await conn.fetchval(
        "SELECT count(*) FROM staff_session WHERE staff_id = $1", other["staff_id"]
    )
    assert remaining == 1
    later = now + timedelta(hours=2)
    assert await queries.delete_dead_sessions(conn, staff["staff_id"], later) == 1
