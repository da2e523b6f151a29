"""The export against real releases: rows, nulls, scope, order, metadata, formats, files."""

from __future__ import annotations

import asyncio
import io
import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from service.errors import InvalidInput, ProgramNotFound, UnitNotFound, WaveNotFound
from service.export import formats, service
from service.export.queries import EXPORT_COLUMNS
from service.export.schemas import ExportMetadata
from tests.factories import T0, make_staff, make_unit, principal_for, released_history

NOW = T0 + timedelta(days=400)
# Hex versions can look like numbers to a CSV reader: docs/export.md says to read them as text.
TEXT_COLUMNS = {"instrument_version": pl.String, "plan_version": pl.String}


async def _history(conn: Any, **kwargs: Any) -> dict[str, Any]:
    return await released_history(conn, **kwargs)


async def _all_rows(conn: Any, viewer: Any, program_id: int, **filters: Any) -> list[Any]:
    flt = await service.prepare_export(conn, viewer, program_id, **filters)
    rows, cursor = [], None
    while True:
        page = await service.list_releases(conn, flt, limit=97, cursor=cursor)
        rows += page.rows
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor


async def _bytes(conn: Any, viewer: Any, program_id: int, fmt: Any, **filters: Any) -> bytes:
    flt = await service.prepare_export(conn, viewer, program_id, **filters)
    metadata = await service.build_metadata(conn, viewer, flt, NOW)
    out = b""
    async for chunk in service.export_chunks(conn, flt, fmt, metadata):
        out += chunk
    return out


async def test_every_stored_row_is_exported_once_in_the_stable_order(conn: Any) -> None:
    history = await _history(conn)
    rows = await _all_rows(conn, None, history["program_id"])
    stored = await conn.fetchval(
        "SELECT count(*) FROM release WHERE wave_id = ANY($1::bigint[])", history["wave_ids"]
    )
    assert len(rows) == stored
    keys = [(r.wave_seq, r.unit_path.encode(), r.statistic.encode()) for r in rows]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert {r.wave_id for r in rows} == set(history["wave_ids"])


async def test_unpublished_values_are_null_and_published_ones_are_numbers(conn: Any) -> None:
    history = await _history(conn)
    rows = await _all_rows(conn, None, history["program_id"])
    unpublished = [r for r in rows if not r.published]
    published = [r for r in rows if r.published]
    assert unpublished and published
    for row in unpublished:
        assert (row.value, row.std_error, row.lower, row.upper) == (None, None, None, None)
    for row in published:
        assert all(isinstance(v, float) for v in (row.value, row.std_error, row.lower, row.upper))
    # The stored numbers of unpublished rows exist; the export does not carry them.
    assert await conn.fetchval(
        "SELECT count(*) FROM release WHERE NOT published AND value IS NOT NULL"
    )


async def test_statistic_parts_and_levels_are_split_out(conn: Any) -> None:
    history = await _history(conn)
    rows = await _all_rows(conn, None, history["program_id"])
    root = history["units"][0]
    by_stat = {r.statistic: r for r in rows if r.unit_id == root["unit_id"]}
    assert by_stat["responses"].measure == "responses"
    assert by_stat["responses"].instrument_slug is None
    mean = by_stat["scale:openness/psych_safety:mean"]
    assert (mean.instrument_slug, mean.scale, mean.item, mean.measure) == (
        "openness", "psych_safety", None, "mean",
    )  # fmt: skip
    band = next(r for r in rows if ":band:" in r.statistic)
    assert band.measure.startswith("band:") and band.scale is not None
    item = next(r for r in rows if r.statistic.startswith("item:"))
    assert item.item is not None and item.scale is None
    assert item.measure == "option:" + item.statistic.rsplit(":", 1)[1]
    depth = {u["unit_id"]: u["depth"] - root["depth"] for u in history["units"]}
    assert all(r.level == depth[r.unit_id] for r in rows)
    trend = [r for r in rows if r.measure == "trend"]
    assert trend and all(r.wave_seq == 2 for r in trend)


