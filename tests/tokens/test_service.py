"""Emailed links with blind-signed tokens: the key, issuance, answering with a token, the
close, and unlinkability. Real database, real commits, real signing processes."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta
from typing import Any

import pytest

from service import db
from service.errors import (
    InvalidInput,
    InvitationSpent,
    InvitationUnknown,
    SurveyNotFound,
    TicketSpent,
    TicketUnknown,
    WaveNotOpen,
)
from service.responses import service as responses
from service.responses.batching import SubmissionBatcher
from service.tokens import blindrsa
from service.tokens import service as tokens
from service.tokens.signing import Signer
from service.waves import service as waves
from tests.factories import T0, get_token, links_survey, make_survey, public_key, responses_of
from tests.tokens import client

pytestmark = pytest.mark.anyio


def key() -> str:
    return responses.new_form_key()


async def _seeded(pool: Any, count: int = 3, **options: Any) -> Any:
    async with pool.acquire() as conn:
        return await links_survey(conn, count, **options)


async def _relations(conn: Any, wave_id: int) -> set[str]:
    rows = await conn.fetch("SELECT relname FROM pg_class WHERE relname ~ $1", f"_w{wave_id}$")
    return {row["relname"] for row in rows}


# --- the key ---------------------------------------------------------------------------------


async def test_a_links_wave_gets_its_own_key_when_it_opens(pool: Any) -> None:
    first = await _seeded(pool)
    second = await _seeded(pool)
    async with pool.acquire() as conn:
        key = await tokens.fetch_wave_key(conn, first.survey.survey_key)
        other = await tokens.fetch_wave_key(conn, second.survey.survey_key)
        stored = await conn.fetchval(
            "SELECT public_key FROM wave WHERE wave_id = $1", first.survey.wave_id
        )
        private = await conn.fetchval(
            "SELECT private_key FROM wave_signing_key WHERE wave_id = $1", first.survey.wave_id
        )
    assert key.variant == "RSABSSA-SHA384-PSS-Randomized"
    assert client.unb64(key.public_key) == stored
    assert key.fingerprint == hashlib.sha256(stored).hexdigest()
    assert blindrsa.public_key_der(private) == stored
    assert other.fingerprint != key.fingerprint


async def test_a_scheduled_or_cards_wave_has_no_key(pool: Any) -> None:
    async with pool.acquire() as conn:
        scheduled = await make_survey(conn, mode="links", state="scheduled")
        cards = await make_survey(conn, mode="cards")
        with pytest.raises(WaveNotOpen):
            await tokens.fetch_wave_key(conn, scheduled.survey_key)
        with pytest.raises(SurveyNotFound):
            await tokens.fetch_wave_key(conn, cards.survey_key)
        keys = await conn.fetchval(
            "SELECT count(*) FROM wave_signing_key WHERE wave_id = ANY($1::bigint[])",
            [scheduled.wave_id, cards.wave_id],
        )
    assert keys == 0


# --- issuance --------------------------------------------------------------------------------


async def test_a_ticket_gets_one_signature_that_makes_a_token_that_answers(
    pool: Any, signer: Signer
) -> None:
    seeded = await _seeded(pool)
    survey = seeded.survey
    token = await get_token(pool, signer, survey.survey_key, seeded.tickets[0])
    async with pool.acquire() as conn:
        result = await responses.submit_response(
            conn, survey.survey_key, "", key(), {}, token=token
        )
        stored = await responses_of(conn, survey.wave_id)
        spent = await conn.fetch(
            "SELECT unit_id, spent FROM link_ticket WHERE wave_id = $1 ORDER BY spent",
            survey.wave_id,
        )
    assert result.outcome == "accepted"
    assert [(r["unit_id"]) for r in stored] == [survey.unit_id]
    assert [r["spent"] for r in spent] == [False, False, True]
    # The same ticket again: 409, and nothing more is recorded.
    with pytest.raises(TicketSpent):
        await get_token(pool, signer, survey.survey_key, seeded.tickets[0])


async def test_issuance_refuses_unknown_tickets_and_bad_blinded_messages(
    pool: Any, signer: Signer
) -> None:
    seeded = await _seeded(pool, 1)
    survey = seeded.survey
    unit = seeded.tickets[0].split(".")[0]
    with pytest.raises(TicketUnknown):
        await get_token(pool, signer, survey.survey_key, f"{unit}.{'A' * 23}")
    async with pool.acquire() as conn:
        der = await public_key(conn, survey.survey_key)
    size = blindrsa.modulus_bytes(der)
    for blinded, field in (
        ("AAAA", "blinded_msg"),
        (client.b64(b"\xff" * size), "blinded_msg"),
        ("not base64!", "blinded_msg"),
    ):
        with pytest.raises(InvalidInput) as caught:
            await tokens.issue_token(pool, signer, survey.survey_key, seeded.tickets[0], blinded)
        assert caught.value.errors is not None
        assert [e.field for e in caught.value.errors] == [field]
    with pytest.raises(InvalidInput):
        await tokens.issue_token(pool, signer, survey.survey_key, "no ticket", "AAAA")
    async with pool.acquire() as conn:
        spent = await conn.fetchval(
            "SELECT spent FROM link_ticket WHERE wave_id = $1", survey.wave_id
        )
    assert spent is False, "a refused issuance spends nothing"


async def test_a_closed_wave_issues_nothing(pool: Any, signer: Signer) -> None:
    seeded = await _seeded(pool, 1)
    async with pool.acquire() as conn, db.transaction(conn):
        await waves.close_wave(conn, None, seeded.survey.wave_id, T0 + timedelta(days=1))
    with pytest.raises(WaveNotOpen):
        await get_token(pool, signer, seeded.survey.survey_key, seeded.tickets[0])


# --- answering with a token ------------------------------------------------------------------


async def test_a_token_answers_once_and_a_double_click_is_thanked(
    pool: Any, signer: Signer
) -> None:
    seeded = await _seeded(pool)
    survey = seeded.survey
    token = await get_token(pool, signer, survey.survey_key, seeded.tickets[0])
    form_key = key()
    async with pool.acquire() as conn:
        first = await responses.submit_response(
            conn, survey.survey_key, "", form_key, {}, token=token
        )
        again = await responses.submit_response(
            conn, survey.survey_key, "", form_key, {}, token=token
        )
        with pytest.raises(InvitationSpent) as caught:
            await responses.submit_response(conn, survey.survey_key, "", key(), {}, token=token)
        assert caught.value.extra["field"] == "token"
        assert len(await responses_of(conn, survey.wave_id)) == 1
        spent = await conn.fetchval(
            "SELECT code_hash FROM spent_invitation WHERE wave_id = $1", survey.wave_id
        )
    assert (first.outcome, again.outcome) == ("accepted", "repeated")
    prepared = client.unb64(token)[: -blindrsa.KEY_BITS // 8]
    assert spent == hashlib.sha256(prepared).digest()


async def test_forty_concurrent_submissions_of_one_token_store_exactly_one_response(
    pool: Any, signer: Signer, database_url: str
) -> None:
    seeded = await _seeded(pool, 1)
    survey = seeded.survey
    token = await get_token(pool, signer, survey.survey_key, seeded.tickets[0])
    batcher = SubmissionBatcher(pool)
    connections = [await db.connect(database_url) for _ in range(20)]

    async def submit(target: Any) -> str:
        try:
            result = await responses.submit_response(
                target, survey.survey_key, "", key(), {}, token=token
            )
        except InvitationSpent:
            return "spent"
        return result.outcome

    try:
        # Half through the group commit, half each on a connection of its own.
        outcomes = await asyncio.gather(
            *(submit(batcher) for _ in range(20)), *(submit(c) for c in connections)
        )
    finally:
        await batcher.close()
        for c in connections:
            await c.close()
    assert outcomes.count("accepted") == 1
    assert outcomes.count("spent") == 39
    async with pool.acquire() as conn:
        assert len(await responses_of(conn, survey.wave_id)) == 1


@pytest.mark.parametrize("reason", ["empty", "malformed", "other_wave", "forged"])
async def test_a_bad_token_is_refused_with_its_reason_and_nothing_is_stored(
    pool: Any, signer: Signer, reason: str
) -> None:
    seeded = await _seeded(pool, 1)
    survey = seeded.survey
    async with pool.acquire() as conn:
        der = await public_key(conn, survey.survey_key)
    good = client.unb64(await get_token(pool, signer, survey.survey_key, seeded.tickets[0]))
    size = blindrsa.modulus_bytes(der)
    if reason == "empty":
        token = ""
    elif reason == "malformed":
        token = client.b64(good[:40])
    elif reason == "other_wave":
        other = await _seeded(pool, 1)
        token = await get_token(pool, signer, other.survey.survey_key, other.tickets[0])
    else:  # this survey's message, signed by nobody: the signature of another message
        prepared = good[:-size]
        forged = prepared[:-1] + bytes([prepared[-1] ^ 1])
        token = client.b64(forged + good[-size:])
    async with pool.acquire() as conn:
        with pytest.raises(InvalidInput) as caught:
            await responses.submit_response(conn, survey.survey_key, "", key(), {}, token=token)
        assert caught.value.extra["reasons"] == {"token": reason}
        assert await responses_of(conn, survey.wave_id) == []
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM spent_invitation WHERE wave_id = $1", survey.wave_id
            )
            == 0
        )


async def test_a_signed_token_for_a_unit_without_links_is_refused(
    pool: Any, signer: Signer
) -> None:
    # Someone changed the unit in their message before blinding: the signature is good,
    # but the wave has no links for that unit, so the answer is not stored.
    seeded = await _seeded(pool, 1)
    survey = seeded.survey
    ticket = seeded.tickets[0]
    async with pool.acquire() as conn:
        der = await public_key(conn, survey.survey_key)
    blinded = client.blind(der, client.message_for(survey.survey_key, survey.other_unit_id))
    issued = await tokens.issue_token(
        pool, signer, survey.survey_key, ticket, client.b64(blinded.blinded_msg)
    )
    token = client.token(
        blinded.prepared, client.finalize(der, blinded, client.unb64(issued.blind_sig))
    )
    async with pool.acquire() as conn:
        with pytest.raises(InvitationUnknown):
            await responses.submit_response(conn, survey.survey_key, "", key(), {}, token=token)
        assert await responses_of(conn, survey.wave_id) == []


# --- the close ---------------------------------------------------------------------------------


async def test_the_close_drops_the_key_the_tickets_and_the_spent_tokens(
    pool: Any, signer: Signer
) -> None:
    seeded = await _seeded(pool, 2)
    survey = seeded.survey
    token = await get_token(pool, signer, survey.survey_key, seeded.tickets[0])
    async with pool.acquire() as conn:
        await responses.submit_response(conn, survey.survey_key, "", key(), {}, token=token)
        before = await _relations(conn, survey.wave_id)
        assert {
            f"wave_signing_key_w{survey.wave_id}",
            f"link_ticket_w{survey.wave_id}",
            f"link_unit_w{survey.wave_id}",
            f"spent_invitation_w{survey.wave_id}",
        } <= before
        # As every entry point closes: in db.transaction, whose commit lets the close drop
        # the wave's relations.
        async with db.transaction(conn):
            await waves.close_wave(conn, None, survey.wave_id, T0 + timedelta(days=1))
        after = await _relations(conn, survey.wave_id)
        for table in ("wave_signing_key", "link_ticket", "link_unit", "spent_invitation"):
            assert f"{table}_w{survey.wave_id}" not in after
            assert (
                await conn.fetchval(
                    f"SELECT count(*) FROM {table} WHERE wave_id = $1", survey.wave_id
                )
                == 0
            )
        assert len(await responses_of(conn, survey.wave_id)) == 1
