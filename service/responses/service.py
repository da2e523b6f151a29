"""Collecting answers anonymously (DESIGN.md §4).

- `fetch_survey_page`: what a survey address shows now (open, not yet open, closed).
- `submit_response`: check a submission, then spend the invitation and store the answers in
  ONE statement (grouped with other submissions waiting at that moment when given the
  process's SubmissionBatcher; see batching.py). The code (or open-link token) and the
  form key never leave this call: they are hashed here, are not logged, and appear in no
  error message.

Closing a wave (dropping its codes, shuffling its answers into a new relation) belongs to
`waves.service.forget_wave`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Mapping
from typing import Any

import msgspec

from service.db import Conn
from service.errors import (
    FieldError,
    InvalidInput,
    InvitationSpent,
    InvitationUnknown,
    SurveyNotFound,
    WaveNotOpen,
)
from service.instruments.service import fetch_instruments_by_ids
from service.invitations.codes import CodeError, hash_code
from service.policy import PrivacyPolicy
from service.programs.schemas import Resource
from service.responses import queries
from service.responses.batching import SubmissionBatcher
from service.responses.queries import Submission, SurveyWaveRow
from service.responses.schemas import (
    SubmissionResult,
    SurveyItem,
    SurveyLayout,
    SurveyOption,
    SurveyPage,
    SurveySection,
    SurveyState,
)
from service.tokens import service as tokens
from service.waves.schemas import Mode

# Survey keys are made by the database (32 hex digits); anything far from that shape is
# answered "not found" without a query.
SURVEY_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
# The one-time form key: 32 random bytes, url-safe base64 without padding.
FORM_KEY = re.compile(r"[A-Za-z0-9_-]{43}")
# What the code field holds in an open-link wave: "open-<code>" (from the link's fragment,
# or typed from the printed link, perhaps as "OPEN 7K3M ...").
OPEN_PREFIX_TYPED = re.compile(r"^open[\s-]*", re.IGNORECASE)
# Reasons a code is refused before the database is asked; see i18n "error.code.*".
CODE_REASONS = ("empty", "characters", "length", "check")
# Layouts of waves that have opened never change (their instruments are frozen), so each
# process keeps them; this bounds the memory they take.
MAX_CACHED_LAYOUTS = 512
_layouts: dict[str, SurveyLayout] = {}
# Layouts being read for submissions right now, one task per survey (see _layout_for).
_loading: dict[str, asyncio.Task[SurveyLayout]] = {}


def new_form_key() -> str:
    """A fresh one-time form key for a rendered survey page."""
    return secrets.token_urlsafe(32)


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


# --- reading the survey -------------------------------------------------------------------


def _state(status: str) -> SurveyState:
    if status == "open":
        return "open"
    if status == "scheduled":
        return "scheduled"
    return "closed"


async def _layout(conn: Conn, survey_key: str, row: SurveyWaveRow) -> SurveyLayout:
    cached = _layouts.get(survey_key)
    if cached is not None and cached.wave_id == row.wave_id:
        return cached
    sections: list[SurveySection] = []
    for stored in await fetch_instruments_by_ids(conn, row.instrument_ids):
        instrument = stored.instrument
        option_sets = {s.id: s for s in instrument.option_sets}
        items = [
            SurveyItem(
                key=f"{instrument.slug}.{item.id}",
                text=item.text,
                options=[
                    SurveyOption(value=o.value, label=o.label)
                    for o in option_sets[item.options].options
                ],
                languages=instrument.languages,
            )
            for item in instrument.items
        ]
        sections.append(
            SurveySection(
                slug=instrument.slug,
                title=instrument.title,
                description=instrument.description,
                languages=instrument.languages,
                items=items,
            )
        )
    keys = [item.key for section in sections for item in section.items]
    allowed = {
        item.key: frozenset(o.value for o in item.options)
        for section in sections
        for item in section.items
    }
    layout = SurveyLayout(
        wave_id=row.wave_id,
        mode=_mode(row.mode),
        sections=sections,
        keys=keys,
        allowed=allowed,
        choices={
            key: {"": 0, "0": 0} | {str(value): value for value in values}
            for key, values in allowed.items()
        },
        positions={key: i for i, key in enumerate(keys)},
    )
    if len(_layouts) >= MAX_CACHED_LAYOUTS:
        _layouts.clear()
    _layouts[survey_key] = layout
    return layout


def _mode(mode: str) -> Mode:
    checked: Mode = msgspec.convert(mode, type=Mode)
    return checked


async def _fetch_row(conn: Conn, survey_key: str) -> SurveyWaveRow:
    row = None
    if SURVEY_KEY.fullmatch(survey_key):
        row = await queries.fetch_survey_wave(conn, survey_key)
    if row is None:
        raise SurveyNotFound("Check the address, or scan the QR code on your card again.")
    return row


def _resources(raw: list[dict[str, Any]]) -> list[Resource]:
    return msgspec.convert(raw, type=list[Resource])


async def fetch_survey_page(conn: Conn, survey_key: str) -> SurveyPage:
    """What /s/<survey_key> shows: the questions of an open wave, or when it opens or closed."""
    row = await _fetch_row(conn, survey_key)
    state = _state(row.status)
    layout = None if state == "scheduled" else await _layout(conn, survey_key, row)
    policy = msgspec.convert(row.policy, type=PrivacyPolicy)
    return SurveyPage(
        survey_key=survey_key,
        state=state,
        program_name=row.program_name,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        layout=layout,
        resources=_resources(row.resources),
        run_by=row.run_by,
        min_group=policy.min_publish_count,
        release_on_close=policy.release_on_close,
    )


async def fetch_survey_layout(conn: Conn, survey_key: str) -> SurveyLayout:
    """The questions of a wave that has opened (cached); WaveNotOpen while it is scheduled."""
    cached = _layouts.get(survey_key)
    if cached is not None:
        return cached
    row = await _fetch_row(conn, survey_key)
    if row.status == "scheduled":
        raise _not_open(row.status, row)
    return await _layout(conn, survey_key, row)


def _not_open(status: str, row: SurveyWaveRow | queries.SubmitRow) -> WaveNotOpen:
    if status == "scheduled":
        detail = f"This survey opens on {row.opens_at.date().isoformat()}; come back then."
    else:
        detail = f"This survey closed on {row.closes_at.date().isoformat()}."
    return WaveNotOpen(
        detail,
        state=_state(status),
        opens_at=row.opens_at.isoformat(),
        closes_at=row.closes_at.isoformat(),
    )


async def find_survey_for_code(conn: Conn, code: str) -> str:
    """The survey key of the open wave a typed code belongs to (the short address, /c).

    InvalidInput (reasons {"code": see CODE_REASONS}) for text that is no code;
    InvitationUnknown when no open wave has it. Nothing is spent.
    """
    credential = _read_code(code, "open")
    if isinstance(credential, str):
        raise InvalidInput(
            "Correct the code and send it again.",
            errors=[FieldError(field="code", message=_CODE_MESSAGES[credential])],
            reasons={"code": credential},
        )
    key = await queries.fetch_survey_key_for_code(conn, credential.lookup)
    if key is None:
        raise InvitationUnknown("Check the code against your card and send it again.")
    return key


# --- checking a submission ------------------------------------------------------------------


class _Credential(msgspec.Struct, frozen=True):
    kind: str  # "card", "open" or "token"
    lookup: bytes
    # A token's unit; 0 for cards and open links, whose unit is found by their hash.
    unit_id: int = 0


def _read_code(code: str, mode: str) -> _Credential | str:
    """The hashed credential, or the reason the text cannot be one (see CODE_REASONS).

    Open links carry a code like a card's, behind "open-" (`#open-<code>`); in an
    open-mode wave the prefix may be left out when the code is typed.
    """
    text = code.strip()
    kind = "card"
    if mode == "open":
        kind = "open"
        text = OPEN_PREFIX_TYPED.sub("", text)
    try:
        return _Credential(kind, hash_code(text))
    except CodeError as exc:
        return exc.reason


_CODE_MESSAGES = {
    "empty": "is empty; enter the code printed on the card",
    "characters": "has characters no code uses; codes use digits and capital letters only",
    "length": "is too short or too long; a code has 27 symbols besides dashes",
    "check": "has a typing mistake (its check symbol does not match)",
}


def _answer_value(raw: int | str) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = raw.strip()
    if text == "":
        return 0
    # ASCII digits only: str.isdigit() also accepts "²" (which int() refuses) and "٣" or
    # "３" (which int() reads as 3), neither of which any form of ours sends.
    if text.isascii() and text.isdigit() and len(text) <= 5:
        return int(text)
    return None


def _answers(
    layout: SurveyLayout, answers: Mapping[str, int | str], errors: list[FieldError]
) -> tuple[list[int], dict[str, str]]:
    position = layout.positions
    values = [0] * len(layout.keys)
    reasons: dict[str, str] = {}
    for key, raw in answers.items():
        if key not in position:
            errors.append(FieldError(field=key, message="is not a question of this survey"))
            reasons[key] = "unknown_field"
            continue
        # What a form sends ("3", or "" to skip) is looked up; anything else is read below.
        known = layout.choices[key].get(raw) if isinstance(raw, str) else None
        if known is not None:
            values[position[key]] = known
            continue
        value = _answer_value(raw)
        allowed = layout.allowed[key]
        if value is None or (value != 0 and value not in allowed):
            choices = ", ".join(str(v) for v in sorted(allowed))
            errors.append(FieldError(field=key, message=f"expected one of {choices}, or 0 to skip"))
            reasons[key] = "answer"
            continue
        values[position[key]] = value
    return values, reasons


def _touched(raw: int | str) -> bool:
    """An item the person answered, "prefer not to answer" (0) included."""
    return not isinstance(raw, str) or raw.strip() != ""


@contextlib.asynccontextmanager
async def _reading(target: Conn | SubmissionBatcher) -> AsyncIterator[Conn]:
    if isinstance(target, SubmissionBatcher):
        async with target.pool.acquire() as conn:
            yield conn
    else:
        yield target


async def _layout_for(target: Conn | SubmissionBatcher, survey_key: str) -> SurveyLayout:
    """The survey's layout from this process's cache, or read once for all who ask at once.

    A crowd answering as a process starts (or as a wave opens) would otherwise have every
    submission read the same layout on a pool connection of its own, queueing for the pool
    and for the writers' connections. One task reads it, on its own connection, so a
    submission that gives up waiting does not stop it; the others wait for that task.
    """
    layout = _layouts.get(survey_key)
    if layout is not None:
        return layout
    if not isinstance(target, SubmissionBatcher):
        return await fetch_survey_layout(target, survey_key)
    loop = asyncio.get_running_loop()
    task = _loading.get(survey_key)
    if task is None or task.get_loop() is not loop:
        task = loop.create_task(_read_layout(target, survey_key))
        _loading[survey_key] = task
        task.add_done_callback(functools.partial(_layout_read, survey_key))
    return await asyncio.shield(task)


async def _read_layout(target: SubmissionBatcher, survey_key: str) -> SurveyLayout:
    async with _reading(target) as conn:
        return await fetch_survey_layout(conn, survey_key)


def _layout_read(survey_key: str, task: asyncio.Task[SurveyLayout]) -> None:
    if _loading.get(survey_key) is task:
        del _loading[survey_key]
    if not task.cancelled():
        # Those who waited have it; if all gave up, asyncio must not log it as lost.
        task.exception()


async def _store(
    target: Conn | SubmissionBatcher, kind: str, wave_id: int, submission: Submission
) -> queries.SubmitRow | None:
    if isinstance(target, SubmissionBatcher):
        return await target.store(kind, wave_id, submission)
    rows = await queries.insert_responses(target, kind, wave_id, [submission])
    return None if rows is None else rows[0]


_TOKEN_MESSAGES = {
    "empty": "is missing; get a token from the link in your invitation email first",
    "malformed": "is not a token; open the link from your invitation email again",
    "other_wave": "belongs to another survey round and cannot answer this one",
    "forged": "was not signed by this survey's key",
}


async def _read_token(
    target: Conn | SubmissionBatcher, survey_key: str, token: str
) -> _Credential | str:
    """The token's credential, or the reason it cannot be one (see _TOKEN_MESSAGES)."""
    key = tokens.cached_public_key(survey_key)
    if key is None:
        async with _reading(target) as conn:
            key = await tokens.wave_public_key(conn, survey_key)
    if key is None:  # a links wave that opened before it could have a key
        return "forged"
    read = tokens.read_token(token, survey_key, key[1])
    if isinstance(read, str):
        return read
    return _Credential("token", read.spent_key, read.unit_id)


