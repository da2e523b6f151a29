"""The three export formats, each produced as a stream of byte chunks in constant memory.

- CSV: PostgreSQL itself writes the CSV (`COPY (SELECT ...) TO STDOUT`); chunks go through
  a queue of at most QUEUE_CHUNKS chunks, so a slow reader holds the copy back instead of
  letting it pile up in memory.
- Parquet: a server-side cursor is read BATCH_ROWS rows at a time; batches become Arrow
  record batches, and every ROW_GROUP_ROWS rows one row group is written with
  pyarrow.parquet.ParquetWriter into a spool that is emptied after each row group. The
  export metadata rides in the file's schema metadata (key `muster`).
- JSON: one document {"metadata": ..., "rows": [...]}, written row batch by row batch.

What stays in memory at once: one cursor batch of records and, for Parquet, one row group
as Arrow columns plus its encoded bytes; never the whole export.
The caller must hold the connection inside a transaction (a cursor needs one).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from functools import cache
from typing import TYPE_CHECKING, Any

import msgspec

from service.db import Conn
from service.export import queries
from service.export.queries import EXPORT_COLUMNS, Filter
from service.export.schemas import ExportMetadata

if TYPE_CHECKING:
    import pyarrow as pa

BATCH_ROWS = 5_000
ROW_GROUP_ROWS = 100_000
QUEUE_CHUNKS = 16
PARQUET_METADATA_KEY = b"muster"
COMPRESSION = "zstd"

MEDIA_TYPES = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
}


@cache
def _arrow_types() -> dict[str, pa.DataType]:
    """Each export column's Arrow type. pyarrow is imported here and in the Parquet writer
    only: its import costs every server worker CPU at start-up for the few Parquet exports."""
    import pyarrow as pa

    utc = pa.timestamp("us", tz="UTC")
    return {
        "program_id": pa.int64(),
        "program_name": pa.string(),
        "wave_id": pa.int64(),
        "wave_seq": pa.int32(),
        "wave_opens_at": utc,
        "wave_closes_at": utc,
        "unit_id": pa.int64(),
        "unit_path": pa.string(),
        "level": pa.int32(),
        "statistic": pa.string(),
        "instrument_slug": pa.string(),
        "scale": pa.string(),
        "item": pa.string(),
        "measure": pa.string(),
        "value": pa.float64(),
        "std_error": pa.float64(),
        "lower": pa.float64(),
        "upper": pa.float64(),
        "published": pa.bool_(),
        "mechanism": pa.string(),
        "noise_scale": pa.float64(),
        "privacy_share": pa.float64(),
        "instrument_version": pa.string(),
        "plan_version": pa.string(),
        "unverified": pa.bool_(),
    }


# Columns that are never null, declared so in the Parquet schema.
_REQUIRED = frozenset(
    {"program_id", "program_name", "wave_id", "wave_seq", "wave_opens_at", "wave_closes_at",
     "unit_id", "unit_path", "level", "statistic", "measure", "published", "mechanism",
     "plan_version", "unverified"}
)  # fmt: skip


def arrow_schema(metadata: ExportMetadata | None) -> pa.Schema:
    import pyarrow as pa

    types = _arrow_types()
    descriptions = {c.name: c.description for c in metadata.columns} if metadata else {}
    fields = [
        pa.field(
            name,
            types[name],
            nullable=name not in _REQUIRED,
            metadata={"description": descriptions[name]} if name in descriptions else None,
        )
        for name in EXPORT_COLUMNS
    ]
    extra = {PARQUET_METADATA_KEY: msgspec.json.encode(metadata)} if metadata else None
    return pa.schema(fields, metadata=extra)


async def _batches(conn: Conn, flt: Filter, size: int = BATCH_ROWS) -> AsyncIterator[list[Any]]:
    async for batch in queries.iter_release_rows(conn, flt, size):
        yield batch


# --- CSV -------------------------------------------------------------------------------


class _ReaderGone(Exception):
    """Raised inside the COPY's sink when nobody reads any more: asyncpg then cancels the
    COPY on the server and the connection stays usable (only the transaction is aborted)."""


async def csv_chunks(conn: Conn, flt: Filter) -> AsyncIterator[bytes]:
    """The CSV export (header line first) as PostgreSQL writes it."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()
    # At most QUEUE_CHUNKS chunks wait for the reader; then the copy waits for it.
    room = asyncio.Semaphore(QUEUE_CHUNKS)
    gone = False

    async def sink(chunk: bytes) -> None:
        await room.acquire()
        if gone:
            raise _ReaderGone
        queue.put_nowait(bytes(chunk))  # asyncpg hands over a bytearray it may reuse

    async def copy() -> None:
        try:
            await queries.copy_release_csv(conn, flt, sink)
        finally:
            queue.put_nowait(None)  # the reader wakes up whatever happened

    task = asyncio.create_task(copy())
    try:
        while (chunk := await queue.get()) is not None:
            room.release()
            yield chunk
        await task  # raises what the copy raised
    finally:
        if not task.done():
            # The reader went away (a closed download): make the sink refuse the next chunk.
            gone = True
            room.release()
            with contextlib.suppress(_ReaderGone):
                await task