async def test_published_intervals_are_reproducible_from_value_and_std_error(conn: Any) -> None:
    history = await _history(conn)
    metadata_flt = await service.prepare_export(conn, None, history["program_id"])
    metadata = await service.build_metadata(conn, None, metadata_flt, NOW)
    scale_range = {
        f"{i.slug}/{s.id}": (s.low, s.high) for i in metadata.instruments for s in i.scales
    }
    z = metadata.interval.z
    checked = 0
    for row in await _all_rows(conn, None, history["program_id"]):
        if not row.published:
            continue
        if row.measure == "mean":
            low, high = scale_range[f"{row.instrument_slug}/{row.scale}"]
        elif row.measure.startswith("band:"):
            low, high = 0.0, 1.0
        elif row.measure in ("trend", "rolling4"):
            low, high = -math.inf, math.inf
        else:
            low, high = 0.0, math.inf
        if not low < row.value < high:
            continue  # clamped: see docs/export.md
        assert row.lower == pytest.approx(max(row.value - z * row.std_error, low), abs=1e-9)
        assert row.upper == pytest.approx(min(row.value + z * row.std_error, high), abs=1e-9)
        checked += 1
    assert checked > 100


async def test_a_leader_sees_only_rows_of_their_subtree(conn: Any) -> None:
    history = await _history(conn)
    branch = history["units"][1]
    leader = principal_for(await make_staff(conn, role="leader", unit=branch))
    rows = await _all_rows(conn, leader, history["program_id"])
    assert rows
    assert all(r.unit_path == branch["path"] or r.unit_path.startswith(branch["path"] + "/")
               for r in rows)  # fmt: skip
    assert history["units"][0]["unit_id"] not in {r.unit_id for r in rows}


async def test_a_researcher_scoped_to_a_subtree_cannot_ask_for_another(conn: Any) -> None:
    history = await _history(conn)
    mine, other = history["units"][1], history["units"][2]
    researcher = principal_for(await make_staff(conn, role="researcher", unit=mine))
    rows = await _all_rows(conn, researcher, history["program_id"])
    assert {r.unit_id for r in rows} <= {
        u["unit_id"] for u in history["units"] if u["path"].startswith(mine["path"])
    }
    with pytest.raises(UnitNotFound):  # as if there were none (issue 12)
        await service.prepare_export(conn, researcher, history["program_id"], unit=other["path"])


async def test_a_program_outside_the_viewers_tree_is_refused(conn: Any) -> None:
    history = await _history(conn, waves_count=1)
    elsewhere = await make_unit(conn)
    leader = principal_for(await make_staff(conn, role="leader", unit=elsewhere))
    with pytest.raises(ProgramNotFound):  # as if there were none (issue 12)
        await service.prepare_export(conn, leader, history["program_id"])
    with pytest.raises(ProgramNotFound):
        await service.prepare_export(conn, None, 2**62)


async def test_filters_narrow_the_rows(conn: Any) -> None:
    history = await _history(conn)
    program_id, (first, second) = history["program_id"], history["wave_ids"]
    branch = history["units"][1]
    rows = await _all_rows(
        conn, None, program_id, wave_id=second, unit=branch["path"], scale="openness/psych_safety",
        level=1,
    )  # fmt: skip
    assert rows
    assert {r.wave_id for r in rows} == {second}
    assert {r.unit_id for r in rows} == {branch["unit_id"]}
    assert {r.statistic.split(":")[1] for r in rows} == {"openness/psych_safety"}
    with pytest.raises(WaveNotFound):
        other = await released_history(conn, waves_count=1)
        await service.prepare_export(conn, None, program_id, wave_id=other["wave_ids"][0])
    with pytest.raises(InvalidInput):
        await service.prepare_export(conn, None, program_id, scale="no slash")
    assert first


async def test_a_cursor_that_was_not_given_out_is_invalid_input(conn: Any) -> None:
    history = await _history(conn, waves_count=1)
    flt = await service.prepare_export(conn, None, history["program_id"])
    with pytest.raises(InvalidInput) as refused:
        await service.list_releases(conn, flt, cursor="not-a-cursor")
    assert refused.value.errors is not None
    assert refused.value.errors[0].field == "cursor"


