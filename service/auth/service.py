"""Staff accounts, sign-in, sessions and API tokens.

Passwords are hashed with argon2id in a small pool of threads of their own, so a sign-in
never stalls the event loop and a flood of sign-ins cannot take more than those threads'
cores. Sign-in failures are counted in the staff row, so the delays hold across service
instances. No stranger can lock an account: past a few failures each further attempt waits
a delay that grows to at most `LoginPolicy.max_delay`, after which the right password works.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any, NoReturn

import msgspec

from service.audit.service import insert_audit
from service.auth import queries
from service.auth.hashing import BUSY as BUSY
from service.auth.hashing import HASHING as HASHING
from service.auth.hashing import PasswordHashing as PasswordHashing
from service.auth.principal import ROLES, Principal, Role
from service.auth.schemas import (
    EMAIL_PATTERN,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    Staff,
    StaffCreate,
    StaffCreated,
    StaffUpdate,
    Token,
    TokenCreate,
    TokenCreated,
)
from service.auth.secrets import (
    dummy_password_hash,
    generate_password,
    hash_api_token,
    hash_password,
    hash_session_id,
    needs_rehash,
    new_api_token,
    new_csrf_token,
    new_session_id,
    verify_password,
)
from service.config import Settings
from service.db import Conn
from service.errors import (
    DomainError,
    DuplicateStaff,
    FieldError,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    LastAdmin,
    StaffNotFound,
    TokenNotFound,
    TooManyAttempts,
    UnitNotFound,
)
from service.i18n import LANGUAGES, N_, gettext, ngettext
from service.scope.queries import UnitRef
from service.scope.service import resolve_unit

# Marked N_: the sign-in page shows these in its own language (service/web/pages.py).
WRONG_CREDENTIALS = N_("Check the email and password and try again.")
TOKEN_SCOPES = ("read", "write")
# What each role may put on a token: researchers only read.
ROLE_SCOPES: dict[Role, frozenset[str]] = {
    "admin": frozenset(TOKEN_SCOPES),
    "leader": frozenset(TOKEN_SCOPES),
    "researcher": frozenset({"read"}),
}


class LoginPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How sign-in failures slow an account down, and how long a session lasts.

    The first `max_failures` failures are answered at once. After each further one, the
    account answers nothing but "try again in N seconds" until the delay has passed: 10 s,
    then twice as long each time, at most `max_delay`. A series of failures counts for
    `window` from its first; after that the count starts again. Whoever guesses gets a
    few tries a minute; the owner waits at most `max_delay` for the right password to
    work, whatever a stranger did.
    """

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    first_delay: timedelta = timedelta(seconds=10)
    max_delay: timedelta = timedelta(seconds=60)
    session_lifetime: timedelta = timedelta(hours=12)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(
            max_failures=settings.login_max_failures,
            window=timedelta(minutes=settings.login_window_minutes),
            max_delay=timedelta(seconds=settings.login_max_delay_seconds),
            session_lifetime=timedelta(hours=settings.session_hours),
        )

    def delay(self, failures: int) -> timedelta:
        """How long an account waits after its `failures`-th failure in a row."""
        if failures < self.max_failures:
            return timedelta(0)
        doublings = min(failures - self.max_failures, 16)
        grown: timedelta = self.first_delay * (1 << doublings)
        return min(grown, self.max_delay)


class _Failures(msgspec.Struct):
    count: int
    first: datetime
    not_before: datetime | None


