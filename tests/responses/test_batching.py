"""Group commit: submissions that wait together are stored by one statement, and each still
gets exactly the outcome it would have had alone. Real pool, real commits."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from service import db
from service.errors import InvitationSpent, InvitationUnknown
from service.invitations.codes import hash_code, new_code
from service.responses import queries
from service.responses import service as responses
from service.responses.batching import SubmissionBatcher
from service.responses.queries import Submission
from tests.factories import make_cards, make_open_link, make_survey, responses_of

pytestmark = pytest.mark.anyio


def key() -> str:
    return responses.new_form_key()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Any]:
    pool = await db.create_pool(database_url, 2, 4)
    yield pool
    await pool.close()


async def _survey(pool: Any, cards: int = 0, **options: Any) -> tuple[Any, list[str]]:
    async with pool.acquire() as conn:
        survey = await make_survey(conn, **options)
        codes = await make_cards(conn, survey.wave_id, survey.unit_id, cards) if cards else []
    return survey, codes


async def _outcome(target: Any, survey_key: str, code: str, form_key: str) -> str:
    try:
        return (await responses.submit_response(target, survey_key, code, form_key, {})).outcome
    except InvitationSpent:
        return "spent"
    except InvitationUnknown:
        return "unknown"


async def test_submissions_waiting_together_share_one_statement_and_one_commit(
    pool: Any,
) -> None:
    survey, codes = await _survey(pool, cards=30)
    batcher = SubmissionBatcher(pool, writers=1)
    try:
        outcomes = await asyncio.gather(
            *(_outcome(batcher, survey.survey_key, code, key()) for code in codes)
        )
    finally:
        await batcher.close()
    assert outcomes == ["accepted"] * 30
    async with pool.acquire() as conn:
        assert len(await responses_of(conn, survey.wave_id)) == 30
        # Each transaction leaves its own xmin: fewer xmins than responses means grouping.
        commits = await conn.fetchval(
            "SELECT count(DISTINCT xmin::text) FROM response WHERE wave_id = $1", survey.wave_id
        )
    assert commits < 30


async def test_each_submission_in_a_group_gets_its_own_outcome(pool: Any) -> None:
    survey, codes = await _survey(pool, cards=6)
    spent_before = codes[5]
    earlier = SubmissionBatcher(pool)
    assert await _outcome(earlier, survey.survey_key, spent_before, key()) == "accepted"
    await earlier.close()
    repeat_key = key()
    batcher = SubmissionBatcher(pool, writers=1)
    try:
        outcomes = await asyncio.gather(
            _outcome(batcher, survey.survey_key, codes[0], key()),
            _outcome(batcher, survey.survey_key, new_code(), key()),  # well formed, unknown
            _outcome(batcher, survey.survey_key, codes[1], repeat_key),
            _outcome(batcher, survey.survey_key, codes[1], repeat_key),  # a double click
            _outcome(batcher, survey.survey_key, codes[2], key()),
            _outcome(batcher, survey.survey_key, codes[2], key()),  # the same card, twice
            _outcome(batcher, survey.survey_key, spent_before, key()),
            _outcome(batcher, survey.survey_key, codes[3], key()),
        )
    finally:
        await batcher.close()
    assert outcomes[:2] == ["accepted", "unknown"]
    assert sorted(outcomes[2:4]) == ["accepted", "repeated"]
    assert sorted(outcomes[4:6]) == ["accepted", "spent"]
    assert outcomes[6:] == ["spent", "accepted"]
    async with pool.acquire() as conn:
        # spent_before, codes[0], codes[1], codes[2] and codes[3]: one response each.
        assert len(await responses_of(conn, survey.wave_id)) == 5


async def test_forty_concurrent_submissions_of_one_code_through_the_batcher_store_one(
    pool: Any,
) -> None:
    survey, [code] = await _survey(pool, cards=1)
    batcher = SubmissionBatcher(pool, writers=2)
    try:
        outcomes = await asyncio.gather(
            *(_outcome(batcher, survey.survey_key, code, key()) for _ in range(40))
        )
    finally:
        await batcher.close()
    assert sorted(outcomes) == ["accepted"] + ["spent"] * 39
    async with pool.acquire() as conn:
        assert len(await responses_of(conn, survey.wave_id)) == 1


async def test_two_batchers_sharing_codes_never_deadlock(database_url: str, pool: Any) -> None:
    """Two processes' writers spend overlapping codes in opposite orders of arrival."""
    survey, codes = await _survey(pool, cards=40)
    other = await db.create_pool(database_url, 1, 2)
    first, second = SubmissionBatcher(pool, writers=1), SubmissionBatcher(other, writers=1)
    try:
        outcomes = await asyncio.gather(
            *(_outcome(first, survey.survey_key, code, key()) for code in codes),
            *(_outcome(second, survey.survey_key, code, key()) for code in reversed(codes)),
        )
    finally:
        await first.close()
        await second.close()
        await other.close()
    assert sorted(outcomes) == ["accepted"] * 40 + ["spent"] * 40
    async with pool.acquire() as conn:
        assert len(await responses_of(conn, survey.wave_id)) == 40


