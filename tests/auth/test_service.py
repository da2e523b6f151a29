from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec
import pytest

from service import db
from service.auth import queries, service
from service.auth.schemas import StaffCreate, StaffUpdate, TokenCreate
from service.auth.secrets import hash_api_token, hash_session_id
from service.errors import (
    DuplicateStaff,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    LastAdmin,
    StaffNotFound,
    TokenNotFound,
    TooManyAttempts,
    UnitNotFound,
)
from tests.factories import make_staff, make_token, make_tree, make_unit, principal_for

KEY = b"test-secret-key"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def create(**fields: Any) -> StaffCreate:
    return msgspec.convert(fields, StaffCreate)


async def audit_actions(conn: Any) -> list[str]:
    return [r["action"] for r in await conn.fetch("SELECT action FROM audit ORDER BY entry_id")]


async def everything_stored(conn: Any) -> str:
    """Every row of the staff, session, token and audit tables as one text."""
    parts = []
    for table in ("staff", "staff_session", "api_token", "audit"):
        rows = await conn.fetch(f"SELECT t::text AS row FROM {table} t")
        parts += [r["row"] for r in rows]
    return "\n".join(parts)


# --- adding and changing accounts -------------------------------------------------------


async def test_a_new_password_is_hashed_with_argon2id(conn: Any) -> None:
    created = await service.add_staff(
        conn, None, create(email="a@example.org", role="admin", password="long enough pass")
    )
    stored = await conn.fetchval(
        "SELECT password_hash FROM staff WHERE staff_id = $1", created.staff_id
    )
    assert stored.startswith("$argon2id$")
    assert "long enough pass" not in await everything_stored(conn)
    assert created.password is None


async def test_a_generated_password_is_returned_once_and_signs_in(
    conn: Any, policy: service.LoginPolicy
) -> None:
    created = await service.add_staff(conn, None, create(email="b@example.org", role="admin"))
    assert created.password is not None and len(created.password) >= 12
    assert created.password not in await everything_stored(conn)
    listed = await service.list_staff(conn, None)
    assert "password" not in msgspec.json.encode(listed).decode()
    _, _, principal = await service.login(conn, "b@example.org", created.password, T0, policy)
    assert principal.staff_id == created.staff_id


async def test_email_is_stored_in_lower_case_and_duplicates_are_refused(conn: Any) -> None:
    await service.add_staff(conn, None, create(email="Chief@Example.org", role="admin"))
    assert await queries.fetch_staff_by_email(conn, "chief@example.org") is not None
    with pytest.raises(DuplicateStaff):
        await service.add_staff(conn, None, create(email="CHIEF@example.org", role="researcher"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "c@example.org", "role": "admin", "password": "too short"}, "password"),
        ({"email": "c@example.org", "role": "leader"}, "unit"),
        ({"email": "not-an-email", "role": "admin"}, "email"),
    ],
    ids=["short password", "leader without unit", "bad email"],
)
async def test_invalid_accounts_are_refused_naming_the_field(
    conn: Any, fields: dict[str, Any], field: str
) -> None:
    # Built without msgspec's checks, as the command line might, so the service must check.
    data = StaffCreate(**fields)
    with pytest.raises(InvalidInput) as caught:
        await service.add_staff(conn, None, data)
    assert caught.value.errors is not None
    assert [e.field for e in caught.value.errors] == [field]


async def test_an_admin_cannot_be_scoped_to_a_unit(conn: Any) -> None:
    unit = await make_unit(conn)
    with pytest.raises(InvalidInput):
        await service.add_staff(
            conn, None, create(email="d@example.org", role="admin", unit=unit["path"])
        )


async def test_a_leader_unit_can_be_named_by_path_unique_slug_or_id(conn: Any) -> None:
    _root, child, *_ = await make_tree(conn, (1,))
    refs = [child["path"], child["slug"], str(child["unit_id"])]
    for i, ref in enumerate(refs):
        created = await service.add_staff(
            conn, None, create(email=f"lead{i}@example.org", role="leader", unit=ref)
        )
        assert (created.unit_id, created.unit_path) == (child["unit_id"], child["path"])


