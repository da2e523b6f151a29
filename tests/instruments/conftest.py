"""Fixtures for instrument tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

SURVEYS = Path(__file__).resolve().parents[2] / "surveys"

WriteInstrument = Callable[..., Path]


@pytest.fixture
def write_instrument(tmp_path: Path) -> WriteInstrument:
    """Write `text` as <slug>.toml in a fresh folder and return its path."""

    def write(text: str, slug: str = "sample") -> Path:
        path = tmp_path / f"{slug}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def surveys_dir() -> Path:
    """The instruments that ship with Muster."""
    return SURVEYS