async def test_open_link_submissions_from_one_unit_are_grouped_and_all_stored(
    pool: Any,
) -> None:
    survey, _ = await _survey(pool, mode="open")
    async with pool.acquire() as conn:
        link = await make_open_link(conn, survey.wave_id, survey.other_unit_id)
    batcher = SubmissionBatcher(pool, writers=1)
    form_keys = [key() for _ in range(20)]
    try:
        outcomes = await asyncio.gather(
            *(_outcome(batcher, survey.survey_key, link, k) for k in form_keys + form_keys[:3])
        )
    finally:
        await batcher.close()
    # Which of two sends of one form comes first is a race; exactly one of them is stored.
    for i in range(3):
        assert sorted([outcomes[i], outcomes[20 + i]]) == ["accepted", "repeated"]
    assert outcomes[3:20] == ["accepted"] * 17
    async with pool.acquire() as conn:
        stored = await responses_of(conn, survey.wave_id)
    assert [r["unit_id"] for r in stored] == [survey.other_unit_id] * 20


async def test_a_failing_submission_fails_alone_and_the_rest_of_its_group_is_stored(
    pool: Any,
) -> None:
    survey, _ = await _survey(pool, mode="open")
    async with pool.acquire() as conn:
        link = await make_open_link(conn, survey.wave_id, survey.unit_id)
        width = len((await responses.fetch_survey_layout(conn, survey.survey_key)).keys)
    lookup = hash_code(link.removeprefix("open-"))
    good = [Submission(lookup, hashlib.sha256(key().encode()).digest(), bytes(width))]
    good.append(Submission(lookup, hashlib.sha256(key().encode()).digest(), bytes(width)))
    # A spent key must be a 32-byte hash (a CHECK constraint): this one breaks its statement.
    bad = Submission(lookup, b"too short", bytes(width))
    batcher = SubmissionBatcher(pool, writers=1)
    try:
        results = await asyncio.gather(
            batcher.store("open", survey.wave_id, good[0]),
            batcher.store("open", survey.wave_id, bad),
            batcher.store("open", survey.wave_id, good[1]),
            return_exceptions=True,
        )
    finally:
        await batcher.close()
    assert isinstance(results[1], asyncpg.CheckViolationError)
    assert [getattr(r, "stored", None) for r in (results[0], results[2])] == [True, True]
    async with pool.acquire() as conn:
        assert len(await responses_of(conn, survey.wave_id)) == 2


async def test_closing_stores_what_waits_and_refuses_what_comes_after(pool: Any) -> None:
    survey, codes = await _survey(pool, cards=10)
    async with pool.acquire() as conn:
        # Read (and cached) first, so that each submission goes straight to the batcher.
        await responses.fetch_survey_layout(conn, survey.survey_key)
    batcher = SubmissionBatcher(pool, writers=1)
    waiting = [
        asyncio.ensure_future(_outcome(batcher, survey.survey_key, code, key())) for code in codes
    ]
    await asyncio.sleep(0)  # every submission is queued before the close begins
    await batcher.close()
    assert [await w for w in waiting] == ["accepted"] * 10
    with pytest.raises(RuntimeError, match="shutting down"):
        await batcher.store("card", survey.wave_id, Submission(b"x" * 32, b"y" * 32, b""))