class UnknownEmails:
    """Failure counts for emails that have no account, in this process's memory, so that
    they are slowed down exactly like an account: the answer never tells whether an email
    has an account. Keyed by a hash of the email; the oldest are forgotten past `size`."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._seen: OrderedDict[bytes, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(email: str) -> bytes:
        return hashlib.sha256(email.strip().lower().encode()).digest()

    def get(self, email: str) -> _Failures | None:
        with self._lock:
            return self._seen.get(self._key(email))

    def put(self, email: str, failures: _Failures) -> None:
        key = self._key(email)
        with self._lock:
            self._seen[key] = failures
            self._seen.move_to_end(key)
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)


# --- helpers ----------------------------------------------------------------------------


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        "Correct the fields listed under `errors` and send the request again.",
        errors=[FieldError(field=field, message=message)],
    )


def _require_admin(actor: Principal | None) -> None:
    # None is the operator at the command line, who may do anything.
    if actor is not None and actor.role != "admin":
        raise Forbidden("Only administrators manage staff accounts.")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise _invalid("password", f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise _invalid("password", f"Use at most {MAX_PASSWORD_LENGTH} characters.")


def _normal_email(email: str) -> str:
    normal = email.strip().lower()
    if len(normal) > 254 or not re.fullmatch(EMAIL_PATTERN, normal):
        raise _invalid("email", "Give an email address such as name@example.org.")
    return normal


async def _unit_for(conn: Conn, role: Role, ref: str | None) -> UnitRef | None:
    if role == "leader" and not ref:
        raise _invalid("unit", "A leader needs a unit: the root of the subtree they may see.")
    if role == "admin" and ref:
        raise _invalid("unit", "Administrators see the whole organisation; leave the unit out.")
    if not ref:
        return None
    try:
        return await resolve_unit(conn, None, ref)
    except UnitNotFound:
        raise UnitNotFound(f"No unit has the path, slug or id {ref!r}.") from None


async def _hash(password: str) -> str:
    return await HASHING.run(hash_password, password)


async def _verify(stored: str, password: str) -> bool:
    return await HASHING.run(verify_password, stored, password)


# --- staff accounts ---------------------------------------------------------------------


async def add_staff(conn: Conn, actor: Principal | None, data: StaffCreate) -> StaffCreated:
    """Create an account; when no password is given, one is generated and returned once."""
    _require_admin(actor)
    if data.role not in ROLES:
        raise _invalid("role", "Use admin, leader or researcher.")
    email = _normal_email(data.email)
    unit = await _unit_for(conn, data.role, data.unit)
    generated = None
    if data.password is None:
        generated = generate_password()
    else:
        _check_password(data.password)
    staff_id = await queries.insert_staff(
        conn,
        email,
        await _hash(generated or data.password or ""),
        data.role,
        unit.unit_id if unit else None,
    )
    if staff_id is None:
        raise DuplicateStaff(f"{email} already has an account; update that one instead.")
    await insert_audit(
        conn,
        actor,
        "staff.added",
        {
            "staff_id": staff_id,
            "email": email,
            "role": data.role,
            "unit_id": unit.unit_id if unit else None,
        },
    )
    staff = await _staff(conn, staff_id)
    return StaffCreated(**msgspec.structs.asdict(staff), password=generated)


async def _staff(conn: Conn, staff_id: int) -> Staff:
    staff = await queries.fetch_staff(conn, staff_id)
    if staff is None:
        raise StaffNotFound(f"There is no staff account {staff_id}.")
    return staff


async def list_staff(conn: Conn, actor: Principal | None) -> list[Staff]:
    _require_admin(actor)
    return await queries.list_staff(conn)


async def set_password(conn: Conn, actor: Principal | None, staff_id: int, password: str) -> None:
    """Replace a password (an admin for anyone, everyone for themselves); signs out everywhere."""
    if actor is not None and actor.role != "admin" and actor.staff_id != staff_id:
        raise Forbidden("You can change only your own password.")
    _check_password(password)
    await _staff(conn, staff_id)
    await queries.update_staff_password(conn, staff_id, await _hash(password))
    # A new password also lifts a lockout and ends every session opened with the old one.
    await queries.update_login_failures(conn, staff_id, 0, None, None)
    await queries.update_sessions_revoked_for_staff(conn, staff_id)
    await insert_audit(
        conn, actor, "staff.updated", {"staff_id": staff_id, "changed": ["password"]}
    )


async def reset_password(
    conn: Conn, actor: Principal | None, email: str, password: str | None = None
) -> str | None:
    """Set a new password for the account of `email` (generated when none is given, and
    then returned once); lifts the sign-in delays and signs it out everywhere."""
    _require_admin(actor)
    row = await queries.fetch_login_for_update(conn, email.strip())
    if row is None:
        raise StaffNotFound(f"No staff account has the email {email.strip()!r}.")
    generated = generate_password() if password is None else None
    await set_password(conn, actor, row.staff_id, generated or password or "")
    return generated


async def update_staff(
    conn: Conn, actor: Principal | None, staff_id: int, data: StaffUpdate
) -> Staff:
    """Change role, unit or disabled state. Disabling ends the account's sessions and tokens."""
    _require_admin(actor)
    current = await _staff(conn, staff_id)
    role: Role = current.role if data.role is msgspec.UNSET else data.role
    if role not in ROLES:
        raise _invalid("role", "Use admin, leader or researcher.")
    if data.unit is not msgspec.UNSET:
        unit = await _unit_for(conn, role, data.unit)
        unit_id = unit.unit_id if unit else None
    elif role == "admin":
        # Becoming an admin drops the unit: admins see the whole organisation.
        unit_id = None
    else:
        unit_id = current.unit_id
        if role == "leader" and unit_id is None:
            raise _invalid("unit", "A leader needs a unit: the root of the subtree they may see.")
    disabled = current.disabled if data.disabled is msgspec.UNSET else data.disabled

    was_admin = current.role == "admin" and not current.disabled
    if was_admin and (role != "admin" or disabled) and await queries.count_active_admins(conn) <= 1:
        raise LastAdmin("Make another account an administrator first.")

    changes: dict[str, Any] = {}
    if role != current.role:
        changes["role"] = role
    if unit_id != current.unit_id:
        changes["unit_id"] = unit_id
    if disabled != current.disabled:
        changes["disabled"] = disabled
    if not changes:
        return current

    await queries.update_staff(conn, staff_id, role, unit_id, disabled)
    if disabled and not current.disabled:
        # Re-enabling later must not bring old credentials back to life.
        await queries.update_sessions_revoked_for_staff(conn, staff_id)
        await queries.update_tokens_revoked_for_staff(conn, staff_id)
    for scope in ROLE_SCOPES[current.role] - ROLE_SCOPES[role]:
        await queries.update_tokens_drop_scope(conn, staff_id, scope)
    await insert_audit(conn, actor, "staff.updated", {"staff_id": staff_id, "changed": changes})
    return await _staff(conn, staff_id)