async def submit_response(
    target: Conn | SubmissionBatcher,
    survey_key: str,
    code: str,
    form_key: str,
    answers: Mapping[str, int | str],
    *,
    token: str = "",
    confirmed_empty: bool = True,
) -> SubmissionResult:
    """Spend the code and store the answers, or say why not.

    `target` is a connection (the statement runs on it, inside its transaction if it has
    one) or the process's SubmissionBatcher (the statement runs with whatever else is
    waiting, on a writer's connection; hold no pool connection while this waits).

    `code` is a card's code as typed or scanned, or `open-<code>` for an open link
    (open_link.link_hash = invitations.codes.hash_code(<code>)). In a `links` wave, `code`
    is ignored and `token` is the blind-signed token (tokens.service.read_token): its
    signature is checked here, and SHA-256 of its prepared message is what is spent.
    `form_key` is the page's one-time key (`new_form_key()`): sending the same form twice
    stores one response and returns `repeated`. `answers` maps "<instrument slug>.<item id>"
    to an option value; items left out, or 0, are skipped. With `confirmed_empty=False`
    (the survey page, until the person confirms), a submission that answers no item, not
    even with "prefer not to answer", is refused with the reason `answers: "none"` before
    anything is spent.

    Raises SurveyNotFound, WaveNotOpen (extra: state, opens_at, closes_at), InvalidInput
    (`errors` per field, extra `reasons` {field: "empty"|"characters"|"length"|"check"|
    "form_key"|"answer"|"unknown_field"|"none"}), InvitationUnknown and InvitationSpent. Runs as
    one statement: call it on a connection outside a transaction, or inside one that
    commits right after.
    """
    layout = await _layout_for(target, survey_key)
    errors: list[FieldError] = []
    reasons: dict[str, str] = {}
    credential: _Credential | str
    if layout.mode == "links":
        credential = await _read_token(target, survey_key, token)
        if isinstance(credential, str):
            errors.append(FieldError(field="token", message=_TOKEN_MESSAGES[credential]))
            reasons["token"] = credential
    else:
        credential = _read_code(code, layout.mode)
        if isinstance(credential, str):
            errors.append(FieldError(field="code", message=_CODE_MESSAGES[credential]))
            reasons["code"] = credential
    if not FORM_KEY.fullmatch(form_key):
        errors.append(FieldError(field="form_key", message="is missing or malformed"))
        reasons["form_key"] = "form_key"
    values, answer_reasons = _answers(layout, answers, errors)
    reasons.update(answer_reasons)
    if not confirmed_empty and not any(_touched(raw) for raw in answers.values()):
        errors.append(FieldError(field="answers", message="none answered; confirm to send"))
        reasons["answers"] = "none"
    if errors or isinstance(credential, str):
        raise InvalidInput(
            "Correct the fields listed under `errors` and send the answers again.",
            errors=errors,
            reasons=reasons,
        )
    submission = _sha256(form_key)
    row = await _store(
        target,
        credential.kind,
        layout.wave_id,
        Submission(credential.lookup, submission, bytes(values), credential.unit_id),
    )
    if row is None:
        raise SurveyNotFound("Check the address, or scan the QR code on your card again.")
    if row.status != "open":
        raise _not_open(row.status, row)
    result = SubmissionResult(
        outcome="accepted",
        program_name=row.program_name,
        resources=_resources(row.resources),
    )
    if row.stored:
        return result
    if not row.known:
        if credential.kind == "token":
            raise InvitationUnknown(
                "This token names a unit the survey has no invitations for; it cannot be used.",
                field="token",
            )
        raise InvitationUnknown("Check the code against your card and send the answers again.")
    if credential.kind == "open":
        # The open link is valid and only this form's key was already recorded: a repeat.
        return msgspec.structs.replace(result, outcome="repeated")
    earlier = row.earlier
    if earlier is None:
        # Spent by a submission that committed while this statement ran: read it now.
        async with _reading(target) as conn:
            earlier = await queries.fetch_spent_submission(conn, layout.wave_id, credential.lookup)
    if earlier == submission:
        return msgspec.structs.replace(result, outcome="repeated")
    if credential.kind == "token":
        raise InvitationSpent("Each token answers once; this one has.", field="token")
    raise InvitationSpent("Each card can be used once; this one has been.")
