"""Who is asking: the principal every staff route works with."""

from __future__ import annotations

from typing import Literal

import msgspec

Role = Literal["admin", "leader", "researcher"]
ROLES: tuple[Role, ...] = ("admin", "leader", "researcher")


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    staff_id: int
    email: str
    role: Role
    # The root of what this person may see: None means the whole organisation.
    scope_unit_id: int | None
    scope_path: str | None
    via: Literal["session", "token"]
    # Token scopes; sessions carry every scope their role allows.
    scopes: frozenset[str] = frozenset()
    csrf_token: str | None = None

    def sees_path(self, path: str) -> bool:
        """True when the unit at `path` lies in this principal's subtree."""
        if self.scope_path is None:
            return True
        return path == self.scope_path or path.startswith(self.scope_path + "/")