async def test_a_batch_must_answer_one_set_of_questions(conn: Any) -> None:
    mixed = [
        Submission(b"a" * 32, b"b" * 32, b"\x01"),
        Submission(b"c" * 32, b"d" * 32, b"\x01\x02"),
    ]
    with pytest.raises(ValueError, match="same questions"):
        await queries.insert_responses(conn, "card", 1, mixed)


async def test_a_crowd_at_a_cold_process_reads_the_layout_once(
    pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey, codes = await _survey(pool, cards=25)
    reads: list[str] = []
    fetch = responses.fetch_survey_layout

    async def counting(conn: Any, survey_key: str) -> Any:
        reads.append(survey_key)
        await asyncio.sleep(0.05)  # a slow read, so that the crowd really waits on it
        return await fetch(conn, survey_key)

    monkeypatch.setattr(responses, "fetch_survey_layout", counting)
    responses._layouts.pop(survey.survey_key, None)
    batcher = SubmissionBatcher(pool)
    try:
        outcomes = await asyncio.gather(
            *(_outcome(batcher, survey.survey_key, code, key()) for code in codes)
        )
    finally:
        await batcher.close()
    assert outcomes == ["accepted"] * 25
    assert reads == [survey.survey_key]
    assert responses._loading == {}
    async with pool.acquire() as conn:
        assert len(await responses_of(conn, survey.wave_id)) == 25


async def test_a_crowd_sending_to_an_unknown_survey_is_told_so_each(pool: Any) -> None:
    batcher = SubmissionBatcher(pool)
    missing = "0" * 32
    try:
        results = await asyncio.gather(
            *(
                responses.submit_response(batcher, missing, new_code(), key(), {})
                for _ in range(10)
            ),
            return_exceptions=True,
        )
    finally:
        await batcher.close()
    assert [type(r).__name__ for r in results] == ["SurveyNotFound"] * 10
    assert responses._loading == {}


async def test_a_submission_that_gives_up_does_not_stop_the_layout_read(
    pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey, codes = await _survey(pool, cards=2)
    fetch = responses.fetch_survey_layout

    async def slow(conn: Any, survey_key: str) -> Any:
        await asyncio.sleep(0.1)
        return await fetch(conn, survey_key)

    monkeypatch.setattr(responses, "fetch_survey_layout", slow)
    responses._layouts.pop(survey.survey_key, None)
    batcher = SubmissionBatcher(pool)
    try:
        first = asyncio.create_task(_outcome(batcher, survey.survey_key, codes[0], key()))
        await asyncio.sleep(0.02)
        second = asyncio.create_task(_outcome(batcher, survey.survey_key, codes[1], key()))
        await asyncio.sleep(0.02)
        first.cancel()  # the person who started the read closed the page
        assert await second == "accepted"
        with pytest.raises(asyncio.CancelledError):
            await first
    finally:
        await batcher.close()
    assert survey.survey_key in responses._layouts


async def test_one_statement_stores_each_submission_with_its_own_answers(conn: Any) -> None:
    survey = await make_survey(conn)
    codes = await make_cards(conn, survey.wave_id, survey.unit_id, 4)
    width = len((await responses.fetch_survey_layout(conn, survey.survey_key)).keys)
    sent = [bytes((i + j) % 6 for j in range(width)) for i in range(len(codes))]
    batch = [
        Submission(hash_code(code), hashlib.sha256(code.encode()).digest(), answers)
        for code, answers in zip(codes, sent, strict=True)
    ]
    rows = await queries.insert_responses(conn, "card", survey.wave_id, batch)
    assert rows is not None and [row.stored for row in rows] == [True] * len(codes)
    stored = [row["answers"] for row in await responses_of(conn, survey.wave_id)]
    assert sorted(stored) == sorted(sent)