async def test_an_unknown_unit_is_a_unit_not_found(conn: Any) -> None:
    with pytest.raises(UnitNotFound):
        await service.add_staff(
            conn, None, create(email="e@example.org", role="leader", unit="no/such/unit")
        )


@pytest.mark.parametrize("role", ["leader", "researcher"])
async def test_only_admins_manage_staff(conn: Any, role: str) -> None:
    unit = await make_unit(conn)
    actor = principal_for(await make_staff(conn, role=role, unit=unit))  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        await service.add_staff(conn, actor, create(email="f@example.org", role="admin"))
    with pytest.raises(Forbidden):
        await service.list_staff(conn, actor)
    with pytest.raises(Forbidden):
        await service.update_staff(conn, actor, actor.staff_id, StaffUpdate(role="admin"))


async def test_changes_leave_audit_rows_without_secrets(conn: Any) -> None:
    admin = principal_for(await make_staff(conn, role="admin"))
    created = await service.add_staff(conn, admin, create(email="g@example.org", role="admin"))
    await service.update_staff(conn, admin, created.staff_id, StaffUpdate(role="researcher"))
    await service.set_password(conn, admin, created.staff_id, "a brand new password")
    token = await service.create_token(conn, admin, TokenCreate(name="export"), T0, KEY)
    await service.revoke_token(conn, admin, token.token_id)
    assert await audit_actions(conn) == [
        "staff.added",
        "staff.updated",
        "staff.updated",
        "token.created",
        "token.revoked",
    ]
    audit = "\n".join(r["s"] for r in await conn.fetch("SELECT subject::text AS s FROM audit"))
    assert created.password is not None
    for secret in (created.password, "a brand new password", token.token):
        assert secret not in audit


async def test_updating_a_missing_account_is_staff_not_found(conn: Any) -> None:
    with pytest.raises(StaffNotFound):
        await service.update_staff(conn, None, 987654321, StaffUpdate(disabled=True))


async def test_the_last_admin_cannot_be_demoted_or_disabled(conn: Any) -> None:
    admin = await make_staff(conn, role="admin")
    for change in (StaffUpdate(role="researcher"), StaffUpdate(disabled=True)):
        with pytest.raises(LastAdmin):
            await service.update_staff(conn, None, admin["staff_id"], change)
    other = await make_staff(conn, role="admin")
    updated = await service.update_staff(conn, None, other["staff_id"], StaffUpdate(disabled=True))
    assert updated.disabled


async def test_becoming_a_leader_needs_a_unit_and_becoming_admin_drops_it(conn: Any) -> None:
    unit = await make_unit(conn)
    await make_staff(conn, role="admin")
    researcher = await make_staff(conn, role="researcher")
    with pytest.raises(InvalidInput):
        await service.update_staff(conn, None, researcher["staff_id"], StaffUpdate(role="leader"))
    leader = await service.update_staff(
        conn, None, researcher["staff_id"], StaffUpdate(role="leader", unit=unit["path"])
    )
    assert (leader.role, leader.unit_path) == ("leader", unit["path"])
    admin = await service.update_staff(conn, None, leader.staff_id, StaffUpdate(role="admin"))
    assert (admin.role, admin.unit_id) == ("admin", None)


async def test_becoming_a_researcher_takes_write_off_existing_tokens(conn: Any) -> None:
    await make_staff(conn, role="admin")
    leader_unit = await make_unit(conn)
    leader = await make_staff(conn, role="leader", unit=leader_unit)
    both = await make_token(conn, leader, KEY, scopes=("read", "write"))
    write_only = await make_token(conn, leader, KEY, scopes=("write",))
    await service.update_staff(conn, None, leader["staff_id"], StaffUpdate(role="researcher"))
    row = await queries.fetch_token_principal(conn, hash_api_token(KEY, both), T0)
    assert row is not None and list(row["scopes"]) == ["read"]
    assert await queries.fetch_token_principal(conn, hash_api_token(KEY, write_only), T0) is None