async def set_language(conn: Conn, actor: Principal, language: str | None) -> Principal:
    """Store the actor's own language for the staff pages (None: follow the browser)."""
    if language is not None and language not in LANGUAGES:
        raise _invalid("language", f"Use one of {', '.join(LANGUAGES)}, or null.")
    if await queries.update_staff_language(conn, actor.staff_id, language):
        changes = {"language": language}
        await insert_audit(
            conn, actor, "staff.updated", {"staff_id": actor.staff_id, "changed": changes}
        )
    return msgspec.structs.replace(actor, language=language)


# --- sessions ---------------------------------------------------------------------------


async def login(
    conn: Conn,
    email: str,
    password: str,
    now: datetime,
    policy: LoginPolicy,
    *,
    replaces: str | None = None,
    unknown: UnknownEmails | None = None,
) -> tuple[str, str, Principal]:
    """Check the password and open a new session: (session id, CSRF token, principal).

    Every success opens a session with a new id and revokes `replaces`, the session the
    request came with. Failures are counted in the staff row; call this on a connection
    without an open transaction, so the count is committed although the call raises.
    An unknown email, a wrong password and a disabled account give the same answer, cost
    the same argon2id computation, and (with `unknown`, the app's) are slowed alike.

    The password is checked (and rehashed when needed) before any row is locked: argon2id
    takes most of a second, and an account's sign-ins must not queue behind each other for
    it. Only then does a short transaction lock the account and apply the rules to its row
    as it is at that moment, so concurrent attempts are decided as if one after the other:
    each wrong password is counted, and one that finds the account locked waits.
    """
    with HASHING.reserve():
        # A password changed between the read and the lock (a rehash by a concurrent
        # sign-in, most often) was checked against the old hash: check it again.
        for _ in range(3):
            read = await queries.fetch_login(conn, email.strip())
            if read is None:
                await _unknown_email(email, password, now, policy, unknown)
            if read.locked_until is not None and read.locked_until > now:
                raise _wait(read.locked_until, now)
            right = await _verify(read.password_hash, password)
            rehashed = await _hash(password) if right and needs_rehash(read.password_hash) else None
            async with conn.transaction():
                row = await queries.fetch_login_for_update(conn, email.strip())
                if row is not None and row.password_hash != read.password_hash:
                    continue
                outcome = await _decide(conn, row, right, rehashed, now, policy, replaces)
            if isinstance(outcome, DomainError):
                raise outcome
            return outcome
    raise InvalidCredentials(WRONG_CREDENTIALS)


