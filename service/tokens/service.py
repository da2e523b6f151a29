"""Blind-signed tokens for the `links` mode (DESIGN.md §4, RFC 9474).

- `create_wave_key`: a fresh key pair when a links wave opens (waves.service.open_wave_row).
  The private half lives in the wave's `wave_signing_key` partition, which the close drops.
- `new_ticket` / `hash_ticket`: the issuance links' tickets; only hashes are stored.
- `fetch_wave_key`: what GET /s/<survey_key>/key publishes.
- `issue_token`: POST /s/<survey_key>/issue: spend the ticket, sign the blinded message.
- `read_token`: check a token sent with the answers and give its spent key and unit.

The wire formats (docs/anonymity.md, "Emailed links"):

- ticket: `<unit_id>.<23 url-safe characters>` (136 random bits), in the link's fragment
  `/t/<survey_key>#<ticket>`. The unit id is in clear so that the browser can put it in
  the message it gets signed; changing it makes the ticket unknown.
- message: `muster/<survey_key>/<unit_id>/` followed by 32 random bytes; the browser's
  Prepare puts 32 more random bytes in front (the Randomized variant).
- token: base64url (no padding) of prepared message || signature (as long as the modulus).
The spent key of a token is SHA-256(prepared message).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from typing import Literal

import msgspec
from anyio import to_thread

from service.db import Conn, Pool
from service.errors import (
    FieldError,
    InvalidInput,
    SurveyNotFound,
    TicketSpent,
    TicketUnknown,
    WaveNotOpen,
)
from service.tokens import blindrsa, queries
from service.tokens.queries import TokenWaveRow
from service.tokens.schemas import IssuedSignature, WaveKey
from service.tokens.signing import Signer

TICKET = re.compile(r"([1-9][0-9]{0,18})\.[A-Za-z0-9_-]{23}")
SURVEY_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
MESSAGE_PREFIX = b"muster/"
NONCE_BYTES = 32
# Longer than any token (about 490 characters for a 2048-bit key); a longer field is refused.
MAX_TOKEN_CHARS = 2048
MAX_BLINDED_CHARS = 2048
# The public key of a wave never changes once it is open, so each process keeps it.
MAX_CACHED_KEYS = 512
_public_keys: dict[str, tuple[int, bytes]] = {}
TokenReason = Literal["empty", "malformed", "other_wave", "forged"]


def new_ticket(unit_id: int) -> str:
    return f"{unit_id}.{secrets.token_urlsafe(17)}"


def hash_ticket(ticket: str) -> bytes:
    return hashlib.sha256(ticket.encode()).digest()


def _b64decode(text: str) -> bytes | None:
    if not re.fullmatch(r"[A-Za-z0-9_-]*={0,2}", text):
        return None
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def create_wave_key(conn: Conn, wave_id: int) -> bytes:
    """Make and store the wave's key pair; returns the DER public key. Key generation
    (about 0.2 s, more on a slow machine) runs in a thread."""
    private_der = await to_thread.run_sync(blindrsa.generate_private_key)
    public_der = blindrsa.public_key_der(private_der)
    await queries.insert_signing_key(conn, wave_id, private_der, public_der)
    return public_der


def _not_open(wave: TokenWaveRow) -> WaveNotOpen:
    if wave.status == "scheduled":
        detail = f"This survey opens on {wave.opens_at.date().isoformat()}; come back then."
    else:
        detail = f"This survey closed on {wave.closes_at.date().isoformat()}."
    return WaveNotOpen(detail, state="scheduled" if wave.status == "scheduled" else "closed")


async def _open_links_wave(conn: Conn, survey_key: str) -> tuple[TokenWaveRow, bytes]:
    wave = (
        await queries.fetch_token_wave(conn, survey_key)
        if SURVEY_KEY.fullmatch(survey_key)
        else None
    )
    if wave is None:
        raise SurveyNotFound("Check the address: open the link from your invitation again.")
    if wave.status != "open":
        raise _not_open(wave)
    if wave.mode != "links" or wave.public_key is None:
        raise SurveyNotFound(
            "This survey does not hand out tokens: it takes the code printed on your card."
        )
    return wave, wave.public_key


async def fetch_wave_key(conn: Conn, survey_key: str) -> WaveKey:
    """The open links wave's public key, as GET /s/<survey_key>/key publishes it."""
    _, public_der = await _open_links_wave(conn, survey_key)
    return WaveKey(
        variant=blindrsa.VARIANT,
        public_key=b64encode(public_der),
        fingerprint=blindrsa.fingerprint(public_der),
    )


