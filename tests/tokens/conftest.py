"""A links wave with issuance links, and a responder who gets tokens the standard way."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import msgspec
import pytest

from service import db
from service.db import Conn, Pool
from service.invitations import service as invitations
from service.tokens import service as tokens
from service.tokens.signing import Signer
from tests.responses.conftest import Survey, make_survey
from tests.tokens import client


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Any]:
    pool = await db.create_pool(database_url, 2, 6)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def signer() -> Iterator[Signer]:
    """One signing process for the tests, as a worker has."""
    signer = Signer(1)
    yield signer
    signer.close()


class LinksSurvey(msgspec.Struct, frozen=True, kw_only=True):
    survey: Survey
    unit_path: str
    tickets: list[str]


async def links_survey(conn: Conn, count: int = 3, **options: Any) -> LinksSurvey:
    """An open links wave (its key made as it opened) and `count` issuance links for one
    station, made as the coordinator makes them."""
    survey = await make_survey(conn, mode="links", **options)
    path = await conn.fetchval("SELECT path FROM unit WHERE unit_id = $1", survey.unit_id)
    batch = await invitations.create_links(conn, None, survey.wave_id, path, count)
    return LinksSurvey(survey=survey, unit_path=path, tickets=[link.ticket for link in batch.links])


async def public_key(conn: Conn, survey_key: str) -> bytes:
    key = await tokens.fetch_wave_key(conn, survey_key)
    return client.unb64(key.public_key)


async def get_token(pool: Pool, signer: Signer, survey_key: str, ticket: str) -> str:
    """What a responder's browser does with an issuance link: blind, get signed, unblind."""
    async with pool.acquire() as conn:
        der = await public_key(conn, survey_key)
    unit_id = int(ticket.split(".", 1)[0])
    blinded = client.blind(der, client.message_for(survey_key, unit_id))
    issued = await tokens.issue_token(
        pool, signer, survey_key, ticket, client.b64(blinded.blinded_msg)
    )
    signature = client.finalize(der, blinded, client.unb64(issued.blind_sig))
    return client.token(blinded.prepared, signature)
