"""Nobody with the database, the process's memory and every issuance transcript can tell
which ticket produced which token.

What an issuance leaves behind is one flag (`link_ticket.spent`); what a submission leaves
behind is the token's hash and the form key's hash (`spent_invitation`) and the answers
(`response`). No stored value is shared between the two, and even the full transcripts of
the issuances (the blinded messages and blind signatures, which the service does not keep)
fit every token equally well: RSA blinding makes each transcript consistent with each
token, so they carry no information about the pairing.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from service.responses import service as responses
from service.tokens import blindrsa
from service.tokens import service as tokens
from service.tokens.signing import Signer
from tests.factories import links_survey, public_key
from tests.tokens import client

pytestmark = pytest.mark.anyio


async def _everything(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in the database, as sorted tuples: the operator's view."""
    tables = await conn.fetch(
        """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'
        ORDER BY c.relname
        """
    )
    out = {}
    for row in tables:
        name = row["relname"]
        rows = await conn.fetch(f'SELECT * FROM "{name}"')
        out[name] = sorted(tuple(repr(v) for v in r.values()) for r in rows)
    return out


def _changed(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> dict[str, tuple[list[Any], list[Any]]]:
    """Per table: (rows gone, rows new)."""
    out = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, []), after.get(name, [])
        gone = [r for r in old if r not in new]
        came = [r for r in new if r not in old]
        if gone or came:
            out[name] = (gone, came)
    return out


def _mentions(snapshot: dict[str, list[tuple[Any, ...]]], secret: bytes) -> bool:
    needles = (repr(secret), secret.hex(), client.b64(secret))
    return any(n in cell for rows in snapshot.values() for r in rows for cell in r for n in needles)


async def test_what_is_stored_cannot_pair_a_ticket_with_its_token(
    pool: Any, signer: Signer
) -> None:
    async with pool.acquire() as conn:
        seeded = await links_survey(conn, 2)
        survey = seeded.survey
        der = await public_key(conn, survey.survey_key)
        start = await _everything(conn)
    n, e = client.public_numbers(der)
    size = blindrsa.modulus_bytes(der)

    # Two people get tokens; the transcripts are what a server that kept everything it saw
    # would have (Muster keeps none of it).
    transcripts, token_texts = [], []
    for ticket in seeded.tickets:
        blinded = client.blind(der, client.message_for(survey.survey_key, survey.unit_id))
        issued = await tokens.issue_token(
            pool, signer, survey.survey_key, ticket, client.b64(blinded.blinded_msg)
        )
        blind_sig = client.unb64(issued.blind_sig)
        transcripts.append((blinded.blinded_msg, blind_sig))
        token_texts.append(client.token(blinded.prepared, client.finalize(der, blinded, blind_sig)))
    async with pool.acquire() as conn:
        issued_state = await _everything(conn)

    # At issuance, the only change is two tickets turning spent: no blinded message, no
    # signature, no time, nothing per issuance besides the flag.
    changes = _changed(start, issued_state)
    assert set(changes) == {f"link_ticket_w{survey.wave_id}"}, changes
    gone, came = changes[f"link_ticket_w{survey.wave_id}"]
    assert len(gone) == len(came) == 2
    assert all(row[-1] == "True" for row in came) and all(row[-1] == "False" for row in gone)
    for blinded_msg, blind_sig in transcripts:
        assert not _mentions(issued_state, blinded_msg)
        assert not _mentions(issued_state, blind_sig)
    # The process keeps waves' public keys (this one's, or none yet), nothing about issuances.
    assert tokens._public_keys.get(survey.survey_key) in (None, (survey.wave_id, der))
    for wave_id, public in tokens._public_keys.values():
        assert isinstance(wave_id, int) and blindrsa.modulus_bytes(public) == size

    # Both answer, in the opposite order to their issuance.
    async with pool.acquire() as conn:
        for token in reversed(token_texts):
            await responses.submit_response(
                conn, survey.survey_key, "", responses.new_form_key(), {}, token=token
            )
        answered = await _everything(conn)
        columns = {
            table: await conn.fetchval(
                """
                SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
                WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
                """,
                table,
            )
            for table in ("link_ticket", "spent_invitation", "response")
        }
    changes = _changed(issued_state, answered)
    assert set(changes) == {
        f"spent_invitation_w{survey.wave_id}",
        f"response_w{survey.wave_id}",
    }, changes
    # What a submission stores: the token's hash (and the form key's), and the answers.
    assert columns == {
        "link_ticket": ["ticket_hash", "wave_id", "unit_id", "spent"],
        "spent_invitation": ["code_hash", "wave_id", "submission"],
        "response": ["wave_id", "unit_id", "answers"],
    }
    spent_hashes = {hashlib.sha256(client.unb64(t)[:-size]).digest().hex() for t in token_texts}
    for token in token_texts:
        assert not _mentions(answered, client.unb64(token))
    # The ticket rows and the spent-token rows share no value but the wave and the unit.
    tickets = answered[f"link_ticket_w{survey.wave_id}"]
    spent = answered[f"spent_invitation_w{survey.wave_id}"]
    ticket_values = {cell for row in tickets for cell in row}
    spent_values = {cell for row in spent for cell in row}
    assert ticket_values & spent_values <= {repr(survey.wave_id)}
    assert {repr(bytes.fromhex(h)) for h in spent_hashes} == {row[0] for row in spent}

    # Even with the transcripts, every issuance fits every token: for each pair there is a
    # blinding factor r with blind_sig = s * r and blinded_msg = EMSA-PSS(m) * r^e (mod n).
    for blinded_msg, blind_sig in transcripts:
        for token in token_texts:
            s = int.from_bytes(client.unb64(token)[-size:], "big")
            encoded = pow(s, e, n)
            r = int.from_bytes(blind_sig, "big") * pow(s, -1, n) % n
            assert encoded * pow(r, e, n) % n == int.from_bytes(blinded_msg, "big")
