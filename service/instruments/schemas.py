"""The instrument file format (surveys/<slug>.toml) and the shapes instruments travel in.

An instrument file decodes with `msgspec.toml.decode(data, type=Instrument)`. Every struct
forbids unknown fields, so a misspelt key is an error, not a silently ignored line. What the
types cannot say (references between parts, translations, bands covering the score range)
is checked by `service.instruments.service.validate_instrument`.

The canonical JSON an instrument's version is hashed from leaves out every field that holds
its default (see `service.instruments.service.canonical_json`), so that the version stays
the same when a later release of Muster adds an optional field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

SLUG_PATTERN = "^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$"
IDENT_PATTERN = "^[a-z0-9_]+$"
LANGUAGE_PATTERN = "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
VERSION_PATTERN = "^[0-9a-f]{12}$"

Slug = Annotated[str, msgspec.Meta(pattern=SLUG_PATTERN, description="e.g. help-seeking-stigma")]
# Ids of option sets, items, scales and bands: stable, lower case, digits and underscores.
Ident = Annotated[
    str, msgspec.Meta(pattern=IDENT_PATTERN, min_length=1, max_length=40, examples=["ss_weak"])
]
Language = Annotated[str, msgspec.Meta(pattern=LANGUAGE_PATTERN, examples=["en", "fr"])]
# One text per declared language: {"en": "...", "fr": "..."}. Keys are checked against
# `languages` after decoding, so that a missing or extra translation names its exact path.
Text = dict[str, str]
# 0 is reserved for "skipped / prefer not to answer"; answers are stored one byte each
# (migration 0012), so an option value is at most 255.
OptionValue = Annotated[int, msgspec.Meta(ge=1, le=255)]


class _Strict(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


class Option(_Strict, frozen=True, kw_only=True):
    value: OptionValue
    label: Text


class OptionSet(_Strict, frozen=True, kw_only=True):
    """A response scale shared by items, e.g. five points from "strongly disagree" to "agree"."""

    id: Ident
    options: Annotated[list[Option], msgspec.Meta(min_length=2, max_length=11)]


class LikertItem(_Strict, frozen=True, kw_only=True, tag_field="kind", tag="likert"):
    """A rating on an ordered option set; may count in scales."""

    id: Ident
    text: Text
    # The id of an option set whose values are consecutive integers.
    options: Ident
    # Reverse-coded: scored as (lowest + highest) - value.
    reverse: bool = False


class SingleChoiceItem(_Strict, frozen=True, kw_only=True, tag_field="kind", tag="single_choice"):
    """One choice among options; reported on its own, never part of a scale."""

    id: Ident
    text: Text
    options: Ident


Item = LikertItem | SingleChoiceItem


class Band(_Strict, frozen=True, kw_only=True):
    """A range of scale scores: [lower, upper), the last band [lower, upper]."""

    id: Ident
    label: Text
    lower: float
    upper: float


class Scale(_Strict, frozen=True, kw_only=True):
    id: Ident
    name: Text
    description: Text | None = None
    # Ids of likert items, all on option sets with the same lowest and highest value.
    items: Annotated[list[Ident], msgspec.Meta(min_length=1, max_length=100)]
    scoring: Literal["mean"]
    # Share of the scale's items a respondent must answer for a score in this scale.
    min_answered: Annotated[float, msgspec.Meta(gt=0, le=1)] = 0.8
    # Contiguous, in increasing order, covering exactly [lowest, highest] option value.
    bands: Annotated[list[Band], msgspec.Meta(min_length=1, max_length=10)]
    # A headline scale is measured at the smallest units a release covers (the others only
    # higher up): an instrument with scales marks one or two.
    headline: bool = False
    # Whether a higher score is good news ("better": e.g. psychological safety) or bad news
    # ("worse": e.g. stigma, stress): what makes a change read as better or worse. Every scale
    # of an instrument file states it (checked by validate_instrument); only versions stored
    # before it was required lack it, and are then read without a direction.
    higher_is: Literal["better", "worse"] | None = None


class Instrument(_Strict, frozen=True, kw_only=True):
    slug: Slug
    title: Text
    description: Text
    # The first language is the default one.
    languages: Annotated[list[Language], msgspec.Meta(min_length=1, max_length=10)]
    option_sets: Annotated[list[OptionSet], msgspec.Meta(min_length=1, max_length=50)]
    # The order here is the order answers are stored in: answers[i] belongs to items[i].
    items: Annotated[list[Item], msgspec.Meta(min_length=1, max_length=200)]
    scales: Annotated[list[Scale], msgspec.Meta(max_length=50)] = msgspec.field(
        default_factory=list
    )


# --- loaded and stored instruments --------------------------------------------------------


class LoadedInstrument(msgspec.Struct, frozen=True, kw_only=True):
    """An instrument file that decoded and validated, with its content hash."""

    path: str
    instrument: Instrument
    sha256: str
    version: str
    # The canonical JSON as builtins: what is stored in instrument.body.
    body: dict[str, Any]


class InstrumentRow(msgspec.Struct, frozen=True, kw_only=True):
    """One stored version of an instrument."""

    instrument_id: int
    slug: str
    version: str
    sha256: str
    # The title in the instrument's first language.
    title: str
    loaded_at: datetime
    instrument: Instrument


class ScaleSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: Text
    item_count: int


class InstrumentSummary(msgspec.Struct, frozen=True, kw_only=True):
    instrument_id: int
    slug: str
    version: str
    title: Text
    languages: list[str]
    item_count: int
    scales: list[ScaleSummary]
    loaded_at: datetime