async def test_disabling_ends_sessions_and_tokens_for_good(
    conn: Any, policy: service.LoginPolicy
) -> None:
    await make_staff(conn, role="admin")
    staff = await make_staff(conn, role="researcher")
    session_id, _, _ = await service.login(conn, staff["email"], staff["password"], T0, policy)
    token = await make_token(conn, staff, KEY, scopes=("read",))
    now = datetime.now(UTC)
    await service.update_staff(conn, None, staff["staff_id"], StaffUpdate(disabled=True))
    assert await queries.fetch_session_principal(conn, hash_session_id(session_id), T0) is None
    assert await queries.fetch_token_principal(conn, hash_api_token(KEY, token), now) is None
    with pytest.raises(InvalidCredentials):
        await service.login(conn, staff["email"], staff["password"], T0, policy)
    # Enabling the account again does not bring the old credentials back.
    await service.update_staff(conn, None, staff["staff_id"], StaffUpdate(disabled=False))
    assert await queries.fetch_session_principal(conn, hash_session_id(session_id), T0) is None
    assert await queries.fetch_token_principal(conn, hash_api_token(KEY, token), now) is None


async def test_set_password_signs_out_everywhere_and_lifts_a_lockout(
    conn: Any, policy: service.LoginPolicy
) -> None:
    staff = await make_staff(conn, role="researcher")
    session_id, _, _ = await service.login(conn, staff["email"], staff["password"], T0, policy)
    for _ in range(policy.max_failures):
        with pytest.raises(InvalidCredentials):
            await service.login(conn, staff["email"], "wrong password!", T0, policy)
    await service.set_password(conn, None, staff["staff_id"], "a fresh password here")
    assert await queries.fetch_session_principal(conn, hash_session_id(session_id), T0) is None
    await service.login(conn, staff["email"], "a fresh password here", T0, policy)


async def test_set_password_is_only_for_admins_or_oneself(conn: Any) -> None:
    one = await make_staff(conn, role="researcher")
    other = await make_staff(conn, role="researcher")
    with pytest.raises(Forbidden):
        await service.set_password(conn, principal_for(one), other["staff_id"], "x" * 12)
    await service.set_password(conn, principal_for(one), one["staff_id"], "x" * 12)
    with pytest.raises(InvalidInput):
        await service.set_password(conn, principal_for(one), one["staff_id"], "x" * 11)


# --- signing in -------------------------------------------------------------------------


async def test_login_rehashes_a_password_hashed_with_old_parameters(
    conn: Any, policy: service.LoginPolicy
) -> None:
    staff = await make_staff(conn)  # hashed with cheap test parameters
    before = await conn.fetchval(
        "SELECT password_hash FROM staff WHERE staff_id = $1", staff["staff_id"]
    )
    await service.login(conn, staff["email"], staff["password"], T0, policy)
    after = await conn.fetchval(
        "SELECT password_hash FROM staff WHERE staff_id = $1", staff["staff_id"]
    )
    assert before != after
    assert after.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


class HashWatch:
    """service._verify, watched: how many checks run at once, and whether another
    connection could lock the account's row while one of them ran."""

    def __init__(self, url: str, staff_id: int) -> None:
        self.url, self.staff_id = url, staff_id
        self.running = self.most = 0
        self.locked_out: list[bool] = []
        self.verify = service._verify

    async def __call__(self, stored: str, password: str) -> bool:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            # KEY SHARE: refused while a sign-in holds the row FOR UPDATE, but not by the
            # other checks' probes.
            probe = await db.connect(self.url)
            try:
                async with probe.transaction():
                    await probe.execute(
                        "SELECT 1 FROM staff WHERE staff_id = $1 FOR KEY SHARE NOWAIT",
                        self.staff_id,
                    )
                self.locked_out.append(False)
            except asyncpg.LockNotAvailableError:
                self.locked_out.append(True)
            finally:
                await probe.close()
            # Long enough for the other sign-in to reach its own check meanwhile.
            await asyncio.sleep(0.3)
            return await self.verify(stored, password)
        finally:
            self.running -= 1


async def _committed_staff(url: str) -> dict[str, Any]:
    connection = await db.connect(url)
    try:
        return await make_staff(connection)
    finally:
        await connection.close()


