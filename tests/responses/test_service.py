from __future__ import annotations

import asyncio
import hashlib
import random
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from service import db
from service.errors import (
    InvalidInput,
    InvitationSpent,
    InvitationUnknown,
    SurveyNotFound,
    WaveNotOpen,
)
from service.invitations.codes import group
from service.responses import i18n
from service.responses import service as responses
from service.responses.ratelimit import FailureLimiter
from service.waves import service as waves
from tests.factories import (
    T0,
    make_cards,
    make_open_link,
    make_survey,
    mistype,
    responses_of,
    wave_keys,
)

pytestmark = pytest.mark.anyio


def key() -> str:
    return responses.new_form_key()


# --- reading the survey -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"), [("scheduled", "scheduled"), ("open", "open"), ("closed", "closed")]
)
async def test_the_survey_page_follows_the_state_of_the_wave(
    conn: Any, state: str, expected: str
) -> None:
    survey = await make_survey(conn, state=state)
    page = await responses.fetch_survey_page(conn, survey.survey_key)
    assert page.state == expected
    assert (page.layout is None) == (state == "scheduled")
    assert [r.name for r in page.resources] == ["Peer Support Team", "Crisis Line"]


async def test_the_layout_lists_every_item_of_the_wave_in_stored_order(conn: Any) -> None:
    survey = await make_survey(conn)
    page = await responses.fetch_survey_page(conn, survey.survey_key)
    assert page.layout is not None
    assert page.layout.keys == await wave_keys(conn, survey.wave_id)
    assert [s.slug for s in page.layout.sections] == ["openness", "workplace-support"]
    assert all(page.layout.allowed[k] for k in page.layout.keys)


@pytest.mark.parametrize("survey_key", ["0" * 32, "nope", "../../etc", ""])
async def test_an_unknown_survey_key_is_not_found(conn: Any, survey_key: str) -> None:
    with pytest.raises(SurveyNotFound):
        await responses.fetch_survey_page(conn, survey_key)


# --- submitting -----------------------------------------------------------------------------


async def test_a_submission_stores_the_wave_the_unit_and_the_answers_and_nothing_else(
    conn: Any,
) -> None:
    survey = await make_survey(conn)
    [code] = await make_cards(conn, survey.wave_id, survey.unit_id, 1)
    keys = await wave_keys(conn, survey.wave_id)
    answers = {keys[0]: 5, keys[1]: "2", keys[3]: 0}  # the others are skipped
    result = await responses.submit_response(conn, survey.survey_key, code, key(), answers)
    assert result.outcome == "accepted"
    assert [r.name for r in result.resources] == ["Peer Support Team", "Crisis Line"]
    expected = [0] * len(keys)
    expected[0], expected[1] = 5, 2
    assert await responses_of(conn, survey.wave_id) == [
        {"wave_id": survey.wave_id, "unit_id": survey.unit_id, "answers": bytes(expected)}
    ]


async def test_a_code_is_accepted_in_any_typed_form(conn: Any) -> None:
    survey = await make_survey(conn)
    [code] = await make_cards(conn, survey.wave_id, survey.unit_id, 1)
    typed = "  " + code.lower().replace("-", " ").replace("1", "l").replace("0", "o") + " "
    result = await responses.submit_response(conn, survey.survey_key, typed, key(), {})
    assert result.outcome == "accepted"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("", "empty"), ("!!!!", "characters"), ("7K3M-9QXR", "length"), (None, "check")],
)
async def test_a_malformed_code_is_refused_before_the_database_and_spends_nothing(
    conn: Any, typed: str | None, reason: str
) -> None:
    survey = await make_survey(conn)
    [code] = await make_cards(conn, survey.wave_id, survey.unit_id, 1)
    with pytest.raises(InvalidInput) as raised:
        await responses.submit_response(
            conn, survey.survey_key, mistype(code) if typed is None else typed, key(), {}
        )
    assert raised.value.extra["reasons"] == {"code": reason}
    assert [e.field for e in raised.value.errors or []] == ["code"]
    assert code not in str(raised.value.to_problem())
    assert await conn.fetchval("SELECT count(*) FROM spent_invitation") == 0
    assert await responses_of(conn, survey.wave_id) == []


