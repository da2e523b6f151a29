"""Release a wave, keep the ledger, answer "how much budget is left".

`release_wave` is the only function that spends privacy budget. It locks the program
row, checks the rolling-year cap, measures, and writes the ledger entry and the release
rows in the caller's transaction, so a wave is released (and charged) exactly once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import msgspec

from service.audit.service import insert_audit
from service.auth.principal import Principal
from service.db import Conn
from service.errors import BudgetExhausted, WaveAlreadyReleased, WaveNotFound, WaveTransitionRefused
from service.i18n import gettext
from service.instruments.service import fetch_instruments_by_ids
from service.policy import PrivacyPolicy
from service.privacy import aggregate, mechanisms, plan, queries, trends
from service.privacy.estimates import Policy, Row, derive_rows
from service.privacy.schemas import LedgerEntry, LedgerReport, ReleaseSummary
from service.scope.rules import in_subtree, sees_program
from service.scope.service import program_not_found
from service.waves import queries as wave_queries
from service.waves.queries import WaveForRelease

YEAR = timedelta(days=365)
log = logging.getLogger("muster")
# Waves whose automatic release was refused, reported once per process, not every tick.
_reported: set[int] = set()


async def _fetch_wave(conn: Conn, wave_id: int) -> WaveForRelease:
    wave = await wave_queries.fetch_wave_for_release(conn, wave_id)
    if wave is None:
        raise WaveNotFound(f"There is no wave {wave_id}. List waves with `muster waves list`.")
    return wave


def year_spent(entries: list[LedgerEntry], mechanism: str, delta: float) -> float:
    """The epsilon a program has spent over the entries (zCDP losses add up as rho)."""
    if mechanism == "gaussian":
        return mechanisms.epsilon_of_rho(sum(e.rho or 0.0 for e in entries), delta)
    return sum(e.epsilon for e in entries)


async def build_plan(conn: Conn, wave: WaveForRelease) -> tuple[plan.Plan, list[int]]:
    """The wave's plan from public information only, and the size of each block's vector."""
    assert wave.frozen is not None  # noqa: S101 - a closed wave was opened, so it is frozen
    policy = wave.frozen.policy
    # The instrument versions the wave asked, in the order of its answers array.
    frozen = wave.frozen.instruments
    rows = await fetch_instruments_by_ids(conn, [f.instrument_id for f in frozen])
    scales, items = plan.describe_instruments([(r.slug, r.version, r.instrument) for r in rows])
    units = await queries.list_subtree_units(conn, wave.root_unit_id)
    nodes = plan.build_nodes(
        [(u.unit_id, u.parent_id, u.path) for u in units],
        wave.root_unit_id,
        {u.unit_id: u.headcount for u in units},
    )
    return plan_for(policy, scales, items, nodes)


def plan_for(
    policy: PrivacyPolicy, scales: list[plan.ScaleSpec], items: list[plan.ItemSpec],
    nodes: list[plan.Node],
) -> tuple[plan.Plan, list[int]]:  # fmt: skip
    """The plan of a release under `policy` (pure: the bench and the planner use it too)."""
    levels = max(node.level for node in nodes) + 1
    shares = plan.level_shares(levels, policy.level_shares)
    tiers = plan.level_tiers(shares, policy.histogram_levels, policy.level_statistics)
    blocks = plan.split_budget(plan.blocks_for(scales, items, tiers), 1.0, shares)
    budget = mechanisms.release_budget(policy)
    blocks = mechanisms.with_scales(blocks, policy.mechanism, budget)
    release_plan = plan.Plan(
        version=plan.PLAN_VERSION,
        mechanism=policy.mechanism,
        epsilon=mechanisms.wave_epsilon(policy),
        delta=policy.delta,
        budget=budget,
        nodes=nodes,
        levels=levels,
        scales=scales,
        items=items,
        blocks=blocks,
    )
    per_level = [sum(1 for n in nodes if n.level == level) for level in range(levels)]
    sizes = [per_level[b.level] * len(b.columns) for b in blocks]
    return release_plan, sizes


def vectors_from_rows(
    release_plan: plan.Plan, records: list[Any], depth: int
) -> mechanisms.Aggregates:
    """Turn the aggregation rows into one integer vector per block, zeros where no data."""
    position: dict[tuple[int, bool], int] = {}
    counters: dict[int, int] = {}
    for node in release_plan.nodes:
        position[(node.unit_id, node.direct)] = counters.get(node.level, 0)
        counters[node.level] = counters.get(node.level, 0) + 1
    vectors = [[0] * (counters[b.level] * len(b.columns)) for b in release_plan.blocks]
    by_level: dict[int, list[tuple[int, plan.Block]]] = {}
    for index, block in enumerate(release_plan.blocks):
        by_level.setdefault(block.level, []).append((index, block))
    scale_index = {s.key: k for k, s in enumerate(release_plan.scales)}
    item_index = {i.key: k for k, i in enumerate(release_plan.items)}
    for record in records:
        level = depth - bin(record["g"]).count("1")
        key = record[f"l{level}"]
        if key is not None:
            slot = position.get((key, False))
        elif level > 0 and record[f"l{level - 1}"] is not None:
            # Responses filed directly under the unit one level up.
            slot = position.get((record[f"l{level - 1}"], True))
        else:
            continue
        if slot is None:
            continue
        for index, block in by_level.get(level, []):
            width = len(block.columns)
            if block.kind == "responses":
                values = [record["n"]]
            elif block.kind == "sum":
                values = [record[f"sum{scale_index[block.key]}"]]
            elif block.kind == "bands":
                k = scale_index[block.key]
                values = [record[f"band{k}_{j}"] for j in range(width)]
            elif block.kind == "count":
                # Every scored respondent falls in exactly one band of the scale.
                k = scale_index[block.key]
                bands = len(release_plan.scales[k].bands)
                values = [sum(record[f"band{k}_{j}"] for j in range(bands))]
            else:
                k = item_index[block.key]
                values = [record[f"item{k}_{v}"] for v in block.columns]
            vectors[index][slot * width : (slot + 1) * width] = [int(v) for v in values]
    return mechanisms.Aggregates(vectors)


async def release_wave(
    conn: Conn, actor: Principal | None, wave_id: int, now: datetime
) -> ReleaseSummary:
    wave = await _fetch_wave(conn, wave_id)
    await queries.lock_program(conn, wave.program_id)
    wave = await _fetch_wave(conn, wave_id)  # read again under the lock
    if wave.status == "released":
        raise WaveAlreadyReleased(
            gettext(
                "Wave %(id)s was released already; every reader sees that release.", id=wave_id
            ),
            wave_id=wave_id,
        )
    if wave.status != "closed" or wave.frozen is None:
        raise WaveTransitionRefused(
            gettext(
                "Wave %(id)s is %(status)s; close it before releasing it.",
                id=wave_id,
                status=gettext(wave.status),  # in words: the staff pages translate the statuses
            ),
            status_now=wave.status,
        )
    policy = wave.frozen.policy
    release_plan, sizes = await build_plan(conn, wave)
    measurement = mechanisms.release_measurement(release_plan.blocks, sizes, policy.mechanism)
    charge = mechanisms.charge(measurement, policy.mechanism, policy.delta)
    year = await queries.list_ledger(conn, wave.program_id, since=now - YEAR)
    spent = year_spent(year, policy.mechanism, policy.delta)
    after = year_spent(
        [*year, LedgerEntry(0, wave.program_id, wave_id, charge.mechanism, charge.rho,
                                    charge.epsilon, charge.delta, now)],
        policy.mechanism, policy.delta,
    )  # fmt: skip
    if after > policy.annual_epsilon_cap:
        raise BudgetExhausted(
            gettext(
                "Releasing wave %(id)s would bring this program's privacy loss over the last "
                "365 days to ε = %(after)s, above its cap of %(cap)s. ε = %(left)s is left; wait "
                "until older releases leave the 365-day window.",
                id=wave_id,
                after=f"{after:.3f}",
                cap=f"{policy.annual_epsilon_cap:g}",
                left=f"{max(policy.annual_epsilon_cap - spent, 0):.3f}",
            ),
            spent=spent,
            remaining=max(policy.annual_epsilon_cap - spent, 0.0),
            needed=charge.epsilon,
            cap=policy.annual_epsilon_cap,
        )
    await _check_people_cap(conn, wave, release_plan, charge, now)
    depth = release_plan.levels - 1
    aggregation = aggregate.aggregation_for(depth, release_plan.scales, release_plan.items)
    records = await aggregate.fetch_aggregates(conn, aggregation, wave_id, wave.root_unit_id)
    noisy = mechanisms.measure(measurement, vectors_from_rows(release_plan, records, depth))
    variance_of = lambda scale: mechanisms.noise_variance(policy.mechanism, scale)  # noqa: E731
    publish = Policy.of(policy)
    rows = derive_rows(release_plan, noisy, variance_of, publish)
    rows += await _trend_rows(conn, wave, rows, publish)
    unverified = wave.frozen.mode == "open"
    await queries.insert_release_rows(
        conn,
        [
            (wave_id, r.unit_id, r.statistic, r.value, r.std_error, r.lower, r.upper, r.published,
             policy.mechanism, r.noise_scale, r.privacy_share, r.instrument_version,
             release_plan.version, unverified)
            for r in rows
        ],
    )  # fmt: skip
    await queries.insert_ledger(
        conn, wave.program_id, wave_id, charge,
        {**release_plan.describe(), "guarantee": guarantee_of(wave.frozen.mode)},
        actor.staff_id if actor else None, now,
    )  # fmt: skip
    await wave_queries.update_wave_released(conn, wave_id, now)
    await insert_audit(
        conn, actor, "wave.released",
        {"wave_id": wave_id, "epsilon": charge.epsilon, "rho": charge.rho},
    )  # fmt: skip
    published = {r.unit_id for r in rows if r.statistic == "responses" and r.published}
    return ReleaseSummary(
        wave_id=wave_id,
        program_id=wave.program_id,
        mechanism=charge.mechanism,
        rho=charge.rho,
        epsilon=charge.epsilon,
        delta=charge.delta,
        rows=len(rows),
        published_units=len(published),
        units=sum(1 for n in release_plan.nodes if not n.direct),
        year_epsilon=after,
        annual_epsilon_cap=policy.annual_epsilon_cap,
    )


# What a charge protects: in card and link waves a person answers at most once; an open
# link lets anyone answer again, so its charge holds per response, not per person.
PER_PERSON = "per person: one response per person per wave (single-use card or link)"
PER_RESPONSE = (
    "per response only: an open link accepts repeated answers, so a person who answers k "
    "times is protected at k^2 times this rho (k times this epsilon under Laplace)"
)


def guarantee_of(mode: str) -> str:
    return PER_RESPONSE if mode == "open" else PER_PERSON


def charge_rho(mechanism: str, rho: float | None, epsilon: float) -> float:
    """A charge as zCDP rho: a Laplace (pure epsilon-DP) entry counts as epsilon^2 / 2."""
    return (rho or 0.0) if mechanism == "gaussian" else epsilon * epsilon / 2.0


def worst_covered(
    nodes: list[plan.Node], charges: list[queries.CoverCharge], this: float
) -> tuple[float, str]:
    """The largest rho over the year of any unit in `nodes` with `this` charge added, and
    that unit's path: every charge counts for the units its program covers."""
    worst, worst_path = 0.0, ""
    for node in nodes:
        if node.direct:
            continue
        total = this + sum(
            charge_rho(c.mechanism, c.rho, c.epsilon)
            for c in charges
            if in_subtree(node.path, c.root_path)
        )
        if total > worst:
            worst, worst_path = total, node.path
    return worst, worst_path


