"""The privacy metadata of an export: the policy, the guarantee in words, the ledger, the
instruments and every column, so that a file explains itself (docs/export.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from service.auth.principal import Principal
from service.db import Conn
from service.export import queries
from service.export.queries import EXPORT_COLUMNS, Filter
from service.export.schemas import (
    FORMAT_VERSION,
    BandInfo,
    ColumnInfo,
    ExportFilters,
    ExportMetadata,
    InstrumentInfo,
    InstrumentRef,
    IntervalRule,
    ItemInfo,
    LedgerCharge,
    LedgerTotals,
    Mechanism,
    OptionInfo,
    ProgramInfo,
    ScaleInfo,
    StatisticInfo,
    WaveInfo,
)
from service.instruments.service import fetch_instruments_by_ids, option_range, required_answers
from service.privacy.estimates import Z95
from service.privacy.schemas import LedgerEntry
from service.privacy.service import PER_RESPONSE, YEAR, ledger_report, year_spent
from service.programs.service import fetch_program
from service.waves.schemas import FrozenSettings

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
        meaning="Pooled mean over this and the previous (up to 3) released waves: the mean "
        "over everyone who answered in them, (sum of the waves' centred sums) / (sum of their "
        "counts) plus the midpoint, each wave's sum recovered from its stored mean and count; "
        "std_error by the delta method on the pooled sums and counts. Published by its own rule, "
        "the policy's max_pooled_half_width (default 0.5), on its own predicted precision, "
        "whether or not a wave's mean was; read it as 'pooled over the last waves', with its "
        "own interval, not as this wave's mean.",
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
    "of the headcount; a mean when its unit's decision count (the precision-weighted "
    "average of the unit's noisy response count and all its scales' noisy counts: one "
    "count per unit and wave, so the unit's means are shown or withheld together; it "
    "reads no sum, so it does not select on the means' noise) is at least "
    "min_publish_count and the "
    "plan's predicted half-width at that count, at a centred mean of 0.5 scale points, is "
    "at most max_half_width (a mean further from the midpoint shows its own, wider "
    "interval); a band share likewise at the noisy response count; a pooled (rolling4) "
    "mean when its predicted pooled half-width at the waves' decision counts is at most "
    "max_pooled_half_width, its own limit. Published values cover at the stated 95%. "
    "Unpublished units still count in their parents."
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