async def test_an_unknown_code_is_refused(conn: Any) -> None:
    survey = await make_survey(conn)
    [code] = await make_cards(conn, survey.wave_id, survey.unit_id, 1)
    await conn.execute("DELETE FROM invitation")
    with pytest.raises(InvitationUnknown):
        await responses.submit_response(conn, survey.survey_key, code, key(), {})


async def test_a_code_of_another_wave_is_unknown_here(conn: Any) -> None:
    survey = await make_survey(conn)
    other = await make_survey(conn)
    [code] = await make_cards(conn, other.wave_id, other.unit_id, 1)
    with pytest.raises(InvitationUnknown):
        await responses.submit_response(conn, survey.survey_key, code, key(), {})


async def test_a_used_card_is_refused_with_another_form(conn: Any) -> None:
    survey = await make_survey(conn)
    [code] = await make_cards(conn, survey.wave_id, survey.unit_id, 1)
    await responses.submit_response(conn, survey.survey_key, code, key(), {})
    with pytest.raises(InvitationSpent):
        await responses.submit_response(conn, survey.survey_key, code, key(), {})
    assert len(await responses_of(conn, survey.wave_id)) == 1


async def test_the_same_form_sent_twice_is_thanked_twice_and_stored_once(conn: Any) -> None:
    survey = await make_survey(conn)
    [code] = await make_cards(conn, survey.wave_id, survey.unit_id, 1)
    form_key = key()
    first = await responses.submit_response(conn, survey.survey_key, code, form_key, {})
    second = await responses.submit_response(conn, survey.survey_key, code, form_key, {})
    assert (first.outcome, second.outcome) == ("accepted", "repeated")
    assert second.resources == first.resources
    assert len(await responses_of(conn, survey.wave_id)) == 1


@pytest.mark.parametrize("value", [6, -1, "9", "abc", "1.5", True])
async def test_an_answer_outside_its_options_is_refused_beside_its_item(
    conn: Any, value: Any
) -> None:
    survey = await make_survey(conn)
    [code] = await make_cards(conn, survey.wave_id, survey.unit_id, 1)
    keys = await wave_keys(conn, survey.wave_id)
    with pytest.raises(InvalidInput) as raised:
        await responses.submit_response(
            conn, survey.survey_key, code, key(), {keys[0]: 3, keys[2]: value}
        )
    assert raised.value.extra["reasons"] == {keys[2]: "answer"}
    assert await conn.fetchval("SELECT count(*) FROM spent_invitation") == 0


async def test_every_problem_of_a_submission_is_reported_at_once(conn: Any) -> None:
    survey = await make_survey(conn)
    [code] = await make_cards(conn, survey.wave_id, survey.unit_id, 1)
    keys = await wave_keys(conn, survey.wave_id)
    with pytest.raises(InvalidInput) as raised:
        await responses.submit_response(
            conn, survey.survey_key, mistype(code), "short", {keys[1]: 7, "nope.item": 1}
        )
    assert raised.value.extra["reasons"] == {
        "code": "check",
        "form_key": "form_key",
        keys[1]: "answer",
        "nope.item": "unknown_field",
    }


async def test_an_open_link_stores_its_unit_and_each_new_form_answers_again(conn: Any) -> None:
    survey = await make_survey(conn, mode="open")
    link = await make_open_link(conn, survey.wave_id, survey.other_unit_id)
    form_key = key()
    outcomes = [
        (await responses.submit_response(conn, survey.survey_key, link, k, {})).outcome
        for k in (form_key, form_key, key())
    ]
    assert outcomes == ["accepted", "repeated", "accepted"]
    stored = await responses_of(conn, survey.wave_id)
    assert [r["unit_id"] for r in stored] == [survey.other_unit_id] * 2
    spent = await conn.fetch("SELECT code_hash, submission FROM spent_invitation")
    assert all(r["code_hash"] == r["submission"] for r in spent)
    assert hashlib.sha256(form_key.encode()).digest() in {r["submission"] for r in spent}


@pytest.mark.parametrize("typed", ["as sent", "without prefix", "typed loosely"])
async def test_an_open_link_code_may_be_typed_from_the_printed_link(conn: Any, typed: str) -> None:
    survey = await make_survey(conn, mode="open")
    link = await make_open_link(conn, survey.wave_id, survey.unit_id)
    code = link.removeprefix("open-")
    text = {
        "as sent": link,
        "without prefix": group(code),
        "typed loosely": "OPEN " + group(code).lower().replace("-", " "),
    }[typed]
    result = await responses.submit_response(conn, survey.survey_key, text, key(), {})
    assert result.outcome == "accepted"


