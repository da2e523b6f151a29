"""Wire structs for invitations, and the batches a generation hands to the renderer.

A batch holds plain codes: it exists between generating them and writing the file, and
nowhere else. Its repr hides the codes, so a batch that reaches a log or a traceback by
mistake still prints none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from service.programs.schemas import UnitRef

Format = Literal["pdf", "html", "csv"]
Paper = Literal["a4", "letter"]

MAX_CARDS_PER_UNIT = 2000

CardCount = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=MAX_CARDS_PER_UNIT,
        description="Cards per unit: one per person who may answer, plus a few spare.",
        examples=[40],
    ),
]


SparePercent = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        le=100,
        description=(
            "With `count` left out: each unit gets its public headcount plus this percentage "
            "of it, rounded up."
        ),
        examples=[10],
    ),
]


class CardsRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    unit: UnitRef
    # Cards per unit; left out: each unit's headcount plus spare_percent.
    count: CardCount | None = None
    spare_percent: SparePercent = 10
    # Cards for every unit without children below `unit`, `count` each.
    include_subtree: bool = False
    format: Format = "pdf"
    paper: Paper = "a4"


class OpenLinksRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    unit: UnitRef
    # One link for every unit without children below `unit`.
    include_subtree: bool = False
    format: Format = "pdf"
    paper: Paper = "a4"


class CardWave(msgspec.Struct, frozen=True, kw_only=True):
    """What a card says about its wave."""

    wave_id: int
    seq: int
    program_name: str
    opens_at: datetime
    closes_at: datetime
    survey_key: str


class Card(msgspec.Struct, frozen=True, kw_only=True):
    unit_path: str
    unit_name: str
    # Grouped for printing, e.g. 7K3M-9QXR-...; only its hash is stored.
    code: str

    def __repr__(self) -> str:
        return f"Card(unit_path={self.unit_path!r}, unit_name={self.unit_name!r}, code=<hidden>)"


class CardBatch(msgspec.Struct, frozen=True, kw_only=True):
    wave: CardWave
    # By unit path; shuffled within each unit.
    cards: list[Card]

    def __repr__(self) -> str:
        return f"CardBatch(wave={self.wave!r}, cards=<{len(self.cards)} hidden>)"


class OpenLink(msgspec.Struct, frozen=True, kw_only=True):
    unit_path: str
    unit_name: str
    # Grouped like a card code; the link carries it as #open-<token>. Only its hash is stored.
    token: str
    # The unit had a link for this wave, which stopped working when this one was made.
    replaced: bool

    def __repr__(self) -> str:
        return (
            f"OpenLink(unit_path={self.unit_path!r}, unit_name={self.unit_name!r}, "
            f"token=<hidden>, replaced={self.replaced!r})"
        )


class OpenLinkBatch(msgspec.Struct, frozen=True, kw_only=True):
    wave: CardWave
    # By unit path.
    links: list[OpenLink]

    @property
    def replaced_paths(self) -> list[str]:
        return [link.unit_path for link in self.links if link.replaced]

    def __repr__(self) -> str:
        return f"OpenLinkBatch(wave={self.wave!r}, links=<{len(self.links)} hidden>)"


class LinksRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    unit: UnitRef
    # Links per unit: one per person who may answer.
    count: CardCount
    # Links for every unit without children below `unit`, `count` each.
    include_subtree: bool = False


class IssuanceLink(msgspec.Struct, frozen=True, kw_only=True):
    unit_path: str
    unit_name: str
    # `<unit_id>.<random>`: the link carries it as /t/<survey_key>#<ticket>. Only its hash
    # is stored.
    ticket: str

    def __repr__(self) -> str:
        return (
            f"IssuanceLink(unit_path={self.unit_path!r}, unit_name={self.unit_name!r}, "
            "ticket=<hidden>)"
        )


class LinkBatch(msgspec.Struct, frozen=True, kw_only=True):
    wave: CardWave
    # By unit path; shuffled within each unit.
    links: list[IssuanceLink]
    # The short fingerprint of the wave's key, for the notice board; None until it opens.
    fingerprint: str | None

    def __repr__(self) -> str:
        return f"LinkBatch(wave={self.wave!r}, links=<{len(self.links)} hidden>)"


class UnitLinkCount(msgspec.Struct, frozen=True, kw_only=True):
    """Staff-side counts of a links wave for one unit: never a count of answers."""

    unit_path: str
    unit_name: str
    links: int
