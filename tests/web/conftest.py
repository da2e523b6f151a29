"""Programs and waves written with plain SQL, so the page tests need nothing but the schema."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.factories import insert_program, insert_wave


@pytest.fixture
def program_rows() -> Callable[[Any, dict[str, Any], str], Awaitable[dict[str, Any]]]:
    return insert_program


@pytest.fixture
def wave_rows() -> Callable[..., Awaitable[dict[str, Any]]]:
    return insert_wave
