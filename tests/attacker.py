"""What an attacker with the database server's files would look for (docs/anonymity.md).

Plain functions over raw bytes: no PostgreSQL function reads a file for us, so nothing
the server hides (dead tuples, deleted index entries, free space, files awaiting unlink)
is hidden from these scans.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A heap tuple's header is 23 bytes, padded to 24 when it has no null bitmap; its first
# four bytes are xmin, the transaction that wrote it.
HEAP_HEADER = 24


def files_under(*folders: Path) -> Iterator[Path]:
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                yield path


async def database_folders(conn: Any) -> list[Path]:
    """The folder of this database's relation files (every table, index, TOAST table, free
    space and visibility map, pg_statistic included) and the shared catalogs' folder."""
    data = Path(await conn.fetchval("SHOW data_directory"))
    oid = await conn.fetchval("SELECT oid FROM pg_database WHERE datname = current_database()")
    return [data / "base" / str(oid), data / "global"]


# WAL is written in 8 kB pages, each opening with a header (a longer one at the start of
# a segment) that may split a record, and a hash in it, in two.
WAL_PAGE, WAL_SHORT_HEADER, WAL_LONG_HEADER = 8192, 24, 40


def wal_records(data: bytes) -> bytes:
    """A WAL segment's bytes without its page headers, so split records read whole."""
    return b"".join(
        data[start + (WAL_LONG_HEADER if start == 0 else WAL_SHORT_HEADER) : start + WAL_PAGE]
        for start in range(0, len(data), WAL_PAGE)
    )


def find(paths: Iterable[Path], needles: Iterable[bytes], *, wal: bool = False) -> set[bytes]:
    """The needles that occur anywhere in these files (WAL segments read whole with `wal`)."""
    wanted = list(needles)
    pattern = re.compile(b"|".join(re.escape(n) for n in wanted))
    found: set[bytes] = set()
    for path in paths:
        try:
            data = path.read_bytes()
        except (FileNotFoundError, PermissionError):  # removed while we listed it
            continue
        found.update(match.group(0) for match in pattern.finditer(data))
        if wal:
            found.update(match.group(0) for match in pattern.finditer(wal_records(data)))
    return found


@dataclass(frozen=True)
class TupleVersion:
    path: Path
    offset: int
    xmin: int


def response_versions(paths: Iterable[Path], wave_id: int, unit_id: int) -> list[TupleVersion]:
    """Every heap tuple version of a response row of (wave, unit), live or dead, by its
    first two columns (wave_id, unit_id) followed by a one-dimensional smallint array."""
    # The array's varlena header (1 byte when short, else 4), then ndim = 1, no nulls,
    # element type int2 (oid 21).
    head = struct.pack("<qq", wave_id, unit_id)
    array = re.compile(
        re.escape(head) + rb"(?s:.|.{4})\x01\x00\x00\x00\x00\x00\x00\x00\x15\x00\x00\x00"
    )
    versions = []
    for path in paths:
        try:
            data = path.read_bytes()
        except (FileNotFoundError, PermissionError):
            continue
        for match in array.finditer(data):
            start = match.start() - HEAP_HEADER
            if start >= 0:
                (xmin,) = struct.unpack_from("<I", data, start)
                versions.append(TupleVersion(path, match.start(), xmin))
    return versions
