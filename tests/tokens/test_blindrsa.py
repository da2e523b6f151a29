"""The server's half of RFC 9474 against the RFC's own test vectors (Appendix A)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from service.tokens import blindrsa
from tests.tokens.client import emsa_pss_encode

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "rfc9474_vectors.json").read_text()
)["vectors"]
RANDOMIZED = next(v for v in VECTORS if v["name"] == blindrsa.VARIANT)


def _int(hex_text: str) -> int:
    return int(hex_text, 16)


def _bytes(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text.removeprefix("0x"))


def _private_der(vector: dict[str, Any]) -> bytes:
    p, q, d, e = (_int(vector[name]) for name in ("p", "q", "d", "e"))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=d % (p - 1),
        dmq1=d % (q - 1),
        iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(e=e, n=_int(vector["n"])),
    )
    return numbers.private_key().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_the_randomized_vector_is_the_variant_muster_uses() -> None:
    assert RANDOMIZED["sLen"] == "0x30" and blindrsa.SALT_BYTES == 0x30
    assert len(_bytes(RANDOMIZED["msg_prefix"])) == blindrsa.PREFIX_BYTES
    assert _bytes(RANDOMIZED["input_msg"]) == _bytes(RANDOMIZED["msg_prefix"]) + _bytes(
        RANDOMIZED["msg"]
    )


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_blind_sign_gives_the_rfc_blind_signature(vector: dict[str, Any]) -> None:
    # BlindSign is the same for every variant: RSASP1 of the blinded message.
    signed = blindrsa.blind_sign(_private_der(vector), _bytes(vector["blinded_msg"]))
    assert signed == _bytes(vector["blind_sig"])


def test_the_finalised_rfc_signature_verifies_and_a_changed_one_does_not() -> None:
    der = _private_der(RANDOMIZED)
    public = blindrsa.public_key_der(der)
    prepared = _bytes(RANDOMIZED["input_msg"])
    signature = _bytes(RANDOMIZED["sig"])
    # Finalize (§4.4): the client's unblinding of the blind signature gives the RFC's sig.
    n = _int(RANDOMIZED["n"])
    unblinded = _int(RANDOMIZED["blind_sig"]) * _int(RANDOMIZED["inv"]) % n
    assert unblinded.to_bytes(len(signature), "big") == signature
    assert blindrsa.verify(public, prepared, signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not blindrsa.verify(public, prepared, flipped)
    assert not blindrsa.verify(public, prepared[:-1] + bytes([prepared[-1] ^ 1]), signature)
    assert not blindrsa.verify(public, _bytes(RANDOMIZED["msg"]), signature)


def test_the_rfc_blinded_message_is_the_encoded_message_blinded_by_the_inverse_of_inv() -> None:
    vector = next(v for v in VECTORS if "encoded_msg" in v and v["sLen"] == "0x30")
    n, e = _int(vector["n"]), _int(vector["e"])
    r = pow(_int(vector["inv"]), -1, n)
    blinded = _int(vector["encoded_msg"]) * pow(r, e, n) % n
    assert blinded == _int(vector["blinded_msg"])


def test_a_fresh_key_signs_what_a_client_blinds_and_the_result_is_a_standard_pss_signature() -> (
    None
):
    der = blindrsa.generate_private_key()
    public = blindrsa.public_key_der(der)
    key = serialization.load_der_public_key(public)
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == blindrsa.KEY_BITS
    n, e = key.public_numbers().n, key.public_numbers().e
    size = blindrsa.modulus_bytes(public)
    # A client's Blind with an encoded message we make by signing normally and opening it:
    # any m below n is what BlindSign sees; unblinding must give m^d.
    m = secrets.randbelow(n)
    r = secrets.randbelow(n - 2) + 2
    blinded = (m * pow(r, e, n)) % n
    blind_sig = blindrsa.blind_sign(der, blinded.to_bytes(size, "big"))
    s = int.from_bytes(blind_sig, "big") * pow(r, -1, n) % n
    assert pow(s, e, n) == m
    # And a signature made by OpenSSL over a prepared message passes verify().
    private = serialization.load_der_private_key(der, password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    prepared = secrets.token_bytes(blindrsa.PREFIX_BYTES) + b"message"
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=blindrsa.SALT_BYTES)
    assert blindrsa.verify(public, prepared, private.sign(prepared, pss, hashes.SHA384()))


@pytest.mark.parametrize(
    ("blinded", "reason"),
    [
        (b"\x01" * 10, "unexpected input size"),
        (b"\xff" * 256, "message representative out of range"),
    ],
)
def test_blind_sign_refuses_a_message_it_cannot_sign(blinded: bytes, reason: str) -> None:
    der = blindrsa.generate_private_key()
    with pytest.raises(blindrsa.BlindSignError, match=reason):
        blindrsa.blind_sign(der, blinded)


def test_the_fingerprint_is_the_sha256_of_the_published_key_and_its_short_form_its_start() -> None:
    public = blindrsa.public_key_der(_private_der(RANDOMIZED))
    full = blindrsa.fingerprint(public)
    short = blindrsa.short_fingerprint(public)
    assert len(full) == 64
    assert short.replace(" ", "") == full[:20].upper()
    assert [len(group) for group in short.split(" ")] == [4, 4, 4, 4, 4]


def test_the_test_client_encodes_as_the_rfc_does() -> None:
    # tests/tokens/client.py is checked here against the RFC, so tests that use it check the
    # service against the standard.
    vector = next(v for v in VECTORS if "encoded_msg" in v and v["sLen"] == "0x30")
    n = _int(vector["n"])
    encoded = emsa_pss_encode(
        _bytes(vector["input_msg"]), n.bit_length() - 1, _bytes(vector["salt"])
    )
    assert encoded == _bytes(vector["encoded_msg"])
