"""`muster invitations cards|links`: cards, open links and issuance links written to a file.

The codes exist only in the file these write (service/cli.py registers the commands).
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from service import db
from service.config import Settings
from service.errors import FieldError, InvalidInput
from service.terminal import emit

# A command of `muster`: what service/cli.py runs inside one transaction.
Command = Callable[[db.Conn, argparse.Namespace, Settings], Awaitable[Any]]


def cmd_invitations(kind: str) -> Command:
    """Cards (or open links) for a wave, written to --out; the codes exist only in that file."""

    async def run(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
        from service.invitations import files
        from service.invitations import service as invitations

        if kind == "links" and args.count is not None:
            await _issuance_links(conn, args, settings)
            return
        fmt = files.format_for_name(args.out)
        if fmt is None:
            raise InvalidInput(
                "Name the output file .pdf, .html or .csv.",
                errors=[FieldError(field="out", message="unknown file type")],
            )
        # Checked first: a refused address leaves no codes behind.
        base = invitations.printable_base_url(settings, f"http://{settings.host}:{settings.port}")
        if kind == "cards":
            batch: Any = await invitations.generate_cards(
                conn,
                None,
                args.wave,
                args.unit,
                args.count,
                include_subtree=args.subtree,
                spare_percent=args.spare_percent,
            )
        else:
            batch = await invitations.create_open_links(
                conn, None, args.wave, args.unit, include_subtree=args.subtree
            )
        content, _ = files.cards_file(batch, fmt, args.paper, base)
        # Written before the transaction commits: if the file cannot be written, no code
        # is stored that nobody holds.
        _write_file(args.out, content)
        summary: dict[str, Any] = {"out": args.out, "format": fmt}
        if kind == "cards":
            summary["cards"] = len(batch.cards)
        else:
            summary["links"] = len(batch.links)
            summary["replaced"] = batch.replaced_paths
        emit(summary, args)

    return run


async def _issuance_links(conn: db.Conn, args: argparse.Namespace, settings: Settings) -> None:
    """One issuance link per person of a links wave, as CSV (the tickets' only copy)."""
    from service.invitations import links
    from service.invitations import service as invitations

    if not args.out.lower().endswith(".csv"):
        raise InvalidInput(
            "Issuance links are exported as CSV: name the output file .csv.",
            errors=[FieldError(field="out", message="must end in .csv")],
        )
    base = invitations.printable_base_url(settings, f"http://{settings.host}:{settings.port}")
    batch = await invitations.create_links(
        conn, None, args.wave, args.unit, args.count, include_subtree=args.subtree
    )
    _write_file(args.out, links.render_csv(batch, base).encode())
    emit(links.summary(batch, args.out), args)


def _write_file(path: str, content: bytes) -> None:
    Path(path).write_bytes(content)
