"""What the `muster` command prints: results as text tables or JSON (--json), and
problems as a title, a detail and the fields to correct (or the problem document)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import msgspec

from service.errors import Problem


def _plain(value: Any) -> Any:
    return msgspec.to_builtins(value)


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    if not rows:
        return "(none)"
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


def emit(value: Any, args: argparse.Namespace, columns: Sequence[str] | None = None) -> None:
    data = _plain(value)
    if args.json:
        sys.stdout.write(msgspec.json.encode(data).decode() + "\n")
    elif isinstance(data, list) and columns:
        print(_table(data, columns))
    elif isinstance(data, dict):
        width = max((len(k) for k in data), default=0)
        for key, item in data.items():
            print(f"{key.ljust(width)}  {_cell(item)}")
    elif data is not None:
        print(data)


def emit_problem(problem: Problem, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(msgspec.json.encode(problem).decode() + "\n")
        return
    print(f"error: {problem.title}", file=sys.stderr)
    print(f"  {problem.detail}", file=sys.stderr)
    for error in problem.errors or []:
        print(f"  - {error.field}: {error.message}", file=sys.stderr)
