"""Wire structs for actions: the action itself and what creates or changes one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from service.db import MAX_ID

# One line, no control characters (they break CSV exports, printed pages and terminals).
LINE_PATTERN = r"^[^\x00-\x1f\x7f]+$"
# Several lines allowed, other control characters not.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
MAX_SCALES = 20

Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
Title = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=200, pattern=LINE_PATTERN,
        examples=["Peer-support team launched"],
    ),
]  # fmt: skip
Description = Annotated[
    str,
    msgspec.Meta(
        max_length=4000, pattern=TEXT_PATTERN,
        description="What was done, in the words crews will read.",
    ),
]  # fmt: skip
Owner = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=200, pattern=LINE_PATTERN,
        description="Who leads it (a role or a team, e.g. 'Peer-support lead'); optional.",
    ),
]  # fmt: skip
ScaleKey = Annotated[
    str,
    msgspec.Meta(
        min_length=3, max_length=200, pattern=r"^[a-z0-9-]+/[A-Za-z0-9_-]+$",
        description="A scale of the program's instruments, as '<instrument>/<scale>'.",
        examples=["openness/psych_safety"],
    ),
]  # fmt: skip
StartDate = Annotated[
    date, msgspec.Meta(description="The day the action began (changes are measured from it).")
]
Scales = Annotated[list[ScaleKey], msgspec.Meta(min_length=1, max_length=MAX_SCALES)]


def clean_line(value: str, what: str) -> str:
    """A one-line text without surrounding blanks; ValueError when nothing is left."""
    # msgspec's `$` also matches before a final line break; strip() removes it.
    cleaned = value.strip()
    if not cleaned:
        raise ValueError(f"{what} must not be blank")
    return cleaned


def clean_scales(scales: list[str]) -> list[str]:
    """Scales in the order given, each once."""
    return list(dict.fromkeys(s.strip() for s in scales))


class Action(msgspec.Struct, frozen=True, kw_only=True):
    action_id: int
    unit_id: int
    program_id: int
    title: str
    description: str
    started_on: date
    scales: list[str]
    owner: str | None
    created_at: datetime
    updated_at: datetime


class ActionCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    unit_id: Id
    # The program whose instruments name the target scales; it must cover the unit.
    program_id: Id
    title: Title
    started_on: StartDate
    scales: Scales
    description: Description = ""
    owner: Owner | None = None

    def __post_init__(self) -> None:
        self.title = clean_line(self.title, "title")
        self.description = self.description.strip()
        self.scales = clean_scales(self.scales)
        if self.owner is not None:
            self.owner = self.owner.strip() or None


class ActionUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Fields left out stay as they are; `owner: null` removes the owner."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    started_on: StartDate | msgspec.UnsetType = msgspec.UNSET
    scales: Scales | msgspec.UnsetType = msgspec.UNSET
    owner: Owner | msgspec.UnsetType | None = msgspec.UNSET

    def __post_init__(self) -> None:
        if isinstance(self.title, str):
            self.title = clean_line(self.title, "title")
        if isinstance(self.description, str):
            self.description = self.description.strip()
        if isinstance(self.scales, list):
            self.scales = clean_scales(self.scales)
        if isinstance(self.owner, str):
            self.owner = self.owner.strip() or None
