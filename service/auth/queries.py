"""SQL for staff, sessions and tokens."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from service.auth.principal import Language, Role
from service.auth.schemas import Staff, Token
from service.db import Conn
from service.db import to_struct as _to


class LoginRow(msgspec.Struct, frozen=True, kw_only=True):
    """What a login needs to know about an account; holds the password hash, so never sent."""

    staff_id: int
    email: str
    role: Role
    unit_id: int | None
    unit_path: str | None
    password_hash: str
    disabled: bool
    failed_logins: int
    first_failed_at: datetime | None
    locked_until: datetime | None
    language: Language | None


class SessionOwner(msgspec.Struct, frozen=True, kw_only=True):
    staff_id: int
    email: str
    role: Role
    unit_id: int | None
    unit_path: str | None


# --- principals (used by the guards on every request) -----------------------------------


async def fetch_session_principal(
    conn: Conn, session_hash: bytes, now: datetime
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        SELECT s.staff_id, s.email, s.role, s.unit_id, u.path AS unit_path, s.language,
               ss.csrf_token
        FROM staff_session ss
        JOIN staff s ON s.staff_id = ss.staff_id
        LEFT JOIN unit u ON u.unit_id = s.unit_id
        WHERE ss.session_hash = $1
          AND ss.revoked_at IS NULL
          AND ss.expires_at > $2
          AND s.disabled_at IS NULL
        """,
        session_hash,
        now,
    )