async def test_a_mistyped_open_link_code_is_caught_by_its_check_symbol(conn: Any) -> None:
    survey = await make_survey(conn, mode="open")
    link = await make_open_link(conn, survey.wave_id, survey.unit_id)
    with pytest.raises(InvalidInput) as raised:
        await responses.submit_response(conn, survey.survey_key, mistype(link), key(), {})
    assert raised.value.extra["reasons"] == {"code": "check"}


async def test_codes_and_links_only_work_in_a_wave_of_their_mode(conn: Any) -> None:
    cards = await make_survey(conn)
    opened = await make_survey(conn, mode="open")
    [code] = await make_cards(conn, opened.wave_id, opened.unit_id, 1)
    link = await make_open_link(conn, cards.wave_id, cards.unit_id)
    with pytest.raises(InvitationUnknown):
        await responses.submit_response(conn, opened.survey_key, code, key(), {})
    with pytest.raises((InvitationUnknown, InvalidInput)):
        await responses.submit_response(conn, cards.survey_key, link, key(), {})
    with pytest.raises(InvitationUnknown):
        await responses.submit_response(
            conn, cards.survey_key, link.removeprefix("open-"), key(), {}
        )
    assert await conn.fetchval("SELECT count(*) FROM response") == 0


@pytest.mark.parametrize("state", ["scheduled", "closed"])
async def test_a_wave_that_is_not_open_takes_no_answers(conn: Any, state: str) -> None:
    survey = await make_survey(conn, state=state)
    codes = await make_cards(conn, survey.wave_id, survey.unit_id, 1)
    with pytest.raises(WaveNotOpen) as raised:
        await responses.submit_response(conn, survey.survey_key, codes[0], key(), {})
    assert raised.value.extra["state"] == state
    assert await responses_of(conn, survey.wave_id) == []


# --- concurrency: real connections, real commits ---------------------------------------------


async def _seeded(database_url: str, count: int, **options: Any) -> tuple[Any, list[str]]:
    conn = await db.connect(database_url)
    try:
        survey = await make_survey(conn, **options)
        codes = await make_cards(conn, survey.wave_id, survey.unit_id, count)
    finally:
        await conn.close()
    return survey, codes


async def test_forty_concurrent_submissions_of_one_code_store_exactly_one_response(
    database_url: str,
) -> None:
    survey, [code] = await _seeded(database_url, 1)
    connections = [await db.connect(database_url) for _ in range(40)]

    async def submit(conn: Any) -> str:
        try:
            return (
                await responses.submit_response(conn, survey.survey_key, code, key(), {})
            ).outcome
        except InvitationSpent:
            return "spent"

    try:
        outcomes = await asyncio.gather(*(submit(c) for c in connections))
        assert sorted(outcomes).count("accepted") == 1
        assert outcomes.count("spent") == 39
        assert len(await responses_of(connections[0], survey.wave_id)) == 1
    finally:
        for c in connections:
            await c.close()


async def test_a_double_click_racing_itself_is_thanked_twice_and_stored_once(
    database_url: str,
) -> None:
    survey, [code] = await _seeded(database_url, 1)
    connections = [await db.connect(database_url) for _ in range(8)]
    form_key = key()
    try:
        results = await asyncio.gather(
            *(
                responses.submit_response(c, survey.survey_key, code, form_key, {})
                for c in connections
            )
        )
        assert sorted(r.outcome for r in results) == ["accepted"] + ["repeated"] * 7
        assert len(await responses_of(connections[0], survey.wave_id)) == 1
    finally:
        for c in connections:
            await c.close()


async def test_a_submission_waiting_on_a_closing_wave_stores_nothing(database_url: str) -> None:
    survey, [code] = await _seeded(database_url, 1)
    closer, submitter = await db.connect(database_url), await db.connect(database_url)
    try:
        closing = closer.transaction()
        await closing.start()
        await waves.close_wave(closer, None, survey.wave_id, T0 + timedelta(days=1))
        pending = asyncio.ensure_future(
            responses.submit_response(submitter, survey.survey_key, code, key(), {})
        )
        await asyncio.sleep(0.3)
        assert not pending.done(), "the submission must wait for the close to commit"
        await closing.commit()
        with pytest.raises(WaveNotOpen):
            await pending
        assert await closer.fetchval("SELECT count(*) FROM response") == 0
        assert await closer.fetchval("SELECT count(*) FROM spent_invitation") == 0
    finally:
        await closer.close()
        await submitter.close()