async def _unknown_email(
    email: str, password: str, now: datetime, policy: LoginPolicy, unknown: UnknownEmails | None
) -> NoReturn:
    """Answer an email without an account as a wrong password: same work, same delays."""
    seen = unknown.get(email) if unknown is not None else None
    if seen is not None and seen.not_before is not None and seen.not_before > now:
        raise _wait(seen.not_before, now)
    await _verify(dummy_password_hash(), password)
    if unknown is not None:
        unknown.put(email, _next_failures(seen, now, policy))
    raise InvalidCredentials(WRONG_CREDENTIALS)


async def _decide(
    conn: Conn,
    row: queries.LoginRow | None,
    right: bool,
    rehashed: str | None,
    now: datetime,
    policy: LoginPolicy,
    replaces: str | None,
) -> tuple[str, str, Principal] | DomainError:
    """The rules on the locked row, the password already checked against its hash: a
    failure to raise once the transaction has committed (its count with it), or a session."""
    if row is None:
        return InvalidCredentials(WRONG_CREDENTIALS)
    if row.locked_until is not None and row.locked_until > now:
        return _wait(row.locked_until, now)
    if not right:
        await _count_failure(conn, row, now, policy)
        return InvalidCredentials(WRONG_CREDENTIALS)
    if row.disabled:
        return InvalidCredentials(WRONG_CREDENTIALS)
    return await _open_session(conn, row, rehashed, now, policy, replaces)


def _wait(until: datetime, now: datetime) -> TooManyAttempts:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    # In the request's language: the sign-in page shows it as it is; the API's is English.
    return TooManyAttempts(
        ngettext(
            "Too many failed sign-ins for this account. Try again in %(num)s second; if you "
            "forgot the password, ask an administrator to set a new one (muster staff "
            "password EMAIL).",
            "Too many failed sign-ins for this account. Try again in %(num)s seconds; if you "
            "forgot the password, ask an administrator to set a new one (muster staff "
            "password EMAIL).",
            seconds,
        ),
        retry_after=seconds,
        headers={"Retry-After": str(seconds)},
    )


def _next_failures(seen: _Failures | None, now: datetime, policy: LoginPolicy) -> _Failures:
    """The failure count after one more failure now; older than the window starts again."""
    if seen is None or seen.first <= now - policy.window:
        count, first = 1, now
    else:
        count, first = seen.count + 1, seen.first
    delay = policy.delay(count)
    return _Failures(count=count, first=first, not_before=now + delay if delay else None)


async def _count_failure(
    conn: Conn, row: queries.LoginRow, now: datetime, policy: LoginPolicy
) -> None:
    seen = None
    if row.first_failed_at is not None:
        seen = _Failures(row.failed_logins, row.first_failed_at, row.locked_until)
    after = _next_failures(seen, now, policy)
    await queries.update_login_failures(
        conn, row.staff_id, after.count, after.first, after.not_before
    )


