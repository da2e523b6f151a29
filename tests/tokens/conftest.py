"""Fixtures for the token tests: a pool and one signing process (the links-wave builders are
in tests/factories.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from service import db
from service.tokens.signing import Signer


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