def _issue_input(ticket: str, blinded_msg: str, size: int) -> tuple[bytes, bytes]:
    errors = []
    if not TICKET.fullmatch(ticket):
        errors.append(FieldError(field="ticket", message="is not a ticket from an invitation link"))
    blinded = _b64decode(blinded_msg) if len(blinded_msg) <= MAX_BLINDED_CHARS else None
    if blinded is None or len(blinded) != size:
        errors.append(
            FieldError(
                field="blinded_msg",
                message=f"must be the base64url of {size} bytes (the key's modulus length)",
            )
        )
    if errors or blinded is None:
        raise InvalidInput("Correct the fields listed under `errors`.", errors=errors)
    return hash_ticket(ticket), blinded


async def issue_token(
    pool: Pool, signer: Signer, survey_key: str, ticket: str, blinded_msg: str
) -> IssuedSignature:
    """Spend the ticket and sign the blinded message (RFC 9474 BlindSign).

    The signature is made first, in a signing process, with no database connection held;
    then one statement spends the ticket if it is still unspent and the wave still open,
    and only then is the signature returned. So a ticket yields at most one signature, and
    a failed signing spends nothing. Records nothing but the ticket's `spent` flag.

    Raises SurveyNotFound, WaveNotOpen, InvalidInput, TicketUnknown, TicketSpent.
    """
    async with pool.acquire() as conn:
        wave, public_der = await _open_links_wave(conn, survey_key)
        ticket_hash, blinded = _issue_input(ticket, blinded_msg, blindrsa.modulus_bytes(public_der))
        row = await queries.fetch_ticket(conn, wave.wave_id, ticket_hash)
    if row is None:
        raise TicketUnknown(
            "This invitation link is not one of this survey's; open the link from your "
            "invitation email exactly as it came."
        )
    if row.spent:
        raise _spent()
    if row.private_key is None:
        raise _not_open(wave)
    try:
        signature = await signer.blind_sign(row.private_key, blinded)
    except blindrsa.BlindSignError as exc:
        raise InvalidInput(
            "The blinded message cannot be signed with this survey's key.",
            errors=[FieldError(field="blinded_msg", message=str(exc))],
        ) from None
    async with pool.acquire() as conn:
        outcome = await queries.update_ticket_spent(conn, wave.wave_id, ticket_hash)
    if outcome == "already":
        raise _spent()
    if outcome == "closed":
        raise WaveNotOpen("This survey has just closed.", state="closed")
    if outcome is None:
        raise TicketUnknown("This invitation link is no longer valid.")
    return IssuedSignature(blind_sig=b64encode(signature))


def _spent() -> TicketSpent:
    return TicketSpent(
        "This invitation has already been used to get a token. If you kept the token on the "
        "device you used, answer from there; otherwise ask your coordinator for a new link."
    )


# --- tokens sent with answers ---------------------------------------------------------------


class TokenCredential(msgspec.Struct, frozen=True):
    # SHA-256 of the prepared message: what is spent.
    spent_key: bytes
    unit_id: int


def cached_public_key(survey_key: str) -> tuple[int, bytes] | None:
    return _public_keys.get(survey_key)


async def wave_public_key(conn: Conn, survey_key: str) -> tuple[int, bytes] | None:
    """(wave_id, DER public key) of a links wave that has opened, from this process's cache."""
    cached = _public_keys.get(survey_key)
    if cached is not None:
        return cached
    wave = await queries.fetch_token_wave(conn, survey_key)
    if wave is None or wave.public_key is None:
        return None
    if len(_public_keys) >= MAX_CACHED_KEYS:
        _public_keys.clear()
    _public_keys[survey_key] = (wave.wave_id, wave.public_key)
    return _public_keys[survey_key]


def read_token(token: str, survey_key: str, public_der: bytes) -> TokenCredential | TokenReason:
    """The token's spent key and unit, or why it cannot be used: "empty", "malformed" (not a
    token at all), "other_wave" (a token of another survey round) or "forged" (this survey's
    shape, but not signed by its key)."""
    text = token.strip()
    if not text:
        return "empty"
    raw = _b64decode(text) if len(text) <= MAX_TOKEN_CHARS else None
    size = blindrsa.modulus_bytes(public_der)
    if raw is None or len(raw) <= size + blindrsa.PREFIX_BYTES:
        return "malformed"
    prepared, signature = raw[:-size], raw[-size:]
    message = prepared[blindrsa.PREFIX_BYTES :]
    parts = message.split(b"/", 3)
    if (
        len(parts) != 4
        or parts[0] + b"/" != MESSAGE_PREFIX
        or not parts[2].isdigit()
        or len(parts[2]) > 18
        or len(parts[3]) != NONCE_BYTES
    ):
        return "malformed"
    if parts[1] != survey_key.encode():
        return "other_wave"
    if not blindrsa.verify(public_der, prepared, signature):
        return "forged"
    return TokenCredential(hashlib.sha256(prepared).digest(), int(parts[2]))
