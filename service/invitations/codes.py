"""Invitation codes: 130 random bits a person can type, with a check character.

A code is 26 symbols of Crockford's base 32 (digits and capitals without I, L, O, U,
so nothing reads as another) followed by one check symbol, shown in groups of four:
`7K3M-9QXR-T2VB-...`. Parsing forgives case, spaces, dashes and the look-alikes
I/L (read as 1) and O (read as 0). The check symbol (a weighted sum over GF(32))
catches every single mistyped symbol and every swap of two different symbols, before
anything is sent to the database.

Only `hash_code(code)` is ever stored: a code carries 130 bits of entropy, so a plain
SHA-256 is already infeasible to reverse.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)
PAYLOAD_SYMBOLS = 26  # 26 x 5 bits = 130 bits of entropy
GROUP = 4
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


class CodeError(ValueError):
    """The text is not a well-formed code; `reason` says which way."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _times_alpha(value: int) -> int:
    # Multiplication by the generator of GF(32), modulo the primitive polynomial x^5 + x^2 + 1.
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _check_symbol(payload: str) -> str:
    # sum of value_i * alpha^(n - i) in GF(32): every position has its own non-zero weight
    # (alpha has order 31 > 27 symbols), so a changed symbol or a swap of two different
    # symbols always changes the sum.
    total = 0
    for symbol in payload:
        total = _times_alpha(total) ^ _VALUE[symbol]
    return ALPHABET[_times_alpha(total)]


def new_code() -> str:
    """A fresh code, grouped for printing."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_SYMBOLS))
    return group(payload + _check_symbol(payload))


def group(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(text: str) -> str:
    """The canonical form of a typed or scanned code, or CodeError saying what is wrong."""
    cleaned = "".join(ch for ch in text.upper() if not ch.isspace() and ch != "-")
    cleaned = cleaned.translate(_LOOK_ALIKES)
    if not cleaned:
        raise CodeError("empty")
    if any(ch not in _VALUE for ch in cleaned):
        raise CodeError("characters")
    if len(cleaned) != PAYLOAD_SYMBOLS + 1:
        raise CodeError("length")
    if _check_symbol(cleaned[:-1]) != cleaned[-1]:
        raise CodeError("check")
    return cleaned


def hash_code(code: str) -> bytes:
    """The stored form of a code (normalised first, so any typed form maps to one hash)."""
    return hashlib.sha256(normalise(code).encode()).digest()
