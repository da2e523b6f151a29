"""The Python examples in docs/export.md run against a real export.

Every ```python block of docs/export.md runs in a folder holding the files the examples
name, written by export_to_file from real releases; a block whose first line is the
marker comment `# docs-test: skip` (plotting, which needs matplotlib) is left out.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from service.export import service
from tests.factories import T0, released_history

DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "export.md"
SKIP_MARKER = "# docs-test: skip"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
RUN = [block for block in BLOCKS if not block.startswith(SKIP_MARKER)]


def test_the_doc_has_examples_to_run_and_only_plotting_is_skipped() -> None:
    assert len(RUN) >= 3
    skipped = [block for block in BLOCKS if block.startswith(SKIP_MARKER)]
    assert skipped and all("matplotlib" in block for block in skipped)
    assert "```r\n" in DOC.read_text()


@pytest.fixture
async def export_folder(conn: Any, tmp_path: Path) -> Path:
    history = await released_history(conn, waves_count=2)
    now = T0 + timedelta(days=200)
    for fmt in ("parquet", "csv", "json"):
        await service.export_to_file(
            conn, None, history["program_id"], None, fmt, tmp_path / f"muster-export.{fmt}",
            now=now,
        )  # fmt: skip
    return tmp_path


@pytest.mark.parametrize("index", range(len(RUN)))
async def test_a_python_example_runs(
    export_folder: Path, index: int, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(export_folder)
    code = compile(RUN[index], f"docs/export.md python block {index + 1}", "exec")
    exec(code, {"__name__": "docs_example"})  # noqa: S102 - our own documentation
    assert os.listdir(export_folder)
    capsys.readouterr()


async def test_the_columns_the_doc_says_are_null_for_trend_and_rolling4_are_null_exactly_there(
    export_folder: Path,
) -> None:
    import polars as pl

    table = DOC.read_text()
    rows = pl.read_parquet(export_folder / "muster-export.parquet")
    derived = rows["measure"].is_in(["trend", "rolling4"])
    assert derived.any()
    for column in ("noise_scale", "privacy_share"):
        line = next(line for line in table.splitlines() if line.startswith(f"| `{column}` |"))
        assert "null for trend and rolling4" in line and "not measured at that unit" in line
        null = rows[column].is_null()
        # Derived rows are null; any other null is a statistic not measured, never published.
        assert (null.filter(derived)).all(), column
        assert not rows.filter(null & ~derived)["published"].any(), column
        assert not null.filter(rows["published"] & ~derived).any(), column