async def fetch_token_principal(
    conn: Conn, token_hash: bytes, now: datetime
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        UPDATE api_token t SET last_used_at = $2
        FROM staff s LEFT JOIN unit u ON u.unit_id = s.unit_id
        WHERE t.token_hash = $1
          AND s.staff_id = t.staff_id
          AND t.revoked_at IS NULL
          AND t.expires_at > $2
          AND s.disabled_at IS NULL
        RETURNING s.staff_id, s.email, s.role, s.unit_id, u.path AS unit_path, s.language,
                  t.scopes
        """,
        token_hash,
        now,
    )


# --- staff ------------------------------------------------------------------------------


async def fetch_staff(conn: Conn, staff_id: int) -> Staff | None:
    row = await conn.fetchrow(
        """
        SELECT s.staff_id, s.email, s.role, s.unit_id, u.path AS unit_path,
               s.disabled_at IS NOT NULL AS disabled, s.created_at
        FROM staff s LEFT JOIN unit u ON u.unit_id = s.unit_id
        WHERE s.staff_id = $1
        """,
        staff_id,
    )
    return None if row is None else _to(row, Staff)


async def fetch_staff_by_email(conn: Conn, email: str) -> Staff | None:
    row = await conn.fetchrow(
        """
        SELECT s.staff_id, s.email, s.role, s.unit_id, u.path AS unit_path,
               s.disabled_at IS NOT NULL AS disabled, s.created_at
        FROM staff s LEFT JOIN unit u ON u.unit_id = s.unit_id
        WHERE s.email = lower($1)
        """,
        email,
    )
    return None if row is None else _to(row, Staff)


async def list_staff(conn: Conn) -> list[Staff]:
    rows = await conn.fetch(
        """
        SELECT s.staff_id, s.email, s.role, s.unit_id, u.path AS unit_path,
               s.disabled_at IS NOT NULL AS disabled, s.created_at
        FROM staff s LEFT JOIN unit u ON u.unit_id = s.unit_id
        ORDER BY s.email
        """
    )
    return [_to(row, Staff) for row in rows]


_LOGIN = """
    SELECT s.staff_id, s.email, s.role, s.unit_id, u.path AS unit_path, s.password_hash,
           s.disabled_at IS NOT NULL AS disabled,
           s.failed_logins, s.first_failed_at, s.locked_until, s.language
    FROM staff s LEFT JOIN unit u ON u.unit_id = s.unit_id
    WHERE s.email = lower($1)
"""


async def fetch_login(conn: Conn, email: str) -> LoginRow | None:
    """The account behind `email`, unlocked: read before its password is checked."""
    row = await conn.fetchrow(_LOGIN, email)
    return None if row is None else _to(row, LoginRow)


async def fetch_login_for_update(conn: Conn, email: str) -> LoginRow | None:
    """The account behind `email`, locked so that concurrent logins count failures one by one."""
    row = await conn.fetchrow(_LOGIN + "FOR UPDATE OF s", email)
    return None if row is None else _to(row, LoginRow)


async def insert_staff(
    conn: Conn, email: str, password_hash: str, role: Role, unit_id: int | None
) -> int | None:
    """The new staff id, or None when the email is taken."""
    staff_id: int | None = await conn.fetchval(
        """
        INSERT INTO staff (email, password_hash, role, unit_id)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (email) DO NOTHING
        RETURNING staff_id
        """,
        email,
        password_hash,
        role,
        unit_id,
    )
    return staff_id


async def update_staff(
    conn: Conn, staff_id: int, role: Role, unit_id: int | None, disabled: bool
) -> None:
    await conn.execute(
        """
        UPDATE staff
        SET role = $2, unit_id = $3,
            disabled_at = CASE WHEN $4 THEN coalesce(disabled_at, now()) END
        WHERE staff_id = $1
        """,
        staff_id,
        role,
        unit_id,
        disabled,
    )


async def update_staff_password(conn: Conn, staff_id: int, password_hash: str) -> None:
    await conn.execute(
        "UPDATE staff SET password_hash = $2 WHERE staff_id = $1", staff_id, password_hash
    )


async def update_staff_language(conn: Conn, staff_id: int, language: str | None) -> bool:
    """True when the stored language changed."""
    result: str = await conn.execute(
        """
        UPDATE staff SET language = $2
        WHERE staff_id = $1 AND language IS DISTINCT FROM $2
        """,
        staff_id,
        language,
    )
    return result.endswith(" 1")


async def update_login_failures(
    conn: Conn,
    staff_id: int,
    failed_logins: int,
    first_failed_at: datetime | None,
    locked_until: datetime | None,
) -> None:
    await conn.execute(
        """
        UPDATE staff SET failed_logins = $2, first_failed_at = $3, locked_until = $4
        WHERE staff_id = $1
        """,
        staff_id,
        failed_logins,
        first_failed_at,
        locked_until,
    )


async def count_active_admins(conn: Conn) -> int:
    """Locks the rows it counts, so two demotions at once cannot both take the last admin."""
    count: int = await conn.fetchval(
        """
        SELECT count(*) FROM (
            SELECT staff_id FROM staff WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE
        ) AS admins
        """
    )
    return count


# --- sessions ---------------------------------------------------------------------------


async def insert_session(
    conn: Conn, session_hash: bytes, staff_id: int, csrf_token: str, expires_at: datetime
) -> None:
    await conn.execute(
        """
        INSERT INTO staff_session (session_hash, staff_id, csrf_token, expires_at)
        VALUES ($1, $2, $3, $4)
        """,
        session_hash,
        staff_id,
        csrf_token,
        expires_at,
    )


async def delete_dead_sessions(conn: Conn, staff_id: int, now: datetime) -> int:
    """Drop one person's expired and revoked sessions; the audit trail keeps the history."""
    result: str = await conn.execute(
        """
        DELETE FROM staff_session
        WHERE staff_id = $1 AND (revoked_at IS NOT NULL OR expires_at <= $2)
        """,
        staff_id,
        now,
    )
    return int(result.rsplit(" ", 1)[1])


async def update_session_revoked(conn: Conn, session_hash: bytes) -> SessionOwner | None:
    """Revoke one live session; its owner, or None when there was no live session."""
    row = await conn.fetchrow(
        """
        UPDATE staff_session ss SET revoked_at = now()
        FROM staff s LEFT JOIN unit u ON u.unit_id = s.unit_id
        WHERE ss.session_hash = $1 AND ss.revoked_at IS NULL AND s.staff_id = ss.staff_id
        RETURNING s.staff_id, s.email, s.role, s.unit_id, u.path AS unit_path
        """,
        session_hash,
    )
    return None if row is None else _to(row, SessionOwner)


async def update_sessions_revoked_for_staff(conn: Conn, staff_id: int) -> int:
    result: str = await conn.execute(
        """
        UPDATE staff_session SET revoked_at = now()
        WHERE staff_id = $1 AND revoked_at IS NULL
        """,
        staff_id,
    )
    return int(result.rsplit(" ", 1)[1])


# --- API tokens -------------------------------------------------------------------------


async def insert_token(
    conn: Conn,
    token_hash: bytes,
    staff_id: int,
    name: str,
    scopes: list[str],
    expires_at: datetime,
) -> Token:
    row = await conn.fetchrow(
        """
        INSERT INTO api_token (token_hash, staff_id, name, scopes, expires_at)
        VALUES ($1, $2, $3, $4, $5)
        RETURNING token_id, staff_id, name, scopes, created_at, expires_at, revoked_at, last_used_at
        """,
        token_hash,
        staff_id,
        name,
        scopes,
        expires_at,
    )
    assert row is not None  # noqa: S101 (INSERT ... RETURNING always returns the row)
    token: Token = _to(row, Token)
    return token


async def fetch_token(conn: Conn, token_id: int) -> Token | None:
    row = await conn.fetchrow(
        """
        SELECT token_id, staff_id, name, scopes, created_at, expires_at, revoked_at, last_used_at
        FROM api_token WHERE token_id = $1
        """,
        token_id,
    )
    return None if row is None else _to(row, Token)


async def list_tokens(conn: Conn, staff_id: int) -> list[Token]:
    rows = await conn.fetch(
        """
        SELECT token_id, staff_id, name, scopes, created_at, expires_at, revoked_at, last_used_at
        FROM api_token WHERE staff_id = $1
        ORDER BY created_at DESC, token_id DESC
        """,
        staff_id,
    )
    return [_to(row, Token) for row in rows]


async def update_token_revoked(conn: Conn, token_id: int) -> bool:
    """True when the token was live and is now revoked."""
    result: str = await conn.execute(
        "UPDATE api_token SET revoked_at = now() WHERE token_id = $1 AND revoked_at IS NULL",
        token_id,
    )
    return result.endswith(" 1")


async def update_tokens_revoked_for_staff(conn: Conn, staff_id: int) -> int:
    result: str = await conn.execute(
        "UPDATE api_token SET revoked_at = now() WHERE staff_id = $1 AND revoked_at IS NULL",
        staff_id,
    )
    return int(result.rsplit(" ", 1)[1])


async def update_tokens_drop_scope(conn: Conn, staff_id: int, scope: str) -> None:
    await conn.execute(
        """
        UPDATE api_token
        SET scopes = array_remove(scopes, $2),
            -- A token left with no scope at all is of no use; retire it.
            revoked_at = CASE WHEN scopes = ARRAY[$2] THEN coalesce(revoked_at, now())
                              ELSE revoked_at END
        WHERE staff_id = $1 AND $2 = ANY (scopes)
        """,
        staff_id,
        scope,
    )