async def test_metadata_says_everything_a_researcher_needs(conn: Any) -> None:
    history = await _history(conn)
    flt = await service.prepare_export(conn, None, history["program_id"])
    metadata = await service.build_metadata(conn, None, flt, NOW)
    ledger = await conn.fetch(
        "SELECT wave_id, rho, epsilon, delta FROM ledger WHERE program_id = $1 ORDER BY at",
        history["program_id"],
    )
    assert [w.wave_id for w in metadata.waves] == history["wave_ids"]
    for wave, entry in zip(metadata.waves, ledger, strict=True):
        assert wave.charge is not None
        assert (wave.charge.rho, wave.charge.epsilon, wave.charge.delta) == (
            entry["rho"], entry["epsilon"], entry["delta"],
        )  # fmt: skip
        assert wave.policy.epsilon_per_wave == 8.0
        assert wave.plan_versions == ["2"]  # issue 11: statistics per level, plan 2
        assert wave.rows > 0
    # Rolling-year totals grow with each release within the year (rho adds up under zCDP).
    first, second = (w.charge for w in metadata.waves)
    assert first is not None and second is not None
    assert second.rolling_year_rho == pytest.approx(first.rho + second.rho)
    assert second.rolling_year_epsilon > first.rolling_year_epsilon
    assert metadata.ledger.charges == 2
    assert metadata.mechanism.name == "gaussian"
    assert "one respondent in one wave" in metadata.privacy_unit.lower()
    assert "least squares" in metadata.consistency
    assert metadata.interval.level == 0.95 and metadata.interval.z == pytest.approx(1.96, 1e-3)
    slugs = {i.slug for i in metadata.instruments}
    assert slugs == {"help-seeking-stigma", "openness", "workplace-support"}
    stigma = next(i for i in metadata.instruments if i.slug == "help-seeking-stigma")
    assert all(set(item.text) == {"en", "fr"} for item in stigma.items)
    assert any(s.reverse_coded for s in stigma.scales)
    assert all(s.bands and s.low == 1 and s.high == 5 for s in stigma.scales)
    assert [c.name for c in metadata.columns] == list(EXPORT_COLUMNS)
    assert "wave" in metadata.citation and str(T0.year + 1) in metadata.citation


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
async def test_every_format_holds_the_same_rows(conn: Any, fmt: str) -> None:
    history = await _history(conn)
    expected = await _all_rows(conn, None, history["program_id"])
    data = await _bytes(conn, None, history["program_id"], fmt)
    if fmt == "csv":
        frame = pd.read_csv(io.BytesIO(data))
    elif fmt == "parquet":
        frame = pq.read_table(io.BytesIO(data)).to_pandas()
    else:
        frame = pd.DataFrame(json.loads(data)["rows"])
    assert list(frame.columns) == list(EXPORT_COLUMNS)
    assert len(frame) == len(expected)
    assert list(frame["statistic"]) == [r.statistic for r in expected]
    assert list(frame["unit_path"]) == [r.unit_path for r in expected]
    values = frame["value"].tolist()
    for got, row in zip(values, expected, strict=True):
        if row.value is None:
            assert got is None or math.isnan(got)
        else:
            assert got == row.value  # exact: no rounding on the way
    assert frame["published"].dtype == bool
    assert (
        not frame.loc[~frame["published"], ["value", "std_error", "lower", "upper"]]
        .notna()
        .any()
        .any()
    )


async def test_parquet_carries_the_metadata_and_a_typed_schema(conn: Any) -> None:
    history = await _history(conn, waves_count=1)
    data = await _bytes(conn, None, history["program_id"], "parquet")
    table = pq.read_table(io.BytesIO(data))
    meta = msgspec.json.decode(table.schema.metadata[b"muster"], type=ExportMetadata)
    assert meta.program.program_id == history["program_id"]
    assert str(table.schema.field("wave_opens_at").type) == "timestamp[us, tz=UTC]"
    assert table.schema.field("value").metadata[b"description"].startswith(b"The released")
    frame = pl.read_parquet(io.BytesIO(data))
    assert frame.height == table.num_rows
    assert frame.schema["published"] == pl.Boolean


async def test_parquet_streams_in_row_groups(conn: Any) -> None:
    history = await _history(conn, waves_count=1)
    flt = await service.prepare_export(conn, None, history["program_id"])
    metadata = await service.build_metadata(conn, None, flt, NOW)
    chunks = []
    async with conn.transaction():
        async for chunk in formats.parquet_chunks(
            conn, flt, metadata, row_group_rows=100, batch_rows=50
        ):
            chunks.append(chunk)
    assert len(chunks) > 3  # one per row group, then the footer
    parquet = pq.ParquetFile(io.BytesIO(b"".join(chunks)))
    # One chunk per full row group; the last one comes with the footer.
    assert parquet.metadata.num_row_groups in (len(chunks) - 1, len(chunks))
    assert parquet.metadata.num_rows == await service.queries.count_release_rows(conn, flt)


