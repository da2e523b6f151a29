"""The researcher export: released aggregates with their privacy metadata, nothing else.

Only stored release rows leave Muster this way (docs/export.md). Who may see what is the
same as everywhere: a program must be visible to the viewer, and rows are limited to the
viewer's subtree (leaders, and researchers whose account has a unit). Unpublished values
are exported as null with `published = false`; the SQL nulls them, so no number of an
unpublished row is ever read into this process. The metadata that travels with every
export (policy, guarantee, ledger, columns) is built in metadata.py.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from service.auth.principal import Principal
from service.db import Conn, Pool
from service.errors import FieldError, InvalidInput, WaveNotFound
from service.export import formats, queries
from service.export.metadata import build_metadata
from service.export.queries import Filter
from service.export.schemas import (
    ExportMetadata,
    ExportSummary,
    Format,
    ReleasePage,
    ReleaseRow,
)
from service.programs.service import fetch_program
from service.scope.rules import visible_root
from service.scope.service import resolve_unit

DEFAULT_PAGE = 1_000
MAX_PAGE = 10_000
MAX_LEVEL = 100
SCALE_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?/[a-z0-9_]{1,40}$"
_SCALE_RE = re.compile(SCALE_PATTERN)

# --- who sees what, and which rows --------------------------------------------------------


async def prepare_export(
    conn: Conn,
    viewer: Principal | None,
    program_id: int,
    *,
    wave_id: int | None = None,
    unit: str | None = None,
    scale: str | None = None,
    level: int | None = None,
) -> Filter:
    """Check the program, wave and unit against the viewer; the rows to export.

    Raises ProgramNotFound (no such program, or outside the viewer's scope), WaveNotFound
    (no such wave in this program), UnitNotFound (`unit` unknown or outside the scope),
    InvalidInput (`scale` or `level` malformed).
    """
    await fetch_program(conn, viewer, program_id)
    if wave_id is not None and await queries.fetch_wave_program(conn, wave_id) != program_id:
        raise WaveNotFound(
            f"Program {program_id} has no wave {wave_id}. "
            f"List its waves with GET /api/v1/programs/{program_id}/waves."
        )
    scope = visible_root(viewer)
    unit_path = None
    if unit is not None:
        # A unit outside the viewer's scope is the same UnitNotFound as an unknown one.
        unit_path = (await resolve_unit(conn, viewer, unit)).path
    if scale is not None and not _SCALE_RE.fullmatch(scale):
        raise _invalid("scale", "Name a scale as <instrument>/<scale>, e.g. openness/psych_safety.")
    if level is not None and not 0 <= level <= MAX_LEVEL:
        raise _invalid("level", f"Use a level between 0 (the program's root) and {MAX_LEVEL}.")
    if level is not None and level > (
        deepest := await queries.fetch_deepest_level(conn, program_id)
    ):
        raise _invalid(
            "level",
            f"The program's units go {deepest} levels below its root: use a level between 0 "
            f"(the root) and {deepest}.",
        )
    return Filter(
        program_id=program_id,
        wave_id=wave_id,
        scope_path=scope,
        unit_path=unit_path,
        statistic_prefix=f"scale:{scale}:" if scale is not None else None,
        level=level,
    )


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        "Correct the fields listed under `errors` and send the request again.",
        errors=[FieldError(field=field, message=message)],
    )


def encode_cursor(row: ReleaseRow) -> str:
    raw = msgspec.json.encode([row.wave_seq, row.unit_path, row.statistic])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str, str]:
    refused = _invalid("cursor", "Pass the `next_cursor` of the previous page unchanged.")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        seq, path, statistic = msgspec.json.decode(raw, type=tuple[int, str, str])
    except (ValueError, binascii.Error, msgspec.DecodeError):
        raise refused from None
    # Only what a cursor we gave out can hold: an integer seq, text without NUL.
    if not 0 <= seq <= 2**31 - 1 or "\x00" in path or "\x00" in statistic:
        raise refused
    return seq, path, statistic


def metadata_url(flt: Filter) -> str:
    url = f"/api/v1/releases/metadata?program={flt.program_id}"
    return url + (f"&wave={flt.wave_id}" if flt.wave_id is not None else "")


async def list_releases(
    conn: Conn, flt: Filter, *, limit: int = DEFAULT_PAGE, cursor: str | None = None
) -> ReleasePage:
    """One page of rows in the export order (wave seq, unit path, statistic; byte order)."""
    if not 1 <= limit <= MAX_PAGE:
        raise _invalid("limit", f"Ask for 1 to {MAX_PAGE} rows per page.")
    after = decode_cursor(cursor) if cursor is not None else None
    records = await queries.list_release_page(conn, flt, after, limit + 1)
    rows = [ReleaseRow(**dict(r)) for r in records[:limit]]
    return ReleasePage(
        program_id=flt.program_id,
        rows=rows,
        limit=limit,
        next_cursor=encode_cursor(rows[-1]) if len(records) > limit else None,
        metadata=metadata_url(flt),
    )


# --- streaming --------------------------------------------------------------------------


def _in_snapshot(conn: Conn) -> Any:
    # A read-only snapshot so that a long export sees one state; inside a caller's transaction
    # (the command line) a savepoint instead.
    if conn.is_in_transaction():
        return conn.transaction()
    return conn.transaction(isolation="repeatable_read", readonly=True)


async def export_chunks(
    conn: Conn, flt: Filter, fmt: Format, metadata: ExportMetadata
) -> AsyncIterator[bytes]:
    """The export as byte chunks, read through a cursor (or COPY) in one snapshot."""
    async with _in_snapshot(conn):
        await queries.set_local_utc(conn)
        async for chunk in formats.chunks(conn, flt, fmt, metadata):
            yield chunk


async def stream_export(
    pool: Pool[Any], flt: Filter, fmt: Format, metadata: ExportMetadata
) -> AsyncIterator[bytes]:
    """For HTTP responses: a connection of its own, held only while the body is sent
    (the request's connection is returned before a streamed body starts)."""
    async with pool.acquire() as conn:
        async for chunk in export_chunks(conn, flt, fmt, metadata):
            yield chunk


def export_filename(flt: Filter, fmt: Format) -> str:
    wave = f"-wave-{flt.wave_id}" if flt.wave_id is not None else ""
    return f"muster-program-{flt.program_id}{wave}-releases.{fmt}"


async def export_to_file(
    conn: Conn,
    viewer: Principal | None,
    program_id: int,
    wave_id: int | None,
    fmt: Format,
    out_path: str | Path,
    *,
    now: datetime | None = None,
) -> ExportSummary:
    """Write a program's released rows (one wave's with `wave_id`) to `out_path`.

    csv: the rows, plus the metadata in `<out_path>.metadata.json`; parquet: the metadata in
    the schema metadata (key `muster`); json: {"metadata": ..., "rows": [...]}. The file is
    written to a temporary name next to it and renamed at the end, so a failed export leaves
    no half file behind.
    """
    if fmt not in ("csv", "json", "parquet"):
        raise _invalid("format", "Use csv, json or parquet.")
    now = now or datetime.now(UTC)
    flt = await prepare_export(conn, viewer, program_id, wave_id=wave_id)
    metadata = await build_metadata(conn, viewer, flt, now)
    rows = await queries.count_release_rows(conn, flt)
    target = Path(out_path)
    partial = target.with_name(f".{target.name}.partial")
    digest = hashlib.sha256()
    size = 0
    handle = await asyncio.to_thread(partial.open, "wb")
    try:
        async for chunk in export_chunks(conn, flt, fmt, metadata):
            digest.update(chunk)
            size += len(chunk)
            await asyncio.to_thread(handle.write, chunk)
        await asyncio.to_thread(handle.close)
        await asyncio.to_thread(os.replace, partial, target)
    except BaseException:
        await asyncio.to_thread(handle.close)
        await asyncio.to_thread(partial.unlink, True)
        raise
    metadata_path = None
    if fmt == "csv":
        sidecar = target.with_name(target.name + ".metadata.json")
        await asyncio.to_thread(
            sidecar.write_bytes, msgspec.json.format(msgspec.json.encode(metadata))
        )
        metadata_path = str(sidecar)
    return ExportSummary(
        program_id=program_id,
        wave_id=wave_id,
        format=fmt,
        path=str(target),
        rows=rows,
        bytes=size,
        sha256=digest.hexdigest(),
        metadata_path=metadata_path,
    )
