"""Wire structs for units: the unit itself, what creates, changes and moves one, import reports."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

import msgspec

from service.db import MAX_ID
from service.scope.rules import SLUG_PATTERN, is_slug

# No control characters: they break CSV exports, printed cards and the terminal.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"
NAME_RE = re.compile(r"[^\x00-\x1f\x7f]{1,200}")
MAX_HEADCOUNT = 1_000_000

Slug = Annotated[
    str,
    msgspec.Meta(
        pattern=SLUG_PATTERN,
        description="Lowercase letters, digits and '-', 1–64 characters; unique among siblings.",
        examples=["station-7"],
    ),
]
Name = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=200, pattern=NAME_PATTERN, examples=["Station 7"]),
]
Headcount = Annotated[
    int,
    msgspec.Meta(ge=0, le=MAX_HEADCOUNT, description="Public number of staff in the unit."),
]
UnitId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
# A unit reference: its id, or its full path ('county-fire/battalion-1'), or a slug unique
# in the whole tree.
UnitRef = UnitId | Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


def clean_name(value: str) -> str:
    """The name without surrounding blanks; ValueError when nothing printable is left."""
    # msgspec's `$` also matches before a final line break; strip() removes it.
    value = value.strip()
    if not NAME_RE.fullmatch(value):
        raise ValueError("name must be 1–200 printable characters")
    return value


def _check_slug(value: str) -> None:
    # The Meta pattern already ran; only a trailing line break can slip past its `$`.
    if not is_slug(value):
        raise ValueError("slug must be lowercase letters, digits and '-' (e.g. 'station-7')")


class Unit(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: int
    parent_id: int | None
    slug: str
    name: str
    headcount: int
    # Slugs from the root down, joined by '/'.
    path: str
    # 0 for a root.
    depth: int


class UnitCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    slug: Slug
    name: Name
    headcount: Headcount = 0
    # The parent unit by id or reference; null makes a new root.
    parent: UnitRef | None = None

    def __post_init__(self) -> None:
        _check_slug(self.slug)
        self.name = clean_name(self.name)


class UnitUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Fields left out stay as they are. A new slug changes the path of the whole subtree."""

    # The rule of __post_init__, for the OpenAPI document (service/openapi.py).
    openapi_rules: ClassVar[list[dict[str, Any]]] = [
        {
            "anyOf": [
                {"required": [name], "properties": {name: {"type": kind}}}
                for name, kind in (("name", "string"), ("slug", "string"), ("headcount", "integer"))
            ]
        }
    ]

    name: Name | None = None
    slug: Slug | None = None
    headcount: Headcount | None = None

    def __post_init__(self) -> None:
        if self.name is None and self.slug is None and self.headcount is None:
            raise ValueError("give at least one of name, slug, headcount")
        if self.slug is not None:
            _check_slug(self.slug)
        if self.name is not None:
            self.name = clean_name(self.name)


class UnitMove(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # The new parent by id or reference. There is one root: no unit moves to the top.
    parent: UnitRef


class ImportReport(msgspec.Struct, kw_only=True):
    dry_run: bool
    rows: int
    created: list[str]
    # Name or headcount changed.
    updated: list[str]
    unchanged: list[str]