async def _open_session(
    conn: Conn,
    row: queries.LoginRow,
    rehashed: str | None,
    now: datetime,
    policy: LoginPolicy,
    replaces: str | None,
) -> tuple[str, str, Principal]:
    if rehashed is not None:
        await queries.update_staff_password(conn, row.staff_id, rehashed)
    if row.failed_logins or row.first_failed_at or row.locked_until:
        await queries.update_login_failures(conn, row.staff_id, 0, None, None)
    if replaces:
        await queries.update_session_revoked(conn, hash_session_id(replaces))
    await queries.delete_dead_sessions(conn, row.staff_id, now)
    session_id, csrf_token = new_session_id(), new_csrf_token()
    await queries.insert_session(
        conn, hash_session_id(session_id), row.staff_id, csrf_token, now + policy.session_lifetime
    )
    principal = Principal(
        staff_id=row.staff_id,
        email=row.email,
        role=row.role,
        scope_unit_id=row.unit_id,
        scope_path=row.unit_path,
        via="session",
        scopes=ROLE_SCOPES[row.role],
        csrf_token=csrf_token,
        language=row.language,
    )
    await insert_audit(conn, principal, "session.login", {"staff_id": row.staff_id})
    return session_id, csrf_token, principal


async def logout(conn: Conn, session_id: str) -> bool:
    """Revoke the session server-side; False when it was not a live session."""
    owner = await queries.update_session_revoked(conn, hash_session_id(session_id))
    if owner is None:
        return False
    actor = Principal(
        staff_id=owner.staff_id,
        email=owner.email,
        role=owner.role,
        scope_unit_id=owner.unit_id,
        scope_path=owner.unit_path,
        via="session",
    )
    await insert_audit(conn, actor, "session.logout", {"staff_id": owner.staff_id})
    return True


# --- API tokens -------------------------------------------------------------------------


async def create_token(
    conn: Conn, actor: Principal, data: TokenCreate, now: datetime, key: bytes
) -> TokenCreated:
    """A new token for the actor; the token itself is in the result and stored only hashed."""
    scopes: list[str] = sorted(set(data.scopes))
    unknown = [s for s in scopes if s not in TOKEN_SCOPES]
    if unknown or not scopes:
        raise _invalid("scopes", "Use one or both of read and write.")
    if not set(scopes) <= ROLE_SCOPES[actor.role]:
        raise Forbidden(f"A {actor.role} may only have tokens with the scope read.")
    if actor.via == "token" and not set(scopes) <= actor.scopes:
        raise Forbidden("A token cannot create a token with more scopes than it has itself.")
    if not 1 <= data.expires_in_days <= 365:
        raise _invalid("expires_in_days", "Use a number of days from 1 to 365.")
    name = data.name.strip()
    if not 1 <= len(name) <= 100:
        raise _invalid("name", "Give the token a name of 1 to 100 characters.")
    secret = new_api_token()
    token = await queries.insert_token(
        conn,
        hash_api_token(key, secret),
        actor.staff_id,
        name,
        scopes,
        now + timedelta(days=data.expires_in_days),
    )
    await insert_audit(
        conn,
        actor,
        "token.created",
        {
            "token_id": token.token_id,
            "name": token.name,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return TokenCreated(**msgspec.structs.asdict(token), token=secret)


async def list_tokens(conn: Conn, actor: Principal) -> list[Token]:
    """The actor's own tokens, newest first, revoked and expired ones included."""
    return await queries.list_tokens(conn, actor.staff_id)


async def fetch_own_token(conn: Conn, actor: Principal | None, token_id: int) -> Token:
    """One of the actor's tokens (administrators: anyone's)."""
    token = await queries.fetch_token(conn, token_id)
    mine = token is not None and (
        actor is None or actor.role == "admin" or token.staff_id == actor.staff_id
    )
    if token is None or not mine:
        # Someone else's token looks exactly like a missing one.
        raise TokenNotFound(gettext("You have no API token %(id)s.", id=token_id))
    return token


async def revoke_token(conn: Conn, actor: Principal | None, token_id: int) -> None:
    """Revoke one of the actor's tokens (administrators: anyone's). Revoking twice is harmless."""
    token = await fetch_own_token(conn, actor, token_id)
    if await queries.update_token_revoked(conn, token_id):
        await insert_audit(
            conn, actor, "token.revoked", {"token_id": token_id, "staff_id": token.staff_id}
        )
