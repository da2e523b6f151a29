"""RSA blind signatures, RSABSSA-SHA384-PSS-Randomized (RFC 9474), the server's half.

The browser prepares and blinds a message, the server signs the blinded message without
learning it (`blind_sign`), and the browser unblinds the result into an ordinary RSASSA-PSS
signature (SHA-384, MGF1-SHA-384, 48-byte salt) over the prepared message, which anyone
verifies with the public key (`verify`).

The `cryptography` package makes and stores the keys and verifies signatures, but offers no
raw RSA operation, which BlindSign needs; so RSASP1 is written here over its key material.
Python's `pow` is not constant-time, so the private operation is blinded twice: the base
by a fresh random r (m·r^e, unblinded by r^-1 afterwards) and each CRT exponent by a random
multiple of p-1 or q-1, so its running time says nothing stable about the key or the input.
As RFC 9474 §4.3 requires, a signature is checked against the public key before it is
returned, which also catches any fault in the CRT arithmetic.

Plain functions of bytes and integers, so that `blind_sign` can run in another process
(see service/tokens/signing.py): a private key never outlives the call that uses it.
"""

from __future__ import annotations

import hashlib
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

VARIANT = "RSABSSA-SHA384-PSS-Randomized"
KEY_BITS = 2048
PUBLIC_EXPONENT = 65537
# PSS with SHA-384: the salt is as long as the hash (RFC 9474 §5).
SALT_BYTES = 48
# The random prefix the Randomized variant's Prepare puts before the message (§4.1).
PREFIX_BYTES = 32
# Bits of the random multiples that blind the CRT exponents.
EXPONENT_BLINDING_BITS = 64
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_BYTES)


class BlindSignError(ValueError):
    """The blinded message cannot be signed: wrong size or out of range ("invalid input"),
    or the signature failed its own check ("signing failure")."""


def generate_private_key() -> bytes:
    """A fresh key pair as PKCS #8 DER (unencrypted: it is stored where the wave's
    collection data is, and dropped with it)."""
    key = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _private(private_der: bytes) -> rsa.RSAPrivateKey:
    # Validation costs about 70 ms and proves nothing new: the key was made by
    # generate_private_key, and blind_sign checks every signature it makes.
    key = serialization.load_der_private_key(
        private_der, password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("not an RSA private key")
    return key


def public_key_der(private_der: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo of a private key: what GET /s/<key>/key publishes."""
    return (
        _private(private_der)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def fingerprint(public_der: bytes) -> str:
    """Hex SHA-256 of the DER SubjectPublicKeyInfo."""
    return hashlib.sha256(public_der).hexdigest()


def short_fingerprint(public_der: bytes) -> str:
    """The first 80 bits of the fingerprint in five groups of four, e.g. `3F2A 9C01 7B44 E2D0
    51AA`: short enough to compare with a notice board by eye, far too long to match with
    a second key made on purpose (that would take about 2^80 key generations)."""
    digits = fingerprint(public_der)[:20].upper()
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def modulus_bytes(public_der: bytes) -> int:
    key = serialization.load_der_public_key(public_der)
    if not isinstance(key, rsa.RSAPublicKey):
        raise TypeError("not an RSA public key")
    return (key.key_size + 7) // 8


def blind_sign(private_der: bytes, blinded_msg: bytes) -> bytes:
    """BlindSign (RFC 9474 §4.3): the signature of `blinded_msg`, checked before it is returned.

    Raises BlindSignError for a message of the wrong length or not below the modulus, and
    for a signature that does not verify.
    """
    numbers = _private(private_der).private_numbers()
    public = numbers.public_numbers
    n, e = public.n, public.e
    size = (n.bit_length() + 7) // 8
    if len(blinded_msg) != size:
        raise BlindSignError("unexpected input size")
    m = int.from_bytes(blinded_msg, "big")
    if m >= n:
        raise BlindSignError("message representative out of range")
    # Base blinding: sign m·r^e instead of m; the result is s·r, unblinded by r^-1.
    while True:
        r = secrets.randbelow(n - 2) + 2
        try:
            r_inverse = pow(r, -1, n)
        except ValueError:  # r shares a factor with n: astronomically unlikely, try again
            continue
        break
    blinded = (m * pow(r, e, n)) % n
    # RSASP1 by the Chinese remainder theorem, each exponent blinded by k·(prime - 1).
    p, q = numbers.p, numbers.q
    dp = numbers.dmp1 + secrets.randbits(EXPONENT_BLINDING_BITS) * (p - 1)
    dq = numbers.dmq1 + secrets.randbits(EXPONENT_BLINDING_BITS) * (q - 1)
    s_p = pow(blinded, dp, p)
    s_q = pow(blinded, dq, q)
    h = (numbers.iqmp * (s_p - s_q)) % p
    s = ((s_q + h * q) * r_inverse) % n
    # RSAVP1, and the signature must give back m (§4.3 step 4-5).
    if pow(s, e, n) != m:
        raise BlindSignError("signing failure")
    return s.to_bytes(size, "big")


def verify(public_der: bytes, prepared_msg: bytes, signature: bytes) -> bool:
    """RSASSA-PSS-VERIFY (SHA-384, MGF1-SHA-384, 48-byte salt) of a finalised signature."""
    key = serialization.load_der_public_key(public_der)
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, prepared_msg, _PSS, hashes.SHA384())
    except InvalidSignature:
        return False
    return True
