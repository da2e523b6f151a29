"""HTTP routes of this capability."""

from __future__ import annotations

from typing import Any

routes: list[Any] = []
