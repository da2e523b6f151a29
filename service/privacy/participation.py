"""A differentially private participation estimate per unit while a wave is open (issue 15).

Coordinators decide during a wave whether to remind crews; an exact live count per unit
would tell whoever watches it who has just answered. Instead, at most once a day, the
scheduler takes a refresh: one OpenDP measurement of the number of responses per node of
the public tree (discrete Gaussian or Laplace, like the release's counts, one vector per
measured level), made consistent over the tree by the release's GLS post-processing, and
charged to the ledger from its privacy map. The levels measured are those where the budget
shows the most units (`measured_levels`, from public headcounts only).

Budget. The policy's `participation_epsilon` (default 0.1) is what all of a wave's refreshes
spend together; it is part of the wave's budget, and the release spends that much less
(mechanisms.release_budget), so the yearly guarantee per person does not change. Each
refresh spends the participation budget divided by the refreshes the wave's window plans
for (one a day, at most MAX_REFRESHES): all of them together never exceed it. When they are
spent the last estimate stays until the release supersedes it.

Why the scheduler and not the first view after 24 h: a page view or an API read would then
spend privacy budget, and schedule the measurement by who looks when; the scheduler's tick
runs under one advisory lock across instances, at a time nobody chooses.

Publication follows the release's count rule (estimates.publish_count): decided from the
unit's public headcount and the refresh's planned noise, never from the noisy value.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from typing import Any

import msgspec

from service.auth.principal import Principal, Role
from service.db import Conn
from service.errors import WaveNotFound
from service.policy import PrivacyPolicy
from service.privacy import estimates, gls, mechanisms, plan, queries
from service.privacy import service as release
from service.privacy.schemas import LedgerEntry
from service.scope.rules import in_subtree, sees_program, visible_root
from service.waves.schemas import FrozenSettings

log = logging.getLogger("muster")
DAY = timedelta(days=1)
# A long window is not refreshed more often than this: each refresh keeps a useful share.
MAX_REFRESHES = 14
YEAR = timedelta(days=365)
# Who sees the estimate (the API's guard says the same): coordinators and leaders.
ESTIMATE_ROLES: tuple[Role, ...] = ("admin", "leader")


class UnitParticipation(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: int
    path: str
    # The unit's public headcount: the rate's denominator.
    headcount: int
    # False: the estimate's planned interval is too wide for this unit's headcount (the
    # release's count rule); no value is given.
    published: bool
    # The noisy, tree-consistent number of responses and its 95% interval. Stored unclamped
    # (an estimate below 0 is unbiased); the pages clamp to [0, headcount] for display only.
    responses: float | None = None
    responses_lower: float | None = None
    responses_upper: float | None = None
    # The same divided by the headcount (a share of people, unclamped).
    rate: float | None = None
    rate_lower: float | None = None
    rate_upper: float | None = None


class ParticipationReport(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    program_id: int
    status: str
    # True once the wave is released: read the release, not this estimate.
    superseded: bool
    # The refreshes taken so far, and those the wave's window plans for (one a day).
    refreshes: int
    planned_refreshes: int
    refreshed_at: datetime | None
    # rho (gaussian) or epsilon (laplace): what one refresh spends, and all of them may.
    refresh_budget: float
    participation_budget: float
    units: list[UnitParticipation]


class OpenWave(msgspec.Struct, frozen=True):
    wave_id: int
    program_id: int
    status: str
    root_unit_id: int
    root_path: str
    opened_at: datetime | None
    opens_at: datetime
    closes_at: datetime
    frozen: FrozenSettings | None


def planned_refreshes(opens_at: datetime, closes_at: datetime) -> int:
    """One refresh per whole day of the wave's scheduled window (at least one), at most
    MAX_REFRESHES. The scheduled window is fixed and public, so the share of each refresh
    is known when the wave opens."""
    days = int((closes_at - opens_at) / DAY)
    return max(1, min(MAX_REFRESHES, days))


def refresh_budget(policy: PrivacyPolicy, refreshes: int) -> float:
    """What one refresh spends: `refreshes` of them add up to at most the participation budget."""
    total = mechanisms.participation_budget(policy)
    return mechanisms.split_evenly(total, refreshes) if total > 0 else 0.0


def refresh_plan(policy: PrivacyPolicy, nodes: list[plan.Node], budget: float) -> plan.Plan:
    """A plan that measures the number of responses at `measured_levels`, equal shares."""
    levels = max(node.level for node in nodes) + 1
    return fixed_plan(policy, nodes, budget, measured_levels(policy, nodes, budget, levels))


def measured_levels(
    policy: PrivacyPolicy, nodes: list[plan.Node], budget: float, levels: int
) -> list[int]:
    """The levels a refresh measures, from public headcounts and the policy only: of every
    run of consecutive levels, the one whose refresh shows the most units by the count rule
    (its budget split evenly over them), else every level. A small organisation's budget
    then goes where some unit can pass the rule (its battalions, say) instead of being
    spread over levels where none can; the levels above are known as sums (GLS), the units
    below are not measured (stored unpublished, with an infinite standard error)."""
    every = list(range(levels))
    best, best_shown = every, _shown(fixed_plan(policy, nodes, budget, every), policy)
    for first in range(levels):
        for last in range(first, levels):
            chosen = list(range(first, last + 1))
            if (
                chosen != every
                and (shown := _shown(fixed_plan(policy, nodes, budget, chosen), policy))
                > best_shown
            ):
                best, best_shown = chosen, shown
    return best


def fixed_plan(
    policy: PrivacyPolicy, nodes: list[plan.Node], budget: float, chosen: list[int]
) -> plan.Plan:
    """A refresh that measures the levels `chosen`, with equal shares of `budget`."""
    share = mechanisms.split_evenly(1.0, len(chosen))
    blocks = [
        plan.Block("responses", "responses", level, ["n"], 1, share=share) for level in chosen
    ]
    return plan.Plan(
        version=plan.PLAN_VERSION,
        mechanism=policy.mechanism,
        epsilon=0.0,
        delta=policy.delta,
        budget=budget,
        nodes=nodes,
        levels=max(node.level for node in nodes) + 1,
        scales=[],
        items=[],
        blocks=mechanisms.with_scales(blocks, policy.mechanism, budget),
    )


def _shown(refresh: plan.Plan, policy: PrivacyPolicy) -> int:
    """The units a refresh with this plan publishes (decided from its planned variances)."""
    variance = [math.inf] * refresh.levels
    for block in refresh.blocks:
        variance[block.level] = mechanisms.noise_variance(policy.mechanism, block.scale)
    tree = gls.Tree(parent=[node.parent for node in refresh.nodes])
    pattern = gls.pattern(tree, [variance[node.level] for node in refresh.nodes])
    rule = _count_rule(policy)
    return sum(
        estimates.publish_count(node.headcount, math.sqrt(v), rule)
        for node, v in zip(refresh.nodes, pattern.variance, strict=True)
        if not node.direct and math.isfinite(v)
    )


def _count_rule(policy: PrivacyPolicy) -> estimates.Policy:
    return estimates.Policy(
        min_publish_count=policy.min_publish_count, max_half_width=policy.max_half_width
    )


def level_vectors(refresh: plan.Plan, direct_counts: dict[int, int]) -> mechanisms.Aggregates:
    """Responses per node, one vector per measured level in node order (the measured data).

    `direct_counts` are responses per unit filed at that unit; a unit with children counts
    its children and its own direct node, so children add up to their parent.
    """
    nodes = refresh.nodes
    totals = [0] * len(nodes)
    has_children = [False] * len(nodes)
    for node in nodes:
        if node.parent >= 0:
            has_children[node.parent] = True
    for index in reversed(range(len(nodes))):
        node = nodes[index]
        if node.direct or not has_children[index]:
            totals[index] = direct_counts.get(node.unit_id, 0)
        if node.parent >= 0:
            totals[node.parent] += totals[index]
    vectors: list[list[int]] = [[] for _ in range(refresh.levels)]
    for index, node in enumerate(nodes):
        vectors[node.level].append(totals[index])
    return mechanisms.Aggregates([vectors[block.level] for block in refresh.blocks])


def estimate_rows(
    refresh: plan.Plan, noisy: list[list[int]], policy: PrivacyPolicy
) -> list[tuple[int, float, float, bool, int]]:
    """(unit_id, value, std_error, published, headcount) per unit, from the noisy vectors."""
    variance_of = lambda scale: mechanisms.noise_variance(policy.mechanism, scale)  # noqa: E731
    columns = estimates.consistent_columns(refresh, noisy, variance_of)
    pattern, values = columns[("responses", "responses")]
    rule = _count_rule(policy)
    out = []
    for index, node in enumerate(refresh.nodes):
        if node.direct:
            continue
        std_error = math.sqrt(pattern.variance[index])
        published = estimates.publish_count(node.headcount, std_error, rule)
        out.append((node.unit_id, values[0][index], std_error, published, node.headcount))
    return out


async def _fetch_wave(conn: Conn, wave_id: int) -> OpenWave | None:
    row = await queries.fetch_participation_wave(conn, wave_id)
    return None if row is None else msgspec.convert(row, type=OpenWave)


def _due(wave: OpenWave, done: int, last: datetime | None, now: datetime) -> bool:
    """At most one refresh a day, the k-th not before k days after opening, and no more
    than the window plans for."""
    opened = wave.opened_at or wave.opens_at
    if done >= planned_refreshes(wave.opens_at, wave.closes_at):
        return False
    if last is not None and now - last < DAY:
        return False
    return now >= opened + (done + 1) * DAY


async def refresh_wave(conn: Conn, wave_id: int, now: datetime) -> bool:
    """Take one refresh of an open wave's estimate if one is due; True when taken.

    Locks the program row like a release, checks the program's and every covered unit's
    rolling-year cap with the refresh's charge, then measures and stores, in the caller's
    transaction.
    """
    wave = await _fetch_wave(conn, wave_id)
    if wave is None:
        return False
    await queries.lock_program(conn, wave.program_id)
    wave = await _fetch_wave(conn, wave_id)
    if wave is None or wave.status != "open" or wave.frozen is None:
        return False
    policy = wave.frozen.policy
    done, last = await queries.count_refreshes(conn, wave_id)
    if not _due(wave, done, last, now):
        return False
    planned = planned_refreshes(wave.opens_at, wave.closes_at)
    budget = refresh_budget(policy, planned)
    if budget <= 0:
        return False
    units = await queries.list_subtree_units(conn, wave.root_unit_id)
    nodes = plan.build_nodes(
        [(u.unit_id, u.parent_id, u.path) for u in units],
        wave.root_unit_id,
        {u.unit_id: u.headcount for u in units},
    )
    refresh = refresh_plan(policy, nodes, budget)
    sizes = [sum(1 for n in nodes if n.level == b.level) for b in refresh.blocks]
    measurement = mechanisms.release_measurement(refresh.blocks, sizes, policy.mechanism)
    charge = mechanisms.charge(measurement, policy.mechanism, policy.delta)
    if not await _within_caps(conn, wave, nodes, policy, charge, now):
        return False
    data = level_vectors(refresh, await queries.count_responses_by_unit(conn, wave_id))
    noisy = mechanisms.measure(measurement, data)
    rows = estimate_rows(refresh, noisy, policy)
    await queries.insert_participation(
        conn,
        [
            (wave_id, done + 1, unit_id, heads, value, se, value - estimates.Z95 * se,
             value + estimates.Z95 * se, published, now)
            for unit_id, value, se, published, heads in rows
        ],
    )  # fmt: skip
    await queries.insert_ledger(
        conn, wave.program_id, wave_id, charge,
        {**refresh.describe(), "refresh": done + 1, "planned_refreshes": planned},
        None, now, kind="participation",
    )  # fmt: skip
    return True


async def _within_caps(
    conn: Conn, wave: OpenWave, nodes: list[plan.Node], policy: PrivacyPolicy,
    charge: mechanisms.Charge, now: datetime,
) -> bool:  # fmt: skip
    """The same caps as a release: the program's rolling year, and every covered unit's."""
    year = await queries.list_ledger(conn, wave.program_id, since=now - YEAR)
    this = LedgerEntry(0, wave.program_id, wave.wave_id, charge.mechanism, charge.rho,
                       charge.epsilon, charge.delta, now)  # fmt: skip
    if (
        release.year_spent([*year, this], policy.mechanism, policy.delta)
        > policy.annual_epsilon_cap
    ):
        return False
    charges = await queries.list_overlapping_charges(conn, wave.root_unit_id, now - YEAR)
    mine = release.charge_rho(charge.mechanism, charge.rho, charge.epsilon)
    worst, _ = release.worst_covered(nodes, charges, mine)
    return mechanisms.epsilon_of_rho(worst, policy.delta) <= policy.annual_epsilon_cap


async def refresh_due_estimates(conn: Conn, now: datetime) -> list[int]:
    """Refresh every open wave whose estimate is due (the scheduler's tick calls this)."""
    refreshed = []
    for wave_id in await queries.list_open_waves(conn):
        try:
            async with conn.transaction():
                if await refresh_wave(conn, wave_id, now):
                    refreshed.append(wave_id)
        except Exception:
            # The savepoint is rolled back; the tick's transitions and releases go on.
            log.exception("participation refresh of wave %s failed", wave_id)
    return refreshed


async def participation_report(
    conn: Conn, viewer: Principal | None, wave_id: int
) -> ParticipationReport:
    """The latest estimate of a wave, for the units the viewer sees; 404 outside scope."""
    wave = await _fetch_wave(conn, wave_id)
    if wave is None or not sees_program(viewer, wave.root_path):
        raise WaveNotFound(f"There is no wave {wave_id}. List a program's waves to find its id.")
    done, last = await queries.count_refreshes(conn, wave_id)
    planned = planned_refreshes(wave.opens_at, wave.closes_at)
    policy = wave.frozen.policy if wave.frozen is not None else PrivacyPolicy()
    superseded = wave.status == "released"
    units: list[UnitParticipation] = []
    if done and not superseded:
        root = visible_root(viewer)
        rows = await queries.list_participation(conn, wave_id, done)
        for r in rows:
            if root is not None and not in_subtree(r["path"], root):
                continue
            units.append(_unit(r))
    return ParticipationReport(
        wave_id=wave_id,
        program_id=wave.program_id,
        status=wave.status,
        superseded=superseded,
        refreshes=done,
        planned_refreshes=planned,
        refreshed_at=last,
        refresh_budget=refresh_budget(policy, planned),
        participation_budget=mechanisms.participation_budget(policy),
        units=units,
    )


def _unit(row: Any) -> UnitParticipation:
    headcount = int(row["headcount"])
    published = bool(row["published"]) and headcount > 0
    base = UnitParticipation(
        unit_id=row["unit_id"], path=row["path"], headcount=headcount, published=published
    )
    if not published:
        return base
    value, lower, upper = float(row["value"]), float(row["lower"]), float(row["upper"])
    return msgspec.structs.replace(
        base, responses=value, responses_lower=lower, responses_upper=upper,
        rate=value / headcount, rate_lower=lower / headcount, rate_upper=upper / headcount,
    )  # fmt: skip


async def current_estimate(
    conn: Conn, viewer: Principal | None, program_id: int
) -> tuple[int, ParticipationReport] | None:
    """(wave seq, its estimate) of a program's open (or closed, not yet released) wave, for
    coordinators and leaders (researchers read releases only)."""
    if viewer is not None and viewer.role not in ESTIMATE_ROLES:
        return None
    row = await queries.fetch_current_wave(conn, program_id)
    if row is None:
        return None
    return row["seq"], await participation_report(conn, viewer, row["wave_id"])
