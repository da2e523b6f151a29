"""Shapes of the responder's side: the survey as a form, and what a submission returns.

Nothing here ever holds a code, a token or a form key: those stay inside one call of
`service.submit_response` and are hashed before they reach the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from service.instruments.schemas import Text
from service.programs.schemas import Resource
from service.waves.schemas import Mode

SurveyState = Literal["open", "scheduled", "closed"]
# "repeated": the same form was sent twice (a double-click); nothing new was stored.
Outcome = Literal["accepted", "repeated"]


class SurveyOption(msgspec.Struct, frozen=True, kw_only=True):
    value: int
    label: Text


class SurveyItem(msgspec.Struct, frozen=True, kw_only=True):
    # The form field: "<instrument slug>.<item id>", unique within a wave.
    key: str
    text: Text
    options: list[SurveyOption]
    # The instrument's languages, default first: the fallback when a text lacks one.
    languages: list[str]


class SurveySection(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    title: Text
    description: Text
    languages: list[str]
    items: list[SurveyItem]


class SurveyLayout(msgspec.Struct, frozen=True, kw_only=True):
    """The questions of an open (or closed) wave, fixed when it opened.

    answers[i] of a response belongs to `keys[i]`: instruments by position, then items in
    file order.
    """

    wave_id: int
    mode: Mode
    sections: list[SurveySection]
    keys: list[str]
    # key -> the values an answer may take (0, "skipped", is always allowed besides).
    allowed: dict[str, frozenset[int]]
    # key -> {text a form sends: value}, for every allowed value, 0 and "" (skipped).
    choices: dict[str, dict[str, int]]
    # key -> position in `keys`, so in an answers list.
    positions: dict[str, int]


class SurveyPage(msgspec.Struct, frozen=True, kw_only=True):
    """What the survey address shows now."""

    survey_key: str
    state: SurveyState
    program_name: str
    opens_at: datetime
    closes_at: datetime
    # None while the wave is scheduled: its questions are fixed only when it opens.
    layout: SurveyLayout | None
    resources: list[Resource]
    # Who runs the survey, per language (the program's run_by); None: not said.
    run_by: dict[str, str] | None = None
    # The policy's publication rule: a group's results are shown only when its noisy count
    # of answers reaches this (a planned, public number; never a count of responses).
    min_group: int = 10
    # The wave is released by the scheduler as soon as it closes.
    release_on_close: bool = False


class SubmissionResult(msgspec.Struct, frozen=True, kw_only=True):
    outcome: Outcome
    program_name: str
    resources: list[Resource]
