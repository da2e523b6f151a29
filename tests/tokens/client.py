"""A responder's half of RFC 9474 in plain Python, for tests: Prepare, Blind, Finalize.

Written from RFC 8017 (EMSA-PSS-ENCODE) and RFC 9474 §4 without the service's code, so that
a test using it checks the server against the standard, not against itself. The browser
uses @cloudflare/blindrsa-ts instead (tests/browser, clients/blindrsa/interop.mjs).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

H_LEN = 48  # SHA-384
SALT_LEN = 48


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mgf1(seed: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha384(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def emsa_pss_encode(message: bytes, em_bits: int, salt: bytes) -> bytes:
    em_len = (em_bits + 7) // 8
    m_hash = hashlib.sha384(message).digest()
    h = hashlib.sha384(b"\0" * 8 + m_hash + salt).digest()
    ps = b"\0" * (em_len - len(salt) - H_LEN - 2)
    db = ps + b"\x01" + salt
    masked = bytes(a ^ b for a, b in zip(db, _mgf1(h, em_len - H_LEN - 1), strict=True))
    zero_bits = 8 * em_len - em_bits
    masked = bytes([masked[0] & (0xFF >> zero_bits)]) + masked[1:]
    return masked + h + b"\xbc"


@dataclass(frozen=True)
class Blinded:
    prepared: bytes
    blinded_msg: bytes
    inv: int


def public_numbers(public_der: bytes) -> tuple[int, int]:
    key = serialization.load_der_public_key(public_der)
    assert isinstance(key, rsa.RSAPublicKey)
    return key.public_numbers().n, key.public_numbers().e


def message_for(survey_key: str, unit_id: int) -> bytes:
    """The message the service's page makes: muster/<survey>/<unit>/ + 32 random bytes."""
    return f"muster/{survey_key}/{unit_id}/".encode() + secrets.token_bytes(32)


def blind(public_der: bytes, message: bytes, *, salt: bytes | None = None) -> Blinded:
    """Prepare (Randomized: 32 random bytes in front) and Blind (RFC 9474 §4.1, §4.2)."""
    n, e = public_numbers(public_der)
    prepared = secrets.token_bytes(32) + message
    encoded = emsa_pss_encode(prepared, n.bit_length() - 1, salt or secrets.token_bytes(SALT_LEN))
    m = int.from_bytes(encoded, "big")
    r = secrets.randbelow(n - 2) + 2
    z = m * pow(r, e, n) % n
    size = (n.bit_length() + 7) // 8
    return Blinded(prepared, z.to_bytes(size, "big"), pow(r, -1, n))


def finalize(public_der: bytes, blinded: Blinded, blind_sig: bytes) -> bytes:
    """The unblinded signature (RFC 9474 §4.4, without its verification step)."""
    n, _ = public_numbers(public_der)
    s = int.from_bytes(blind_sig, "big") * blinded.inv % n
    return s.to_bytes(len(blind_sig), "big")


def token(prepared: bytes, signature: bytes) -> str:
    return b64(prepared + signature)
