"""The shape of the code: one owner for every rule (issue 13).

These tests read the source as text. They fail when a rule is written a second time or two
packages come to import each other, and name the place to fold back.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

SERVICE = Path(__file__).resolve().parent.parent / "service"

# Point 2 of issue 13 gave waves one home; no pair is pending any more. A pair listed here
# would be allowed to import each other; the test below fails once a listed pair is resolved.
WAVE_LIFECYCLE_PENDING: set[frozenset[str]] = set()


def _sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted(SERVICE.rglob("*.py"))}


def _top(path: Path) -> str:
    """The top-level package or module of `service/` a file belongs to."""
    parts = path.relative_to(SERVICE).with_suffix("").parts
    return parts[0]


def _imports(path: Path, text: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("service"):
            parts = node.module.split(".")
            found |= {alias.name for alias in node.names} if len(parts) == 1 else {parts[1]}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("service.")}
    return found - {_top(path)}


def _cycles() -> dict[frozenset[str], list[str]]:
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path, text in _sources().items():
        for target in _imports(path, text):
            edges[_top(path)][target].append(str(path.relative_to(SERVICE)))
    out: dict[frozenset[str], list[str]] = {}
    for a, targets in edges.items():
        for b, files in targets.items():
            if a in edges.get(b, {}):
                out.setdefault(frozenset({a, b}), []).extend(files)
    return out


def test_no_two_packages_import_each_other() -> None:
    cycles = _cycles()
    unexpected = {tuple(sorted(pair)): files for pair, files in cycles.items()
                  if pair not in WAVE_LIFECYCLE_PENDING}  # fmt: skip
    assert not unexpected, f"packages that import each other (by file): {unexpected}"


def test_the_pending_wave_lifecycle_pairs_are_still_real() -> None:
    resolved = [sorted(pair) for pair in WAVE_LIFECYCLE_PENDING if pair not in _cycles()]
    assert not resolved, f"remove {resolved} from WAVE_LIFECYCLE_PENDING: they are resolved"


# (what, pattern, the only files that may hold it)
ONE_OWNER = [
    (
        "the subtree rule in Python",
        r'startswith\([^)]*\+ "/"\)|def (_?in_subtree|visible_root|viewer_scope|sees_root|'
        r"sees_path|_check_visible)\b",
        {"scope/rules.py"},
    ),
    (
        "the subtree test in SQL",
        r"~>=~|~<~|starts_with\([^)]*\|\| '/'\)|LIKE [^\n]*'/%'",
        {"scope/queries.py"},
    ),
    (
        "unit resolution (id, path, slug)",
        r"FROM unit\s+WHERE slug = |def (resolve_unit|fetch_unit_by_ref)\b",
        {"scope/queries.py", "scope/service.py", "units/service.py"},
    ),
    (
        "an exception's HTTP status",
        r"too large|\.status_code\b(?! *=)",
        {"errors.py"},
    ),
    (
        "taking msgspec's validation messages apart",
        r"`\$\.|- at `|\" - at \"",
        {"errors.py"},
    ),
    ("MAX_ID", r"MAX_ID = ", {"db.py"}),
    (
        "whose API token this is",
        r"def fetch_own_token\b|raise TokenNotFound\b",
        {"auth/service.py"},
    ),
]


def test_each_rule_is_written_in_one_place() -> None:
    strays: list[str] = []
    for what, pattern, owners in ONE_OWNER:
        regex = re.compile(pattern)
        for path, text in _sources().items():
            where = str(path.relative_to(SERVICE))
            # The translation catalogues hold English messages as data ("... too large"),
            # not code that applies a rule.
            if where in owners or where.startswith("translations/"):
                continue
            code = _code(text)
            for match in regex.finditer(code):
                strays.append(f"{what}: {where}: {match.group(0)!r}")
    assert not strays, "\n".join(strays)


def _code(text: str) -> str:
    """The source without its docstrings and comments: prose may name the old ways."""
    prose: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            doc = body[0].value
            if isinstance(doc, ast.Constant) and isinstance(doc.value, str):
                prose |= set(range(doc.lineno, (doc.end_lineno or doc.lineno) + 1))
    lines = text.splitlines()
    return "\n".join(
        line.split("#", 1)[0] if "#" in line and "'" not in line and '"' not in line else line
        for number, line in enumerate(lines, 1)
        if number not in prose and not line.lstrip().startswith("#")
    )


# SQL runs in queries.py files only: a call on a connection (fetch, fetchrow, fetchval,
# execute, executemany, cursor, copy_*) anywhere else is a statement to move there.
SQL_CALL = re.compile(
    r"(?<!queries)\.(fetch|fetchrow|fetchval|execute|executemany|cursor|copy_\w+)\("
)
# What may still run SQL outside a queries.py, and why. Each entry must still be true: the
# test below fails when a file here no longer runs SQL, so that it is removed.
SQL_OUTSIDE_QUERIES = {
    # The migration runner: it executes the migration files themselves, and keeps its own
    # bookkeeping table (schema_migration) under an advisory lock before any capability's
    # tables exist. db, health, the CLI, the tests and every bench import it as one module.
    "migrate.py",
    # The start-up check of PostgreSQL's own settings (pg_settings, replication slots, the
    # role's grants): no application table. db.py is imported by every queries.py, so it
    # cannot import one.
    "db.py",
}


def _sql_calls() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path, text in _sources().items():
        where = str(path.relative_to(SERVICE))
        if path.name != "queries.py":
            calls = [match.group(0) for match in SQL_CALL.finditer(_code(text))]
            if calls:
                found[where] = calls
    return found


def test_sql_runs_only_in_queries_modules() -> None:
    strays = {where: calls for where, calls in _sql_calls().items()
              if where not in SQL_OUTSIDE_QUERIES}  # fmt: skip
    assert not strays, f"move this SQL into the capability's queries.py: {strays}"


def test_every_allowed_sql_outside_queries_is_still_there() -> None:
    gone = sorted(SQL_OUTSIDE_QUERIES - set(_sql_calls()))
    assert not gone, f"remove {gone} from SQL_OUTSIDE_QUERIES: they run no SQL any more"


def test_no_module_is_over_600_lines() -> None:
    long = {
        str(path.relative_to(SERVICE)): text.count("\n")
        for path, text in _sources().items()
        if text.count("\n") > 600
    }
    assert not long, f"split these by what they do: {long}"