async def _check_people_cap(
    conn: Conn, wave: WaveForRelease, release_plan: plan.Plan, charge: mechanisms.Charge,
    now: datetime,
) -> None:  # fmt: skip
    """The cap holds per person, across programs: a release charges every unit it covers.

    For every unit this release covers, the rho of every release over the last 365 days,
    of any program whose subtree contains the unit, plus this one's, converted to epsilon
    at this policy's delta, may not exceed this policy's annual cap.
    """
    assert wave.frozen is not None  # noqa: S101 - checked by release_wave
    policy = wave.frozen.policy
    charges = await queries.list_overlapping_charges(conn, wave.root_unit_id, now - YEAR)
    if not charges:
        return
    this = charge_rho(charge.mechanism, charge.rho, charge.epsilon)
    worst, worst_path = worst_covered(release_plan.nodes, charges, this)
    after = mechanisms.epsilon_of_rho(worst, policy.delta)
    if after > policy.annual_epsilon_cap:
        spent = mechanisms.epsilon_of_rho(worst - this, policy.delta)
        raise BudgetExhausted(
            gettext(
                "Releasing wave %(id)s would bring the privacy loss of the people in %(path)s "
                "over the last 365 days, from every program that covers them, to "
                "ε = %(after)s, above this program's cap of %(cap)s. Wait until older releases "
                "leave the 365-day window, or release fewer programs over the same people.",
                id=wave.wave_id,
                path=worst_path,
                after=f"{after:.3f}",
                cap=f"{policy.annual_epsilon_cap:g}",
            ),
            spent=spent,
            remaining=max(policy.annual_epsilon_cap - spent, 0.0),
            needed=charge.epsilon,
            cap=policy.annual_epsilon_cap,
        )