async def _sign_in_at_once(
    url: str, email: str, passwords: list[str], policy: service.LoginPolicy
) -> list[Any]:
    """Each password signs in on its own connection, all at the same time."""
    connections = [await db.connect(url) for _ in passwords]
    try:
        return await asyncio.gather(
            *(
                service.login(c, email, p, T0, policy)
                for c, p in zip(connections, passwords, strict=True)
            ),
            return_exceptions=True,
        )
    finally:
        for connection in connections:
            await connection.close()


async def test_two_sign_ins_at_once_check_their_passwords_at_once_and_both_succeed(
    database_url: str, policy: service.LoginPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No row lock is held across argon2id: another transaction can lock the account while
    a password is checked, and a second sign-in's check does not wait for the first's."""
    staff = await _committed_staff(database_url)
    watch = HashWatch(database_url, staff["staff_id"])
    monkeypatch.setattr(service, "_verify", watch)
    results = await _sign_in_at_once(database_url, staff["email"], [staff["password"]] * 2, policy)
    assert all(isinstance(r, tuple) for r in results), results
    assert results[0][0] != results[1][0]  # two sessions
    assert watch.most == 2
    assert watch.locked_out and not any(watch.locked_out)


async def test_wrong_passwords_at_once_are_each_counted(
    database_url: str, policy: service.LoginPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = await _committed_staff(database_url)
    watch = HashWatch(database_url, staff["staff_id"])
    monkeypatch.setattr(service, "_verify", watch)
    results = await _sign_in_at_once(
        database_url, staff["email"], ["wrong"] * policy.max_failures, policy
    )
    assert all(isinstance(r, InvalidCredentials) for r in results), results
    assert watch.most == policy.max_failures
    connection = await db.connect(database_url)
    try:
        row = await connection.fetchrow(
            "SELECT failed_logins, locked_until FROM staff WHERE staff_id = $1", staff["staff_id"]
        )
        assert row["failed_logins"] == policy.max_failures
        assert row["locked_until"] == T0 + policy.delay(policy.max_failures)
        # The account now waits, even for the right password.
        with pytest.raises(TooManyAttempts):
            await service.login(connection, staff["email"], staff["password"], T0, policy)
    finally:
        await connection.close()


async def test_every_login_opens_a_new_session_and_revokes_the_one_presented(
    conn: Any, policy: service.LoginPolicy
) -> None:
    staff = await make_staff(conn)
    first, csrf1, _ = await service.login(conn, staff["email"], staff["password"], T0, policy)
    second, csrf2, principal = await service.login(
        conn, staff["email"], staff["password"], T0, policy, replaces=first
    )
    assert first != second and csrf1 != csrf2
    assert principal.csrf_token == csrf2 and principal.via == "session"
    assert await queries.fetch_session_principal(conn, hash_session_id(first), T0) is None
    assert await queries.fetch_session_principal(conn, hash_session_id(second), T0) is not None
    assert "session.login" in await audit_actions(conn)


async def test_a_session_expires_after_its_lifetime(conn: Any, policy: service.LoginPolicy) -> None:
    staff = await make_staff(conn)
    session_id, _, _ = await service.login(conn, staff["email"], staff["password"], T0, policy)
    later = T0 + policy.session_lifetime
    assert await queries.fetch_session_principal(conn, hash_session_id(session_id), later) is None


async def test_unknown_email_and_wrong_password_give_the_same_problem(
    conn: Any, policy: service.LoginPolicy
) -> None:
    staff = await make_staff(conn)
    problems = []
    for email, password in ((staff["email"], "not the password"), ("nobody@example.org", "x")):
        with pytest.raises(InvalidCredentials) as caught:
            await service.login(conn, email, password, T0, policy)
        problems.append(caught.value.to_problem())
    assert problems[0] == problems[1]


async def test_past_the_free_failures_each_attempt_waits_a_growing_but_bounded_delay(
    conn: Any, policy: service.LoginPolicy
) -> None:
    # Issue 12 replaced the 15-minute lock (which anyone could impose) with these delays.
    staff = await make_staff(conn)
    at, waits = T0, []
    for failures in range(1, policy.max_failures + 7):
        with pytest.raises(InvalidCredentials):
            await service.login(conn, staff["email"], "wrong", at, policy)
        delay = policy.delay(failures)
        if delay:
            with pytest.raises(TooManyAttempts) as caught:
                # Even the right password is refused while the account waits.
                await service.login(conn, staff["email"], staff["password"], at, policy)
            waits.append(caught.value.extra["retry_after"])
        at += delay
    assert waits == [10, 20, 40, 60, 60, 60, 60]
    await service.login(conn, staff["email"], staff["password"], at, policy)


async def test_a_stranger_cannot_keep_the_sole_admin_out_for_more_than_the_longest_delay(
    conn: Any, policy: service.LoginPolicy
) -> None:
    admin = await make_staff(conn, role="admin")
    at = T0
    for _ in range(60):  # as fast as the delays allow, for an hour
        with pytest.raises(InvalidCredentials):
            await service.login(conn, admin["email"], "guess", at, policy)
        at += policy.delay(policy.max_failures + 60)
    with pytest.raises(TooManyAttempts) as caught:
        await service.login(
            conn, admin["email"], admin["password"], at - timedelta(seconds=1), policy
        )
    assert caught.value.extra["retry_after"] <= policy.max_delay.total_seconds()
    await service.login(conn, admin["email"], admin["password"], at, policy)


async def test_an_unknown_email_is_answered_and_slowed_exactly_like_an_account(
    conn: Any, policy: service.LoginPolicy
) -> None:
    staff = await make_staff(conn)
    unknown = service.UnknownEmails()
    answers: dict[str, list[Any]] = {}
    for email in (staff["email"], "nobody.here@example.org"):
        at, seen = T0, []
        for failures in range(1, policy.max_failures + 4):
            for _ in range(2):  # a guess, then another one straight away
                try:
                    await service.login(conn, email, "wrong", at, policy, unknown=unknown)
                except (InvalidCredentials, TooManyAttempts) as exc:
                    seen.append(exc.to_problem())
            at += policy.delay(failures)
        answers[email] = seen
    assert answers[staff["email"]] == answers["nobody.here@example.org"]
    assert any(problem.status == 429 for problem in answers[staff["email"]])


async def test_password_hashing_runs_a_bounded_number_at_once_and_refuses_past_its_queue() -> None:
    hashing = service.PasswordHashing(threads=2, queue=5)
    running, most = 0, 0
    lock = threading.Lock()
    release = threading.Event()

    def work() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        release.wait(10)
        with lock:
            running -= 1

    async def sign_in() -> None:
        with hashing.reserve():
            await hashing.run(work)

    tasks = [asyncio.create_task(sign_in()) for _ in range(5)]
    await asyncio.sleep(0.2)
    with pytest.raises(TooManyAttempts) as caught, hashing.reserve():
        pass
    assert caught.value.extra["retry_after"] > 0
    release.set()
    await asyncio.gather(*tasks)
    assert most == 2
    with hashing.reserve():  # room again
        pass


async def test_the_command_line_sets_a_new_password_for_an_admin_and_lifts_the_delays(
    conn: Any, policy: service.LoginPolicy
) -> None:
    admin = await make_staff(conn, role="admin")
    for _ in range(policy.max_failures):
        with pytest.raises(InvalidCredentials):
            await service.login(conn, admin["email"], "wrong", T0, policy)
    generated = await service.reset_password(conn, None, admin["email"].upper())
    assert generated is not None and generated not in await everything_stored(conn)
    await service.login(conn, admin["email"], generated, T0, policy)
    with pytest.raises(StaffNotFound):
        await service.reset_password(conn, None, "nobody@example.org")
    researcher = principal_for(await make_staff(conn, role="researcher"))
    with pytest.raises(Forbidden):
        await service.reset_password(conn, researcher, admin["email"], "x" * 12)


async def test_failures_older_than_the_window_do_not_count(
    conn: Any, policy: service.LoginPolicy
) -> None:
    staff = await make_staff(conn)
    times = [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=20), T0 + timedelta(minutes=21)]
    for at in times:
        with pytest.raises(InvalidCredentials):
            await service.login(conn, staff["email"], "wrong", at, policy)
    await service.login(conn, staff["email"], staff["password"], times[-1], policy)


async def test_a_successful_login_resets_the_failure_count(
    conn: Any, policy: service.LoginPolicy
) -> None:
    staff = await make_staff(conn)
    for _ in range(2):
        for _ in range(policy.max_failures - 1):
            with pytest.raises(InvalidCredentials):
                await service.login(conn, staff["email"], "wrong", T0, policy)
        await service.login(conn, staff["email"], staff["password"], T0, policy)


async def test_the_lockout_is_per_account(conn: Any, policy: service.LoginPolicy) -> None:
    locked, other = await make_staff(conn), await make_staff(conn)
    for _ in range(policy.max_failures):
        with pytest.raises(InvalidCredentials):
            await service.login(conn, locked["email"], "wrong", T0, policy)
    await service.login(conn, other["email"], other["password"], T0, policy)


async def test_logout_revokes_the_session_on_the_server(
    conn: Any, policy: service.LoginPolicy
) -> None:
    staff = await make_staff(conn)
    session_id, _, _ = await service.login(conn, staff["email"], staff["password"], T0, policy)
    assert await service.logout(conn, session_id)
    assert await queries.fetch_session_principal(conn, hash_session_id(session_id), T0) is None
    assert not await service.logout(conn, session_id)
    assert (await audit_actions(conn))[-1] == "session.logout"


# --- API tokens -------------------------------------------------------------------------


async def test_a_token_is_shown_once_and_stored_only_as_a_keyed_hash(conn: Any) -> None:
    staff = await make_staff(conn, role="admin")
    created = await service.create_token(
        conn, principal_for(staff), TokenCreate(name="nightly", scopes=["read"]), T0, KEY
    )
    assert created.token.startswith("mst_")
    assert created.token not in await everything_stored(conn)
    assert created.expires_at == T0 + timedelta(days=90)
    stored = await conn.fetchval(
        "SELECT token_hash FROM api_token WHERE token_id = $1", created.token_id
    )
    assert stored == hash_api_token(KEY, created.token)
    listed = await service.list_tokens(conn, principal_for(staff))
    assert [t.token_id for t in listed] == [created.token_id]
    assert created.token not in msgspec.json.encode(listed).decode()


async def test_a_researcher_cannot_get_a_write_token(conn: Any) -> None:
    researcher = principal_for(await make_staff(conn, role="researcher"))
    with pytest.raises(Forbidden):
        await service.create_token(
            conn, researcher, TokenCreate(name="x", scopes=["read", "write"]), T0, KEY
        )
    created = await service.create_token(conn, researcher, TokenCreate(name="x"), T0, KEY)
    assert created.scopes == ["read"]


async def test_a_token_cannot_create_a_token_with_more_scopes(conn: Any) -> None:
    staff = await make_staff(conn, role="admin")
    via_token = msgspec.structs.replace(
        principal_for(staff, via="token"), scopes=frozenset({"read"})
    )
    with pytest.raises(Forbidden):
        await service.create_token(
            conn, via_token, TokenCreate(name="x", scopes=["write"]), T0, KEY
        )


async def test_revoking_is_for_the_owner_or_an_admin(conn: Any) -> None:
    owner = principal_for(await make_staff(conn, role="researcher"))
    stranger = principal_for(await make_staff(conn, role="researcher"))
    admin = principal_for(await make_staff(conn, role="admin"))
    first = await service.create_token(conn, owner, TokenCreate(name="a"), T0, KEY)
    second = await service.create_token(conn, owner, TokenCreate(name="b"), T0, KEY)
    with pytest.raises(TokenNotFound):
        await service.revoke_token(conn, stranger, first.token_id)
    await service.revoke_token(conn, owner, first.token_id)
    await service.revoke_token(conn, admin, second.token_id)
    await service.revoke_token(conn, owner, second.token_id)  # twice is harmless
    listed = await service.list_tokens(conn, owner)
    assert all(t.revoked_at is not None for t in listed)
    assert (await audit_actions(conn)).count("token.revoked") == 2
    with pytest.raises(TokenNotFound):
        await service.revoke_token(conn, owner, 987654321)
