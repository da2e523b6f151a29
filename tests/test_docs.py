"""The docs keep up with the code: every setting and every problem type is documented."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from service.cli import build_parser
from service.config import Settings
from service.errors import problem_types

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("field", Settings.__struct_fields__)
def test_every_setting_is_documented(field: str) -> None:
    assert f"`MUSTER_{field.upper()}`" in (DOCS / "settings.md").read_text()


@pytest.mark.parametrize("cls", problem_types(), ids=lambda cls: cls.__name__)
def test_every_problem_type_is_documented(cls: type) -> None:
    assert f"`{cls.type_slug}`" in (DOCS / "problems.md").read_text()  # type: ignore[attr-defined]


def test_readme_links_to_every_doc() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    for doc in sorted(DOCS.glob("*.md")):
        assert f"docs/{doc.name}" in readme, doc.name


def test_operations_has_the_backup_section_the_readme_promises() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    assert "backups and what they hold" in readme
    ops = (DOCS / "operations.md").read_text()
    section = ops.split("## Backups and what they hold", 1)[1]
    for needed in (
        "pgdata",
        "secret_key",
        "pg_dump",
        "while a wave is open",
        "after a wave's close",
    ):
        assert needed in section, needed
    anchor = "#after-a-wave-closes-what-remains-where-and-for-how-long"
    assert anchor in section
    heading = "## After a wave closes: what remains, where, and for how long"
    assert heading in (DOCS / "anonymity.md").read_text()


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps its subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@pytest.mark.parametrize("doc", [*sorted(p.name for p in DOCS.glob("*.md")), "../README.md"])
def test_every_muster_command_a_doc_names_exists(doc: str) -> None:
    text = (DOCS / doc).read_text()
    commands = _subcommands(build_parser())
    for first, second in re.findall(
        r"`muster (?:--json )?([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", text
    ):
        assert first in commands, f"{doc}: muster {first}"
        below = _subcommands(commands[first])
        if below:
            assert second in below, f"{doc}: muster {first} {second}"
