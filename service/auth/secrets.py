"""Random secrets and their stored forms."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "mst_"  # noqa: S105 (a prefix that marks tokens in leaked text, not a secret)


def load_secret_key(configured: str, data_dir: Path) -> bytes:
    """The key for keyed hashes: MUSTER_SECRET_KEY, or one generated once into data_dir."""
    if configured:
        return configured.encode()
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def hash_session_id(session_id: str) -> bytes:
    # Session ids are 256 random bits; a plain hash is enough to make a stolen table useless.
    return hashlib.sha256(session_id.encode()).digest()


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_api_token(key: bytes, token: str) -> bytes:
    return hmac.new(key, token.encode(), hashlib.sha256).digest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# argon2id with the library's defaults (RFC 9106's second recommendation); a stored hash
# made with other parameters is replaced at the next successful login.
PASSWORD_HASHER = PasswordHasher()


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def hash_password(password: str, hasher: PasswordHasher = PASSWORD_HASHER) -> str:
    hashed: str = hasher.hash(password)
    return hashed


def verify_password(stored: str, password: str, hasher: PasswordHasher = PASSWORD_HASHER) -> bool:
    try:
        return bool(hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str, hasher: PasswordHasher = PASSWORD_HASHER) -> bool:
    try:
        return bool(hasher.check_needs_rehash(stored))
    except InvalidHashError:
        return True


@cache
def dummy_password_hash() -> str:
    """A hash no password matches, so that an unknown email costs as much as a wrong password."""
    return hash_password(secrets.token_urlsafe(32))
