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


def answers_at(data: bytes, at: int) -> bytes | None:
    """The stored answers (a bytea of 1 to 500 bytes, migration 0012) starting at `at`, or
    None: a 1-byte varlena header (odd: length with header << 1 | 1) up to 126 bytes, else
    an uncompressed 4-byte one (length with header << 2)."""
    if at >= len(data):
        return None
    if data[at] & 1:
        length = (data[at] >> 1) - 1
        body = at + 1
        if not 1 <= length <= 126:
            return None
    else:
        if at + 4 > len(data):
            return None
        (word,) = struct.unpack_from("<I", data, at)
        length, body = (word >> 2) - 4, at + 4
        if word & 3 or not 127 <= length <= 500:
            return None
    return data[body : body + length] if body + length <= len(data) else None


def _response_tuple(data: bytes, start: int) -> bool:
    """Whether the heap tuple header at `start` is a response row's: 3 attributes (the low
    11 bits of t_infomask2, at byte 18) and its data right after the 24-byte header
    (t_hoff, byte 22). Release rows, say, also begin with a wave and a unit."""
    (infomask2,) = struct.unpack_from("<H", data, start + 18)
    return infomask2 & 0x07FF == 3 and data[start + 22] == HEAP_HEADER


def response_versions(paths: Iterable[Path], wave_id: int, unit_id: int) -> list[TupleVersion]:
    """Every heap tuple version of a response row of (wave, unit), live or dead: a tuple of
    3 attributes whose first two columns are (wave_id, unit_id), followed by its answers,
    a bytea of 1 to 500 bytes (migration 0012)."""
    head = struct.pack("<qq", wave_id, unit_id)
    versions = []
    for path in paths:
        try:
            data = path.read_bytes()
        except (FileNotFoundError, PermissionError):
            continue
        for match in re.finditer(re.escape(head), data):
            start = match.start() - HEAP_HEADER
            if start >= 0 and _response_tuple(data, start) and answers_at(data, match.end()):
                (xmin,) = struct.unpack_from("<I", data, start)
                versions.append(TupleVersion(path, match.start(), xmin))
    return versions