async def test_a_close_waits_for_a_submission_in_flight_and_scrubs_it(database_url: str) -> None:
    survey, codes = await _seeded(database_url, 2)
    submitter, closer = await db.connect(database_url), await db.connect(database_url)
    try:
        await responses.submit_response(submitter, survey.survey_key, codes[0], key(), {})
        in_flight = submitter.transaction()
        await in_flight.start()
        await responses.submit_response(submitter, survey.survey_key, codes[1], key(), {})

        async def close() -> None:
            async with db.transaction(closer):
                await waves.close_wave(closer, None, survey.wave_id, T0 + timedelta(days=1))

        closing = asyncio.ensure_future(close())
        await asyncio.sleep(0.3)
        assert not closing.done(), "the close must wait for the submission in flight"
        await in_flight.commit()
        await closing
        xmins = await closer.fetch(
            "SELECT DISTINCT xmin::text FROM response WHERE wave_id = $1", survey.wave_id
        )
        assert len(xmins) == 1
        assert await closer.fetchval("SELECT count(*) FROM response") == 2
        assert await closer.fetchval("SELECT count(*) FROM spent_invitation") == 0
    finally:
        await submitter.close()
        await closer.close()


# --- scrubbing on close ----------------------------------------------------------------------


def spearman(xs: list[int], ys: list[int]) -> float:
    """Spearman's rank correlation of two permutations-without-ties."""
    n = len(xs)
    rank_x = {v: r for r, v in enumerate(sorted(xs))}
    rank_y = {v: r for r, v in enumerate(sorted(ys))}
    d2 = sum((rank_x[x] - rank_y[y]) ** 2 for x, y in zip(xs, ys, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def encode(index: int, width: int) -> dict[int, int]:
    """Position -> answer (1..5) spelling `index` in base 5 over the first items."""
    digits = {}
    for position in range(width):
        digits[position] = index % 5 + 1
        index //= 5
    return digits


def decode(answers: list[int], width: int) -> int:
    return sum((answers[p] - 1) * 5**p for p in range(width))


async def test_closing_a_wave_leaves_nothing_that_tells_the_order_of_arrival(
    database_url: str,
) -> None:
    n, width = 300, 4  # 5**4 = 625 distinct answer patterns
    survey, codes = await _seeded(database_url, n)
    conn = await db.connect(database_url)
    try:
        await make_open_link(conn, survey.wave_id, survey.other_unit_id)
        keys = await wave_keys(conn, survey.wave_id)
        for index, code in enumerate(codes):
            answers = {keys[p]: v for p, v in encode(index, width).items()}
            await responses.submit_response(conn, survey.survey_key, code, key(), answers)
        before = await conn.fetch(
            "SELECT answers FROM response WHERE wave_id = $1 ORDER BY ctid", survey.wave_id
        )
        arrival = [decode(r["answers"], width) for r in before]
        # Without the scrub, physical order IS arrival order: the check below could fail.
        assert spearman(arrival, list(range(n))) > 0.99

        async with db.transaction(conn):
            await waves.close_wave(conn, None, survey.wave_id, T0 + timedelta(days=1))

        after = await conn.fetch(
            "SELECT xmin::text AS xmin, answers FROM response WHERE wave_id = $1 ORDER BY ctid",
            survey.wave_id,
        )
        # (a) one transaction id for every row: xmin says nothing about who came when.
        assert len({r["xmin"] for r in after}) == 1
        # (b) physical order is a shuffle. Under a uniform shuffle Spearman's rho has mean 0
        # and standard deviation 1/sqrt(n - 1) = 0.058 for n = 300, so |rho| < 0.3 fails by
        # chance with probability below 1e-6 (more than 5 standard deviations).
        shuffled = [decode(r["answers"], width) for r in after]
        assert sorted(shuffled) == list(range(n))
        assert abs(spearman(shuffled, list(range(n)))) < 0.3
        # (c) nothing left to join on xmin: the spent and unspent codes and the open link
        # of the wave are gone.
        for table in ("spent_invitation", "invitation", "open_link"):
            count = await conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE wave_id = $1",
                survey.wave_id,
            )
            assert count == 0, table
    finally:
        await conn.close()


async def test_closing_a_wave_touches_only_its_own_relations(database_url: str) -> None:
    conn = await db.connect(database_url)
    try:
        closing = await make_survey(conn)
        staying = await make_survey(conn)
        for survey in (closing, staying):
            code, _unused = await make_cards(conn, survey.wave_id, survey.unit_id, 2)
            await responses.submit_response(conn, survey.survey_key, code, key(), {})
        async with db.transaction(conn):
            await waves.close_wave(conn, None, closing.wave_id, T0 + timedelta(days=1))
        counts = """
            SELECT (SELECT count(*) FROM response WHERE wave_id = $1),
                   (SELECT count(*) FROM spent_invitation WHERE wave_id = $1),
                   (SELECT count(*) FROM invitation WHERE wave_id = $1)
        """
        assert tuple(await conn.fetchrow(counts, closing.wave_id)) == (1, 0, 0)
        assert tuple(await conn.fetchrow(counts, staying.wave_id)) == (1, 1, 2)
        relations = await conn.fetch(
            "SELECT relname FROM pg_class WHERE relname ~ $1 ORDER BY relname",
            f"_w{closing.wave_id}$",
        )
        assert [r["relname"] for r in relations] == [f"response_w{closing.wave_id}"]
    finally:
        await conn.close()


async def test_forgetting_a_wave_refuses_to_run_inside_another_transaction(
    database_url: str,
) -> None:
    # Its locks would be held, and its files kept, until that other transaction ended.
    conn = await db.connect(database_url)
    try:
        async with conn.transaction():
            with pytest.raises(RuntimeError, match="outside"):
                await waves.forget_wave(conn, wave_id=1)
    finally:
        await conn.close()


async def test_closing_leaves_no_row_version_that_arrived_while_open(database_url: str) -> None:
    survey, codes = await _seeded(database_url, 20)
    conn = await db.connect(database_url)
    try:
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        except asyncpg.PostgresError:
            pytest.skip("pageinspect is not available on this PostgreSQL server")
        for code in codes:
            await responses.submit_response(conn, survey.survey_key, code, key(), {})
        relation = f"response_w{survey.wave_id}"
        before = await conn.fetchval("SELECT pg_relation_filenode($1::regclass)", relation)
        async with db.transaction(conn):
            await waves.close_wave(conn, None, survey.wave_id, T0 + timedelta(days=1))
        # A new relation with the 20 live versions only, all from one transaction.
        assert await conn.fetchval("SELECT pg_relation_filenode($1::regclass)", relation) != before
        versions = await conn.fetch(
            "SELECT t_xmin::text AS xmin FROM heap_page_items(get_raw_page($1, 0))"
            " WHERE t_xmin IS NOT NULL",
            relation,
        )
        assert len(versions) == 20
        assert len({v["xmin"] for v in versions}) == 1
    finally:
        await conn.close()


# --- the rate limiter and the language ---------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_refuses_after_a_burst_of_failures_and_refills_at_its_rate() -> None:
    clock = Clock()
    limiter = FailureLimiter(rate=2.0, burst=3.0, clock=clock)
    assert limiter.allows("s")
    for _ in range(3):
        limiter.record_failure("s")
    assert not limiter.allows("s")
    assert limiter.allows("another survey")
    assert limiter.retry_after("s") == 1
    clock.now += 0.5
    assert limiter.allows("s")
    limiter.record_failure("s")
    assert not limiter.allows("s")
    clock.now += 100
    assert limiter.allows("s")


def test_the_limiter_never_counts_what_it_is_not_told() -> None:
    limiter = FailureLimiter(rate=1.0, burst=1.0, clock=Clock())
    for _ in range(1000):
        assert limiter.allows("s")  # successes take nothing


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("en-US,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE,de;q=0.9,fr;q=0.5", "fr"),
        ("de", "en"),
        ("en;q=0.2, fr;q=0.7", "fr"),
        ("fr;q=abc, en", "en"),
    ],
)
def test_the_language_is_negotiated_from_accept_language(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected


def test_every_page_string_exists_in_both_languages() -> None:
    assert set(i18n.STRINGS["en"]) == set(i18n.STRINGS["fr"])


def test_a_shuffled_order_has_a_small_rank_correlation() -> None:
    order = list(range(300))
    random.shuffle(order)
    assert abs(spearman(order, list(range(300)))) < 0.3
    assert spearman(list(range(300)), list(range(300))) == pytest.approx(1.0)