# --- Parquet ---------------------------------------------------------------------------


class _Spool(io.RawIOBase):
    """Where ParquetWriter writes: bytes are handed out and forgotten after each row group.

    `tell` keeps counting across drains, because the Parquet footer records file offsets.
    """

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _record_batch(records: list[Any], schema: pa.Schema) -> pa.RecordBatch:
    import pyarrow as pa

    columns = list(zip(*records, strict=True))
    arrays = [
        pa.array(column, type=field.type) for column, field in zip(columns, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


async def parquet_chunks(
    conn: Conn,
    flt: Filter,
    metadata: ExportMetadata,
    *,
    row_group_rows: int = ROW_GROUP_ROWS,
    batch_rows: int = BATCH_ROWS,
) -> AsyncIterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(metadata)
    spool = _Spool()
    sink = pa.PythonFile(spool, mode="w")
    writer = pq.ParquetWriter(sink, schema, compression=COMPRESSION)
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    try:
        async for records in _batches(conn, flt, batch_rows):
            pending.append(_record_batch(records, schema))
            pending_rows += len(records)
            if pending_rows >= row_group_rows:
                writer.write_table(pa.Table.from_batches(pending, schema=schema))
                pending, pending_rows = [], 0
                yield spool.drain()
        if pending:
            writer.write_table(pa.Table.from_batches(pending, schema=schema))
        writer.close()
        yield spool.drain()
    finally:
        if writer.is_open:
            writer.close()


# --- JSON ------------------------------------------------------------------------------


async def json_chunks(conn: Conn, flt: Filter, metadata: ExportMetadata) -> AsyncIterator[bytes]:
    """{"metadata": {...}, "rows": [{...}, ...]}, one row per line inside the array."""
    encoder = msgspec.json.Encoder()
    yield b'{"metadata":' + encoder.encode(metadata) + b',\n"rows":['
    first = True
    async for records in _batches(conn, flt):
        lines = b",\n".join(
            encoder.encode(dict(zip(EXPORT_COLUMNS, r, strict=True))) for r in records
        )
        yield (b"\n" if first else b",\n") + lines
        first = False
    yield b"\n]}\n"


async def chunks(
    conn: Conn, flt: Filter, fmt: str, metadata: ExportMetadata
) -> AsyncIterator[bytes]:
    if fmt == "csv":
        source = csv_chunks(conn, flt)
    elif fmt == "parquet":
        source = parquet_chunks(conn, flt, metadata)
    else:
        source = json_chunks(conn, flt, metadata)
    async for chunk in source:
        if chunk:
            yield chunk