async def release_due_waves(conn: Conn, now: datetime) -> list[int]:
    """Release every closed wave whose policy says so; a refused one stays closed.

    Each release runs in its own savepoint, so a wave refused for its budget does not undo
    the others. Returns the waves released.
    """
    released = []
    for wave_id in await queries.list_waves_to_release(conn):
        try:
            async with conn.transaction():
                await release_wave(conn, None, wave_id, now)
            released.append(wave_id)
        except (BudgetExhausted, WaveAlreadyReleased, WaveTransitionRefused) as refused:
            if wave_id not in _reported:
                _reported.add(wave_id)
                log.warning("wave %s was not released on close: %s", wave_id, refused.detail)
    return released


async def _trend_rows(
    conn: Conn, wave: WaveForRelease, rows: list[Row], policy: Policy
) -> list[Row]:
    """Change against the previous released wave and the pooled mean (trends.py)."""
    previous = await queries.list_previous_released_waves(
        conn, wave.program_id, wave.seq, trends.ROLLING_WAVES - 1
    )
    if not previous:
        return []
    means: dict[tuple[int, str], list[trends.Stored]] = {}
    published_before: set[tuple[int, str]] = set()
    for value in await queries.list_released_values(conn, previous, ":mean"):
        if value.value is not None and value.std_error is not None:
            means.setdefault((value.unit_id, value.statistic), []).append(
                trends.Stored(previous.index(value.wave_id), value.value, value.std_error)
            )
            if value.published and previous.index(value.wave_id) == 0:
                published_before.add((value.unit_id, value.statistic))
    counts: dict[tuple[int, str], list[trends.Stored]] = {}
    for suffix in ("responses", ":count"):
        for value in await queries.list_released_values(conn, previous, suffix):
            if value.value is not None and (suffix != "responses" or value.statistic == suffix):
                counts.setdefault((value.unit_id, value.statistic), []).append(
                    trends.Stored(
                        previous.index(value.wave_id), value.value, value.std_error or 0.0
                    )
                )
    return trends.trend_rows(rows, means, counts, published_before, policy)


