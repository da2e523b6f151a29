"""Wire shapes for staff accounts, sessions and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

import msgspec

from service.auth.principal import Language, Role

MIN_PASSWORD_LENGTH = 12
# Long enough for any passphrase, short enough that nobody makes the hasher chew megabytes.
MAX_PASSWORD_LENGTH = 1024
# No NUL: PostgreSQL text cannot hold it.
EMAIL_PATTERN = r"^[^@\s\x00]+@[^@\s\x00]+$"

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]
Password = Annotated[
    str, msgspec.Meta(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
]
# A unit named by its path (`county-fire/battalion-1`), its slug when unique, or its id.
UnitRef = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
Scope = Literal["read", "write"]


class StaffCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    # The unit rule of service.add_staff, for the OpenAPI document (service/openapi.py).
    openapi_rules: ClassVar[list[dict[str, Any]]] = [
        {
            "if": {"properties": {"role": {"const": "leader"}}},
            "then": {"required": ["unit"], "properties": {"unit": {"type": "string"}}},
        },
        {
            "if": {"properties": {"role": {"const": "admin"}}},
            "then": {"properties": {"unit": {"type": "null"}}},
        },
    ]

    email: Email
    role: Role
    # Required for leaders; optional for researchers; refused for admins (they see everything).
    unit: UnitRef | None = None
    # Left out: a password is generated and returned once.
    password: Password | None = None


class StaffUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    role: Role | msgspec.UnsetType = msgspec.UNSET
    # null removes the unit (not allowed for leaders).
    unit: UnitRef | msgspec.UnsetType | None = msgspec.UNSET
    disabled: bool | msgspec.UnsetType = msgspec.UNSET


class Staff(msgspec.Struct, frozen=True, kw_only=True):
    staff_id: int
    email: str
    role: Role
    unit_id: int | None
    unit_path: str | None
    disabled: bool
    created_at: datetime


class StaffCreated(Staff, frozen=True, kw_only=True):
    # The generated password, shown this once; null when the caller chose the password.
    password: str | None = None


class SessionCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    email: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class Me(msgspec.Struct, frozen=True, kw_only=True):
    staff_id: int
    email: str
    role: Role
    unit_id: int | None
    unit_path: str | None
    via: Literal["session", "token"]
    scopes: list[str]
    # Only for sessions: send it as `X-CSRF-Token` with every unsafe request.
    csrf_token: str | None = None
    # The staff pages' language this account chose; null: the browser's (Accept-Language).
    language: Language | None = None


class MeUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    # null: show the staff pages in the browser's language (Accept-Language).
    language: Language | None


class SessionCreated(msgspec.Struct, frozen=True, kw_only=True):
    me: Me
    csrf_token: str
    expires_at: datetime


class TokenCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    scopes: Annotated[list[Scope], msgspec.Meta(min_length=1, max_length=2)] = msgspec.field(
        default_factory=lambda: ["read"]
    )
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 90


class Token(msgspec.Struct, frozen=True, kw_only=True):
    token_id: int
    staff_id: int
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(Token, frozen=True, kw_only=True):
    # The token itself, shown this once: only a keyed hash of it is stored.
    token: str
