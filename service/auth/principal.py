"""Who is asking: the principal every staff route works with."""

from __future__ import annotations

from typing import Literal

import msgspec

Role = Literal["admin", "leader", "researcher"]
ROLES: tuple[Role, ...] = ("admin", "leader", "researcher")
# service.i18n.LANGUAGES, spelled out for the OpenAPI document (a test keeps them equal).
Language = Literal["en", "fr"]


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    staff_id: int
    email: str
    role: Role
    # The root of what this person may see: None means the whole organisation. What that
    # lets them see is decided in service.scope.rules, and nowhere else.
    scope_unit_id: int | None
    scope_path: str | None
    via: Literal["session", "token"]
    # Token scopes; sessions carry every scope their role allows.
    scopes: frozenset[str] = frozenset()
    csrf_token: str | None = None
    # The staff pages' language the account chose (service.i18n.LANGUAGES); None: the browser's.
    language: Language | None = None