async def test_a_csv_reader_that_stops_early_stops_the_copy(conn: Any, monkeypatch: Any) -> None:
    history = await _history(conn, waves_count=1)
    # Enough rows for many COPY chunks, and room for one chunk only between copy and reader.
    await conn.execute(
        """
        INSERT INTO release (wave_id, unit_id, statistic, value, std_error, lower, upper,
                             published, mechanism, plan_version)
        SELECT $1, $2, 'scale:pad/pad:band:' || g, 0.5, 0.1, 0.3, 0.7, true, 'gaussian', '1'
        FROM generate_series(1, 50000) g
        """,
        history["wave_ids"][0],
        history["units"][0]["unit_id"],
    )
    monkeypatch.setattr(formats, "QUEUE_CHUNKS", 1)
    flt = await service.prepare_export(conn, None, history["program_id"])
    transaction = conn.transaction()
    await transaction.start()
    stream = formats.csv_chunks(conn, flt)
    first = await anext(stream)
    await stream.aclose()
    assert first.startswith(b"program_id,program_name,")
    # The COPY was cancelled on the server: the transaction is aborted, the connection fine.
    with pytest.raises(asyncpg.InFailedSQLTransactionError):
        await conn.fetchval("SELECT 1")
    await transaction.rollback()
    assert await conn.fetchval("SELECT 1") == 1


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
async def test_export_to_file_writes_a_file_that_loads(conn: Any, tmp_path: Path, fmt: str) -> None:
    history = await _history(conn)
    out = tmp_path / f"export.{fmt}"
    summary = await service.export_to_file(
        conn, None, history["program_id"], history["wave_ids"][1], fmt, out, now=NOW
    )
    assert summary.path == str(out) and out.stat().st_size == summary.bytes
    if fmt == "csv":
        frame = pl.read_csv(out, schema_overrides=TEXT_COLUMNS)
        assert summary.metadata_path is not None
        sidecar = json.loads(await asyncio.to_thread(Path(summary.metadata_path).read_text))
        assert sidecar["program"]["program_id"] == history["program_id"]
    elif fmt == "parquet":
        frame = pl.read_parquet(out)
        assert summary.metadata_path is None
    else:
        document = json.loads(out.read_text())
        assert document["metadata"]["waves"][0]["wave_id"] == history["wave_ids"][1]
        frame = pl.DataFrame(document["rows"], infer_schema_length=None)
    assert frame.height == summary.rows > 0
    assert set(frame["wave_id"].to_list()) == {history["wave_ids"][1]}
    assert not await asyncio.to_thread(lambda: list(tmp_path.glob(".*.partial")))


async def test_the_csv_writes_every_float_as_a_float_so_readers_do_not_guess_integers(
    conn: Any, tmp_path: Path
) -> None:
    history = await _history(conn)
    floats = ("value", "std_error", "lower", "upper", "noise_scale", "privacy_share")
    # Noise rarely lands on a whole number, so one stored row is made whole in every float
    # column (this test's transaction is rolled back): the check never depends on the draw.
    await conn.execute(
        "UPDATE release SET "
        + ", ".join(f"{c} = 3" for c in floats)
        + " WHERE ctid = (SELECT ctid FROM release r JOIN wave w USING (wave_id)"
        " WHERE w.program_id = $1 AND r.value IS NOT NULL LIMIT 1)",
        history["program_id"],
    )
    out = tmp_path / "export.csv"
    await service.export_to_file(conn, None, history["program_id"], None, "csv", out, now=NOW)
    frame = pl.read_csv(out, infer_schema_length=None, schema_overrides=TEXT_COLUMNS)
    raw = pl.read_csv(out, infer_schema_length=None, infer_schema=False)
    whole = [
        cell for c in floats for cell in raw[c].drop_nulls().to_list() if float(cell).is_integer()
    ]
    # Whole numbers occur (a clamped bound, a noise scale); each is written as one.
    assert whole and all("." in cell or "e" in cell or cell[-1] == "y" for cell in whole)
    assert all(frame.schema[c] == pl.Float64 for c in floats)