async def fetch_visible_program(
    conn: Conn, viewer: Principal | None, program_id: int
) -> tuple[queries.ProgramPolicyRow, PrivacyPolicy]:
    """A program the viewer may see, with its policy; else the answer for no such program."""
    row = await queries.fetch_program_policy(conn, program_id)
    if row is None or not sees_program(viewer, row.root_unit_path):
        raise program_not_found(program_id)
    return row, msgspec.convert(row.policy, type=PrivacyPolicy)


async def ledger_report(
    conn: Conn, viewer: Principal | None, program_id: int, now: datetime
) -> LedgerReport:
    """Every charge of a program, and what its rolling year has spent and has left."""
    _, policy = await fetch_visible_program(conn, viewer, program_id)
    entries = await queries.list_ledger(conn, program_id)
    year = [e for e in entries if e.at > now - YEAR]
    spent = year_spent(year, policy.mechanism, policy.delta)
    return LedgerReport(
        program_id=program_id,
        mechanism=policy.mechanism,
        annual_epsilon_cap=policy.annual_epsilon_cap,
        year_rho=sum(e.rho or 0.0 for e in year) if policy.mechanism == "gaussian" else None,
        year_epsilon=spent,
        remaining_epsilon=max(policy.annual_epsilon_cap - spent, 0.0),
        entries=entries,
    )
