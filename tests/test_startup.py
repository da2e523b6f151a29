"""What a server worker and the `muster` command import before they can answer (issue 16).

Every worker imports the app at start-up, on every start and every respawn, and `make demo`
waits for the first one. Libraries that only a few requests need (printing, Parquet,
measuring a release) are imported by those requests: at start-up they cost a second of CPU
per worker (bench/setup.py measures clone to serving).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Library -> what needs it, on demand.
ON_DEMAND = {
    "fpdf": "card and handout PDFs",
    "fontTools": "card and handout PDFs (through fpdf2)",
    "PIL": "card and handout PDFs (through fpdf2)",
    "pyarrow": "Parquet exports",
    "opendp": "releases, participation refreshes and budgets",
    "numpy": "nothing: a development dependency only (the release counts bytes)",
}


def _imported_by(module: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after importing `module`."""
    code = (
        f"import json, sys, {module}; "
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))"
    )
    out = subprocess.run(  # noqa: S603 - this interpreter, a fixed snippet
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module", ["service.app", "service.cli"])
def test_starting_imports_no_library_that_only_some_requests_need(module: str) -> None:
    loaded = _imported_by(module) & set(ON_DEMAND)
    assert not loaded, {name: ON_DEMAND[name] for name in sorted(loaded)}


def test_the_on_demand_libraries_are_still_installed_and_found() -> None:
    # The test above must not pass because a library is missing from the environment.
    loaded = _imported_by("fpdf, pyarrow.parquet, opendp.prelude")
    assert set(ON_DEMAND) <= loaded
