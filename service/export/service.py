"""The researcher export: released aggregates with their privacy metadata, nothing else.

Only stored release rows leave Muster this way (docs/export.md). Who may see what is the
same as everywhere: a program must be visible to the viewer, and rows are limited to the
viewer's subtree (leaders, and researchers whose account has a unit). Unpublished values
are exported as null with `published = false`; the SQL nulls them, so no number of an
unpublished row is ever read into this process.
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
from service.export.queries import EXPORT_COLUMNS, Filter
from service.export.schemas import (
    FORMAT_VERSION,
    BandInfo,
    ColumnInfo,
    ExportFilters,
    ExportMetadata,
    ExportSummary,
    Format,
    InstrumentInfo,
    InstrumentRef,
    IntervalRule,
    ItemInfo,
    LedgerCharge,
    LedgerTotals,
    Mechanism,
    OptionInfo,
    ProgramInfo,
    ReleasePage,
    ReleaseRow,
    ScaleInfo,
    StatisticInfo,
    WaveInfo,
)
from service.instruments.service import fetch_instruments_by_ids, option_range, required_answers
from service.privacy.estimates import Z95
from service.privacy.schemas import LedgerEntry
from service.privacy.service import PER_RESPONSE, YEAR, ledger_report, year_spent
from service.programs.service import fetch_program
from service.scope.rules import visible_root
from service.scope.service import resolve_unit
from service.waves.schemas import FrozenSettings

DEFAULT_PAGE = 1_000
MAX_PAGE = 10_000
MAX_LEVEL = 100
SCALE_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?/[a-z0-9_]{1,40}$"
_SCALE_RE = re.compile(SCALE_PATTERN)

COLUMNS: dict[str, tuple[str, str]] = {
    "program_id": ("integer", "The program's id."),
    "program_name": ("string", "The program's name."),
    "wave_id": ("integer", "The wave's id."),
    "wave_seq": ("integer", "The wave's number within the program: 1, 2, 3, ..."),
    "wave_opens_at": ("timestamp (UTC)", "When the wave was planned to open."),
    "wave_closes_at": ("timestamp (UTC)", "When the wave was planned (or made) to close."),
    "unit_id": ("integer", "The unit's id."),
    "unit_path": ("string", "The unit's path of slugs from the organisation's root, '/'-joined."),
    "level": ("integer", "Depth below the program's root unit: 0 is the root."),
    "statistic": (
        "string",
        "responses | scale:<instrument>/<scale>:<measure> | item:<instrument>/<item>:<option>",
    ),
    "instrument_slug": (
        "string",
        "The instrument of a scale or item statistic; null for responses.",
    ),
    "scale": ("string", "The scale id of a scale statistic; null otherwise."),
    "item": ("string", "The item id of an item statistic; null otherwise."),
    "measure": (
        "string",
        "responses, mean, count, band:<band id>, trend, rolling4, or option:<value> (items).",
    ),
    "value": ("float", "The released (noisy, consistent) estimate; null when unpublished."),
    "std_error": ("float", "Its standard error, noise included; null when unpublished."),
    "lower": ("float", "Lower end of the 95% interval; null when unpublished."),
    "upper": ("float", "Upper end of the 95% interval; null when unpublished."),
    "published": ("boolean", "False: not enough responses to show this value; see the parent."),
    "mechanism": ("string", "gaussian (discrete Gaussian, zCDP) or laplace (discrete Laplace)."),
    "noise_scale": ("float", "Noise scale of the measurement behind the value (sigma or b)."),
    "privacy_share": (
        "float",
        "Share of the wave's privacy budget (rho or epsilon) spent on that measurement.",
    ),
    "instrument_version": ("string", "The instrument version (content hash) the wave asked."),
    "plan_version": ("string", "Version of the release plan (budget split and derivations)."),
    "unverified": ("boolean", "True for open-link waves: one response per person not assured."),
}

STATISTICS = [
    StatisticInfo(
        pattern="responses",
        meaning="Noisy number of responses in the unit's subtree.",
        clamping="none: stored unbiased, may be below 0 (the dashboard shows it clamped at 0)",
        budget="responses block (5% of each measured level's share)",
    ),
    StatisticInfo(
        pattern="scale:<instrument>/<scale>:mean",
        meaning="Mean scale score of the unit's respondents counted in the scale.",
        clamping="[low, high] of the scale (instruments[].scales[].low/high, e.g. [1, 5])",
        budget="the scale's sum and count blocks (2:1), at the levels that measure it: "
        "headline scales at every measured level, the others above the headline level",
    ),
    StatisticInfo(
        pattern="scale:<instrument>/<scale>:count",
        meaning="Noisy number of respondents who answered enough items to count in the scale.",
        clamping="none: stored unbiased, may be below 0",
        budget="the scale's count block (a third of the scale's part of its level)",
    ),
    StatisticInfo(
        pattern="scale:<instrument>/<scale>:band:<band>",
        meaning="Share of the scale's respondents whose score lies in the band.",
        clamping="[0, 1]",
        budget="band blocks (15% of a level measuring bands)",
    ),
    StatisticInfo(
        pattern="item:<instrument>/<item>:<option value>",
        meaning="Noisy number of respondents who chose the option (top histogram_levels only).",
        clamping="none: stored unbiased, may be below 0",
        budget="item blocks (15% of a level measuring histograms)",
    ),
    StatisticInfo(
        pattern="scale:<instrument>/<scale>:trend",
        meaning="Change of the mean since the program's previous released wave; real only "
        "when [lower, upper] excludes 0.",
        clamping="none",
        budget="none: post-processing of two published means",
    ),
    StatisticInfo(
        pattern="scale:<instrument>/<scale>:rolling4",
        meaning="Pooled mean: the mean of this and the previous (up to 3) released waves' "
        "means, published on its own predicted precision, whether or not a wave's mean was.",
        clamping="none",
        budget="none: post-processing of stored means",
    ),
]

PRIVACY_UNIT = (
    "One respondent in one wave: neighbouring datasets differ by adding or removing one "
    "response. Each response counts in its unit and in every ancestor."
)
CONSISTENCY = (
    "Generalised least squares over the unit tree (per block and cell, a different noise "
    "variance per level; one pass up, one down), so that children add up to their parent. "
    "std_error is the exact standard error of the consistent estimate (means and shares: "
    "delta method). Post-processing: costs no privacy."
)
PUBLISH_RULE = (
    "Decided without selecting on the noise of what is published, never from true counts. "
    "A count is published when the unit's public headcount is at least min_publish_count "
    "and the count's 95% half-width (fixed by the plan before any data) is at most a sixth "
    "of the headcount; a mean or band share when the unit's noisy response count (a "
    "separate measurement) is at least min_publish_count and the plan's predicted "
    "half-width at that count is at most max_half_width; a pooled (rolling4) mean likewise "
    "on its pooled precision. Published values cover at the stated 95%. Unpublished units "
    "still count in their parents."
)
UNPUBLISHED = (
    "Unpublished values are exported as null (value, std_error, lower and upper) with "
    "published = false, never as numbers: read them as 'not enough responses — see parent'."
)
INTERVAL = IntervalRule(
    level=0.95,
    z=Z95,
    formula="lower = max(value - z * std_error, clamp_low); "
    "upper = min(value + z * std_error, clamp_high)",
    clamping=(
        "Means are clamped to the scale's range, shares to [0, 1] and counts to [0, inf): "
        "value and interval both. When a value lies strictly inside its range the formula "
        "reproduces lower and upper exactly; a value at a bound was clamped, and its interval "
        "was computed around the unclamped estimate. Trend and rolling4 are not clamped."
    ),
)


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
        errors=[FieldError(field=f"query.{field}", message=message)],
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


# --- metadata ---------------------------------------------------------------------------


def _rolling(entries: list[LedgerEntry], at: datetime, mechanism: str, delta: float) -> Any:
    window = [e for e in entries if at - YEAR < e.at <= at]
    rho = sum(e.rho or 0.0 for e in window) if mechanism == "gaussian" else None
    return rho, year_spent(window, mechanism, delta)


async def _instruments(conn: Conn, ids: list[int]) -> list[InstrumentInfo]:
    out = []
    for row in await fetch_instruments_by_ids(conn, ids):
        inst = row.instrument
        option_sets = {s.id: s for s in inst.option_sets}
        items = [
            ItemInfo(
                id=item.id,
                kind=str(type(item).__struct_config__.tag),
                text=item.text,
                option_set=item.options,
                options=[
                    OptionInfo(value=o.value, label=o.label)
                    for o in option_sets[item.options].options
                ],
                reverse=bool(getattr(item, "reverse", False)),
            )
            for item in inst.items
        ]
        reverse = {item.id for item in items if item.reverse}
        by_id = {item.id: item for item in inst.items}
        scales = []
        for scale in inst.scales:
            low, high = option_range(inst, by_id[scale.items[0]].options)
            scales.append(
                ScaleInfo(
                    id=scale.id,
                    name=scale.name,
                    description=scale.description,
                    items=list(scale.items),
                    reverse_coded=[i for i in scale.items if i in reverse],
                    scoring=scale.scoring,
                    min_answered=scale.min_answered,
                    min_items_answered=required_answers(scale),
                    low=low,
                    high=high,
                    bands=[
                        BandInfo(id=b.id, label=b.label, lower=b.lower, upper=b.upper)
                        for b in scale.bands
                    ],
                )
            )
        out.append(
            InstrumentInfo(
                slug=row.slug,
                version=row.version,
                title=inst.title,
                languages=list(inst.languages),
                items=items,
                scales=scales,
            )
        )
    return out


def _mechanism(name: str) -> Mechanism:
    if name == "laplace":
        return Mechanism(
            name="laplace",
            description="OpenDP discrete Laplace (make_laplace) on integer aggregates: pure "
            "ε-differential privacy.",
            accounting="Each wave's ε is the release measurement's privacy map at one "
            "respondent; over any 365 days the ε of a program's releases add up and may not "
            "exceed annual_epsilon_cap.",
        )
    return Mechanism(
        name="gaussian",
        description="OpenDP discrete Gaussian (make_gaussian) on integer aggregates: "
        "zero-concentrated differential privacy (ρ-zCDP).",
        accounting="Each wave's ρ is the release measurement's privacy map at one respondent "
        "(one OpenDP composition of every block); (ε, δ) is OpenDP's conversion of ρ at the "
        "policy's δ. Over any 365 days the ρ of a program's releases add up and the total, "
        "converted to ε at δ, may not exceed annual_epsilon_cap.",
    )


def _guarantee(mechanism: str, cap: float, delta: float) -> str:
    people = (
        " Every release charges every unit it covers, and for every unit the releases of all "
        "programs covering it over any 365 days (a Laplace charge counted as ρ = ε²/2) stay "
        f"within ε = {cap:g} at δ = {delta:g}."
    )
    if mechanism == "laplace":
        return (
            f"Each wave's release is ε-DP with the ε in waves[].charge; over any 365 days a "
            f"program's releases together are ε-DP with ε ≤ {cap:g}, for the privacy unit "
            "above." + people + " Everything in this export is post-processing of those releases."
        )
    return (
        "Each wave's release is ρ-zCDP with the ρ in waves[].charge, hence (ε, δ)-DP with the "
        f"ε and δ listed; over any 365 days a program's releases together are "
        f"(ε ≤ {cap:g}, δ = {delta:g})-DP, for the privacy unit above." + people + " Everything "
        "in this export is post-processing of those releases."
    )


async def build_metadata(
    conn: Conn,
    viewer: Principal | None,
    flt: Filter,
    now: datetime,
    *,
    unit: str | None = None,
    scale: str | None = None,
) -> ExportMetadata:
    """The privacy metadata of an export: policy, guarantee, ledger, instruments, columns."""
    program = await fetch_program(conn, viewer, flt.program_id)
    report = await ledger_report(conn, viewer, flt.program_id, now)
    waves = await queries.list_released_waves(conn, flt.program_id, flt.wave_id)
    infos: list[WaveInfo] = []
    instrument_ids: list[int] = []
    for wave in waves:
        frozen = msgspec.convert(wave.frozen, type=FrozenSettings)
        policy = frozen.policy
        charge = None
        if wave.epsilon is not None and wave.charged_at is not None and wave.delta is not None:
            rho, epsilon = _rolling(report.entries, wave.charged_at, policy.mechanism, policy.delta)
            charge = LedgerCharge(
                mechanism=wave.mechanism or policy.mechanism,
                rho=wave.rho,
                epsilon=wave.epsilon,
                delta=wave.delta,
                charged_at=wave.charged_at,
                rolling_year_rho=rho,
                rolling_year_epsilon=epsilon,
            )
        for inst in frozen.instruments:
            if inst.instrument_id not in instrument_ids:
                instrument_ids.append(inst.instrument_id)
        infos.append(
            WaveInfo(
                wave_id=wave.wave_id,
                seq=wave.seq,
                opens_at=wave.opens_at,
                closes_at=wave.closes_at,
                released_at=wave.released_at,
                mode=frozen.mode,
                unverified=wave.unverified,
                policy=policy,
                instruments=[
                    InstrumentRef(slug=i.slug, version=i.version) for i in frozen.instruments
                ],
                plan_versions=wave.plan_versions,
                rows=wave.rows,
                charge=charge,
            )
        )
    policy = program.policy
    entries = report.entries
    ledger = LedgerTotals(
        as_of=now,
        mechanism=report.mechanism,
        annual_epsilon_cap=report.annual_epsilon_cap,
        year_rho=report.year_rho,
        year_epsilon=report.year_epsilon,
        remaining_epsilon=report.remaining_epsilon,
        all_time_rho=(
            sum(e.rho or 0.0 for e in entries) if report.mechanism == "gaussian" else None
        ),
        all_time_epsilon_sum=sum(e.epsilon for e in entries),
        charges=len(entries),
    )
    seqs = [w.seq for w in waves]
    span = (
        "no released waves"
        if not seqs
        else f"wave {seqs[0]}"
        if len(seqs) == 1
        else f"waves {seqs[0]}–{seqs[-1]}"
    )
    citation = (
        f"{program.name} ({program.root_unit_path}), {span}: differentially private release "
        f"({policy.mechanism} mechanism, ε = {policy.annual_epsilon_cap:g} and "
        f"δ = {policy.delta:g} per person per rolling year over {policy.waves_per_year} waves), "
        f"exported from Muster on {now:%Y-%m-%d} "
        f"(export format {FORMAT_VERSION})."
    )
    return ExportMetadata(
        format_version=FORMAT_VERSION,
        generated_at=now,
        program=ProgramInfo(
            program_id=program.program_id,
            name=program.name,
            root_unit_id=program.root_unit_id,
            root_unit_path=program.root_unit_path,
            cadence=program.cadence,
            window=program.window,
            mode=program.mode,
        ),
        filters=ExportFilters(
            wave_id=flt.wave_id, unit=unit, scale=scale, level=flt.level, scope=flt.scope_path
        ),
        privacy_unit=PRIVACY_UNIT,
        guarantee=_guarantee(policy.mechanism, policy.annual_epsilon_cap, policy.delta)
        + (
            f" Open-link waves: the guarantee holds {PER_RESPONSE}."
            if program.mode == "open"
            else ""
        ),
        privacy_policy=policy,
        mechanism=_mechanism(policy.mechanism),
        consistency=CONSISTENCY,
        publish_rule=PUBLISH_RULE,
        interval=INTERVAL,
        unpublished=UNPUBLISHED,
        statistics=STATISTICS,
        waves=infos,
        ledger=ledger,
        instruments=await _instruments(conn, instrument_ids),
        columns=[
            ColumnInfo(name=name, type=COLUMNS[name][0], description=COLUMNS[name][1])
            for name in EXPORT_COLUMNS
        ],
        citation=citation,
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
        await conn.execute("SET LOCAL TimeZone = 'UTC'")
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
