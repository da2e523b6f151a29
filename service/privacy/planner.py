"""The budget planner: before a wave opens, which units will its release be able to show?

The planner uses PUBLIC INFORMATION ONLY:

- the program's privacy policy and its pinned instrument versions (scales and bands);
- the unit tree below the program's root, with each unit's public headcount;
- an assumed participation rate (and, if asked, another ε per wave to compare).

It never reads a response, a release or the ledger, and it spends no privacy budget: its
answer is the same whatever anyone answered (a test inserts responses and checks that).

How. It builds the plan a release of the program's next wave would build (the same
blocks, budget split and noise scales: `plan` and `mechanisms`), so the noise variance of
every block at every level is known. The consistency step (generalised least squares over
the tree, `gls.pattern`) gives each released total a variance that depends only on the tree
and those noise variances, never on the data: the predicted standard error of a unit's
count is exactly the one its release will store. What does depend on the data is
replaced by assumptions:

- a unit's expected responses are participation x its public headcount (a parent unit's
  own headcount is the whole unit's size), and each scale is answered by all of them;
- each scale's centred mean (mean minus the scale's midpoint) is plan.ASSUMED_CENTRED_MEAN
  (0.5 points, e.g. a mean of 3.5 on a 1-5 scale), the same the release's publish rule
  assumes (the delta method of `estimates.ratio` grows with the mean's distance).

The publish decisions are those of the real rules (`estimates.publish_count`,
`publish_ratio` and `publish_pooled`) applied to these predictions, decided as they would
be in nearly every wave: at the expected count less 1.96 standard deviations of the
count the release decides with and of the number who answer. They are forecasts, not
promises.

Shares and statistics. With `optimise=True` the planner also searches the shares of the
budget per tree level (zero allowed: a level given nothing is not measured, and its units
are reported only through their parents) and what each level measures
(`level_statistics`: never less at a level than below it, every scale's mean at least at
the top), for the plan that shows the most means: every scale mean a unit shows each wave
counts one, and so does every headline mean it shows pooled; ties go to more shown units
with bands (above the deepest measured level: the smallest units show means only) and item
histograms (on the top `histogram_levels` levels only, where they are released) measured,
then to more publishable counts, then to decisions further from flipping, then to the
narrower mean interval at the top unit. The search (`_search`): a 0.1 grid of shares for
the given statistics and for each lean shape (`lean_tiers`), then statistics and shares in
turn, then a refinement of the shares in finer steps (REFINE_STEPS). The policy's own plan
is a candidate, so the best plan is never worse than the current one.

Leaders see their own subtree only: the units they are shown, and the units the search
counts, are those inside their scope.

The report's wire shapes (PlanReport, SharesPlan, LevelPlan, UnitPlan) live in schemas.py.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import NamedTuple

import msgspec

from service.auth.principal import Principal
from service.db import Conn
from service.errors import FieldError, InvalidInput
from service.instruments.service import fetch_instruments_by_ids
from service.policy import PrivacyPolicy
from service.privacy import gls, mechanisms, plan, queries, search
from service.privacy.advice import advise
from service.privacy.estimates import (
    Z95,
    Estimate,
    Policy,
    predicted_mean_std_error,
    publish_count,
    publish_pooled,
    publish_ratio,
)
from service.privacy.queries import UnitRow
from service.privacy.schemas import LevelPlan, PlanReport, SharesPlan, UnitPlan
from service.privacy.service import fetch_visible_program
from service.privacy.trends import ROLLING_WAVES
from service.scope.rules import in_subtree, visible_root

# The centred scale mean the predictions assume (in scale points).
ASSUMED_CENTRED_MEAN = plan.ASSUMED_CENTRED_MEAN
# The participation a new program's plan assumes until the coordinator says otherwise.
EXPECTED_PARTICIPATION = 0.6


class _Setup(msgspec.Struct, frozen=True):
    nodes: list[plan.Node]
    tree: gls.Tree
    levels: int
    scales: list[plan.ScaleSpec]
    items: list[plan.ItemSpec]
    histogram_levels: int
    level_statistics: list[plan.Tier] | None
    mechanism: str
    budget: float
    policy: Policy
    participation: float
    # (node index, unit) of every real unit the viewer may see, in plan order.
    visible: list[tuple[int, UnitRow]]


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        "Correct the fields listed under `errors` and ask again.",
        errors=[FieldError(field=field, message=message)],
    )


async def plan_program(
    conn: Conn,
    viewer: Principal | None,
    program_id: int,
    *,
    participation: float = 0.6,
    epsilon: float | None = None,
    optimise: bool = True,
    level_shares: list[float] | None = None,
) -> PlanReport:
    """Predict, from public information only, what a release of the program's next wave
    could publish per unit, with the policy's level shares and (optimise) the best ones.

    `epsilon` and `level_shares` (one per level, root first, zeros allowed) replace the
    policy's for a what-if; `current` then reports the shares given.
    """
    if not (math.isfinite(participation) and 0 < participation <= 1):
        raise _invalid("participation", "Expected a share of the headcount in (0, 1].")
    if epsilon is not None and not (math.isfinite(epsilon) and 0 < epsilon <= 40):
        raise _invalid("epsilon", "Expected an ε per person per year in (0, 40].")
    program, policy = await fetch_visible_program(conn, viewer, program_id)
    if epsilon is not None:
        policy = msgspec.structs.replace(policy, annual_epsilon_cap=epsilon, epsilon_per_wave=None)
    epsilon = policy.annual_epsilon_cap
    instruments = await fetch_instruments_by_ids(conn, program.instrument_ids)
    scales, items = plan.describe_instruments(
        [(r.slug, r.version, r.instrument) for r in instruments]
    )
    units = await queries.list_subtree_units(conn, program.root_unit_id)
    setup = make_setup(
        units, program.root_unit_id, scales, items, policy, participation, visible_root(viewer)
    )
    levels, budget = setup.levels, setup.budget
    if level_shares is not None and not (
        len(level_shares) == levels
        and all(math.isfinite(s) and s >= 0 for s in level_shares)
        and sum(level_shares) > 0
    ):
        raise _invalid(
            "level_shares", f"Expected {levels} shares of at least 0, one per level, root first."
        )
    shares = plan.level_shares(levels, level_shares or policy.level_shares)
    current = _evaluate(setup, shares)
    best = _evaluate(setup, *_search(setup, shares, policy.level_statistics)) if optimise else None
    return PlanReport(
        program_id=program.program_id,
        epsilon=epsilon,
        waves_per_year=policy.waves_per_year,
        delta=policy.delta if policy.mechanism == "gaussian" else 0.0,
        mechanism=policy.mechanism,
        budget=budget,
        participation=participation,
        levels=levels,
        min_publish_count=policy.min_publish_count,
        max_half_width=policy.max_half_width,
        max_pooled_half_width=policy.max_pooled_half_width,
        assumed_centred_mean=ASSUMED_CENTRED_MEAN,
        current=current,
        best=best,
        advice=advise(
            setup,
            epsilon,
            "the shares given" if level_shares else "the policy's level shares",
            current,
            best,
        ),
    )


def make_setup(
    units: list[UnitRow], root_id: int, scales: list[plan.ScaleSpec],
    items: list[plan.ItemSpec], policy: PrivacyPolicy, participation: float,
    scope: str | None = None,
) -> _Setup:  # fmt: skip
    """Everything the predictions need, from public information only."""
    nodes = plan.build_nodes(
        [(u.unit_id, u.parent_id, u.path) for u in units],
        root_id,
        {u.unit_id: u.headcount for u in units},
    )
    by_id = {u.unit_id: u for u in units}
    return _Setup(
        nodes=nodes,
        tree=gls.Tree(parent=[node.parent for node in nodes]),
        levels=max(node.level for node in nodes) + 1,
        scales=scales,
        items=items,
        histogram_levels=policy.histogram_levels,
        level_statistics=policy.level_statistics,
        mechanism=policy.mechanism,
        budget=mechanisms.release_budget(policy),
        policy=Policy.of(policy),
        participation=participation,
        visible=[
            (index, by_id[node.unit_id])
            for index, node in enumerate(nodes)
            if not node.direct and (scope is None or in_subtree(node.path, scope))
        ],
    )


def best_plan(setup: _Setup) -> tuple[list[float], list[plan.Tier] | None]:
    """The level shares and statistics per level the search finds best, starting from an
    even split and the default statistics."""
    return _search(setup, plan.level_shares(setup.levels, None), None)


async def planned_policy(
    conn: Conn, root_unit_id: int, instrument_ids: list[int], policy: PrivacyPolicy
) -> PrivacyPolicy:
    """The policy with the planner's best level shares and statistics per level for the
    tree's public headcounts at EXPECTED_PARTICIPATION, when it gives no shares: a new
    program starts from the optimum, which the coordinator sees (and may edit) before the
    first wave opens. Statistics per level the policy gives are kept."""
    if policy.level_shares is not None:
        return policy
    units = await queries.list_subtree_units(conn, root_unit_id)
    if len(units) == 1 or not any(u.headcount for u in units):
        # One level, or no headcounts to plan with: every level gets an even share.
        return policy
    rows = await fetch_instruments_by_ids(conn, instrument_ids)
    scales, items = plan.describe_instruments([(r.slug, r.version, r.instrument) for r in rows])
    setup = make_setup(units, root_unit_id, scales, items, policy, EXPECTED_PARTICIPATION)
    shares, tiers = _search(
        setup, plan.level_shares(setup.levels, None), policy.level_statistics,
        statistics=policy.level_statistics is None,
    )  # fmt: skip
    # Rounded to the grid; they add up to 1 within the program's own check.
    return msgspec.structs.replace(
        policy,
        level_shares=[round(s, 4) for s in shares],
        level_statistics=[t or "headline" for t in _tiers(setup, shares, tiers)],
    )


async def forecast(
    conn: Conn,
    viewer: Principal | None,
    root_unit_id: int,
    instrument_ids: list[int],
    policy: PrivacyPolicy,
    participation: float = EXPECTED_PARTICIPATION,
) -> tuple[SharesPlan, SharesPlan]:
    """What settings not yet saved would publish (with their level shares, and with the best
    ones found), from public headcounts and `participation` only. Shares left out, or not
    one per level, are planned as a new program's are: the best ones."""
    units = await queries.list_subtree_units(conn, root_unit_id)
    rows = await fetch_instruments_by_ids(conn, instrument_ids)
    scales, items = plan.describe_instruments([(r.slug, r.version, r.instrument) for r in rows])
    setup = make_setup(
        units, root_unit_id, scales, items, policy, participation, visible_root(viewer)
    )
    given = policy.level_shares if len(policy.level_shares or []) == setup.levels else None
    best = _evaluate(
        setup,
        *_remembered_search(
            setup, plan.level_shares(setup.levels, given), policy.level_statistics,
            statistics=policy.level_statistics is None,
        ),
    )  # fmt: skip
    if given is None:
        return best, best
    return _evaluate(setup, plan.level_shares(setup.levels, given), policy.level_statistics), best


# The searches the console's live forecast keeps (it asks on every change of the program
# form), the most recently used last: a change that leaves the tree's headcounts, the
# policy, the instruments and the viewer's scope as they were does not search again.
FORECAST_SEARCHES = 64
_searches: OrderedDict[bytes, tuple[list[float], list[plan.Tier] | None]] = OrderedDict()


def _remembered_search(
    setup: _Setup, shares: list[float], tiers: list[plan.Tier] | None, *, statistics: bool
) -> tuple[list[float], list[plan.Tier] | None]:
    """_search, kept by everything it reads (the whole setup and where it starts)."""
    key = msgspec.json.encode((setup, shares, tiers, statistics))
    found = _searches.get(key)
    if found is None:
        found = _searches[key] = _search(setup, shares, tiers, statistics=statistics)
        while len(_searches) > FORECAST_SEARCHES:
            _searches.popitem(last=False)
    else:
        _searches.move_to_end(key)
    # Copies: a caller may not change what the next one is given.
    return list(found[0]), None if found[1] is None else list(found[1])


def forget_searches() -> None:
    """Drop the searches kept for the forecast (tests that must see a search run)."""
    _searches.clear()


# --- predictions ------------------------------------------------------------------------


def _level_variances(setup: _Setup, blocks: list[plan.Block]) -> dict[tuple[str, str], list[float]]:
    """The noise variance of every block kind and key at every level (inf: not measured)."""
    out: dict[tuple[str, str], list[float]] = {}
    for block in blocks:
        if block.kind in ("item", "bands"):
            continue
        per_level = out.setdefault((block.kind, block.key), [math.inf] * setup.levels)
        per_level[block.level] = mechanisms.noise_variance(setup.mechanism, block.scale)
    return out


def _proportion(per_level: list[float], base: list[float]) -> float | None:
    """r when per_level = r * base at every level (inf where base is inf), else None."""
    r: float | None = None
    for v, b in zip(per_level, base, strict=True):
        if math.isinf(v) or math.isinf(b):
            if math.isinf(v) != math.isinf(b):
                return None
            continue
        if r is None:
            r = v / b
        elif not math.isclose(v / b, r, rel_tol=1e-12):
            return None
    return 1.0 if r is None else r


def _patterns(
    setup: _Setup, per_kind: dict[tuple[str, str], list[float]]
) -> dict[tuple[str, str], list[float]]:
    """Post-GLS variance per node for each block kind and key.

    The GLS variances scale linearly with the noise variances, so kinds whose per-level
    variances are proportional share one pattern (all of them under the Gaussian).
    """
    computed: list[tuple[list[float], list[float]]] = []
    same: dict[tuple[float, ...], list[float]] = {}
    out: dict[tuple[str, str], list[float]] = {}
    for key, per_level in per_kind.items():
        if tuple(per_level) in same:
            # The very same list: callers group scales by it.
            out[key] = same[tuple(per_level)]
            continue
        for base, variance in computed:
            r = _proportion(per_level, base)
            if r is not None:
                out[key] = [r * v for v in variance]
                break
        else:
            node_variance = [per_level[node.level] for node in setup.nodes]
            out[key] = gls.pattern(setup.tree, node_variance).variance
            computed.append((per_level, out[key]))
        same[tuple(per_level)] = out[key]
    return out


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


class _Outcome(NamedTuple):
    count_std_error: float | None
    count_half_width: float
    mean_half_width: float  # the widest over the scales
    publish_count: bool
    publish_mean: bool
    headline_half_width: float  # the widest over the headline scales
    publish_headline: bool
    pooled_half_width: float
    publish_pooled: bool
    # The smallest ratio of limit to half-width, at the count the rules decide with, over
    # the means the unit shows (inf: none): how far its decisions are from flipping.
    slack: float


_NOTHING = _Outcome(None, math.inf, math.inf, False, False, math.inf, False, math.inf, False,
                    math.inf)  # fmt: skip


def _tiers(
    setup: _Setup, shares: list[float], tiers: list[plan.Tier] | None
) -> list[plan.Tier | None]:
    """What each level measures: the given tiers, else the policy's, else the default."""
    return plan.level_tiers(shares, setup.histogram_levels, tiers or setup.level_statistics)


def _outcomes(
    setup: _Setup, shares: list[float], tiers: list[plan.Tier] | None = None
) -> list[_Outcome]:
    """What the release rules would decide for every visible unit, with these level shares
    and statistics per level."""
    tiers_used = _tiers(setup, shares, tiers)
    blocks = plan.split_budget(plan.blocks_for(setup.scales, setup.items, tiers_used), 1.0, shares)
    blocks = mechanisms.with_scales(blocks, setup.mechanism, setup.budget)
    variances = _patterns(setup, _level_variances(setup, blocks))
    missing = [math.inf] * len(setup.nodes)
    responses = variances.get(("responses", "responses"), missing)
    scales = [
        (variances.get(("sum", s.key), missing), variances.get(("count", s.key), missing),
         s.headline)
        for s in setup.scales
    ]  # fmt: skip
    # Units of the same size in the same position of the tree get the same predictions.
    seen: dict[tuple[float, ...], _Outcome] = {}
    out: list[_Outcome] = []
    for index, _ in setup.visible:
        # The node's headcount: at least its children's total (plan.build_nodes).
        headcount = setup.nodes[index].headcount
        noise = (v for sums, counts, _ in scales for v in (sums[index], counts[index]))
        key = (headcount, responses[index], *noise)
        outcome = seen.get(key)
        if outcome is None:
            outcome = seen[key] = _predict_unit(setup, headcount, responses[index], index, scales)
        out.append(outcome)
    return out


def _predict_unit(
    setup: _Setup,
    headcount: int,
    count_variance: float,
    index: int,
    scales: list[tuple[list[float], list[float], bool]],
) -> _Outcome:
    """The release's rules (estimates.publish_count, publish_ratio, publish_pooled), decided
    as they would be in nearly every wave: at the expected count less 1.96 standard
    deviations of the count the release decides with (estimates.decision_count: its noise)
    and of the number who answer (binomial at the assumed participation). Half-widths are
    reported at the expected count. Scales of equal variances are decided once (max, min)."""
    if math.isinf(count_variance) and all(math.isinf(sums[index]) for sums, _, _ in scales):
        # Nothing measured here nor derivable (below the measured levels): nothing to show.
        return _NOTHING
    p = setup.participation
    n = p * headcount
    count_se = math.sqrt(count_variance) if math.isfinite(count_variance) else None
    precision = [1.0 / v for _, counts, _ in scales if 0 < (v := counts[index]) < math.inf]
    base = 1.0 / count_variance if 0 < count_variance < math.inf else 0.0
    worst = headline = 0.0 if scales else math.inf
    shown_worst = shown_headline = shown_pooled = bool(scales)
    # (limit / half-width at the decision count) of every mean, each wave and pooled.
    each_slack: list[float] = []
    headline_slack: list[float] = []
    pooled_slack: list[float] = []
    for sum_var, count_var, is_headline in {(s[index], c[index], h) for s, c, h in scales}:
        # The decision count's variance, over-stated on purpose: the release averages the
        # response count and ALL the scales' counts; the plan leaves this scale's own out
        # (one count in seven or so). The margin keeps the stations' pooled means shown
        # (bench/utility.py: 99.6-99.7% at shares [0, .55, .45, 0]; planned with the exact
        # variance, [0, .5625, .4375, 0]: 99.4-99.5%).
        own = 1.0 / count_var if 0 < count_var < math.inf else 0.0
        pooled_precision = base + sum(precision) - own
        # Nothing measured to decide with: no count is low enough to show anything.
        spread = (
            1.0 / pooled_precision + headcount * p * (1 - p) if pooled_precision > 0 else math.inf
        )
        low = max(n - Z95 * math.sqrt(spread), 0.0)
        low_pooled = max(n - Z95 * math.sqrt(spread / ROLLING_WAVES), 0.0)
        se = predicted_mean_std_error(n, sum_var, count_var)
        at_low = Estimate(low, math.sqrt(1.0 / pooled_precision) if pooled_precision else None)
        safe = predicted_mean_std_error(low, sum_var, count_var)
        safe_pooled = predicted_mean_std_error(low_pooled, sum_var, count_var)
        worst = max(worst, se)
        each_slack.append(setup.policy.max_half_width / (Z95 * safe))
        shown_worst = shown_worst and publish_ratio(at_low, safe, setup.policy)
        if is_headline:
            headline = max(headline, se)
            shown_headline = shown_headline and publish_ratio(at_low, safe, setup.policy)
            shown_pooled = shown_pooled and publish_pooled(
                low_pooled, safe_pooled / math.sqrt(ROLLING_WAVES), setup.policy
            )
            headline_slack.append(each_slack[-1])
            pooled_slack.append(
                setup.policy.pooled_limit * math.sqrt(ROLLING_WAVES) / (Z95 * safe_pooled)
            )
    slack = min(
        (each_slack if shown_worst else headline_slack if shown_headline else [])
        + (pooled_slack if shown_pooled else []),
        default=math.inf,
    )
    pooled = headline / math.sqrt(ROLLING_WAVES)
    return _Outcome(
        count_se,
        Z95 * count_se if count_se is not None else math.inf,
        Z95 * worst,
        publish_count(headcount, count_se, setup.policy),
        shown_worst,
        Z95 * headline,
        shown_headline,
        Z95 * pooled,
        shown_pooled,
        slack,
    )


def _score(
    setup: _Setup, outcomes: list[_Outcome], tiers: list[plan.Tier | None]
) -> tuple[int, int, int, float, float]:
    """More means shown: every scale mean a unit shows each wave counts one, and so does
    every headline mean it shows pooled over the waves (so a battalion showing all six of
    its scales outweighs one showing its three headlines); then more shown units with bands
    (1) and item histograms (2) measured at their level, where leaders read them (bands
    not at the deepest measured level); then more publishable counts; then decisions
    further from flipping (the smallest slack over the means shown: a plan just inside its
    limits shows them in fewer waves than one well inside); then a narrower top interval."""
    every = len(setup.scales)
    headlines = sum(1 for s in setup.scales if s.headline)
    # Units are in the plan's breadth-first order: the first is the top one the viewer sees.
    width = outcomes[0].mean_half_width if outcomes else math.inf
    means = richer = 0
    # What leaders read: bands above the deepest measured level, histograms only where
    # they are released (the search proposes them nowhere else); the deepest, means only.
    deepest = max((lv for lv, t in enumerate(tiers) if t is not None), default=0)
    read = [
        min(plan.TIERS.index(t), 1 if lv == deepest else len(plan.TIERS) - 1)
        if t is not None else 0
        for lv, t in enumerate(tiers)
    ]  # fmt: skip
    for (index, _), o in zip(setup.visible, outcomes, strict=True):
        means += (every if o.publish_mean else headlines if o.publish_headline else 0) + (
            headlines if o.publish_pooled else 0
        )
        if o.publish_mean:
            richer += max(read[setup.nodes[index].level] - 1, 0)
    slack = min((o.slack for o in outcomes), default=math.inf)
    # Rounded so that slacks equal but for float noise tie, and the top interval decides.
    return (means, richer, sum(1 for o in outcomes if o.publish_count), round(slack, 9), -width)


def score_plan(
    setup: _Setup, shares: list[float], tiers: list[plan.Tier] | None = None
) -> tuple[int, int, int, float, float]:
    """The search's score of these level shares and statistics per level (higher is better)."""
    return _score(setup, _outcomes(setup, shares, tiers), _tiers(setup, shares, tiers))


def _evaluate(
    setup: _Setup, shares: list[float], tiers: list[plan.Tier] | None = None
) -> SharesPlan:
    outcomes = _outcomes(setup, shares, tiers)
    used = _tiers(setup, shares, tiers)
    units = [
        UnitPlan(
            unit_id=unit.unit_id,
            path=unit.path,
            level=setup.nodes[index].level,
            headcount=unit.headcount,
            expected_responses=setup.participation * setup.nodes[index].headcount,
            count_std_error=o.count_std_error,
            count_half_width=_finite(o.count_half_width),
            mean_half_width=_finite(o.mean_half_width),
            publish_count=o.publish_count,
            publish_mean=o.publish_mean,
            headline_half_width=_finite(o.headline_half_width),
            publish_headline=o.publish_headline,
            pooled_half_width=_finite(o.pooled_half_width),
            publish_pooled=o.publish_pooled,
        )
        for (index, unit), o in zip(setup.visible, outcomes, strict=True)
    ]
    per_level = [
        LevelPlan(level=lv, share=shares[lv], statistics=used[lv]) for lv in range(setup.levels)
    ]
    for u in units:
        at = per_level[u.level]
        at.units += 1
        at.publishable_counts += u.publish_count
        at.publishable_means += u.publish_mean
        at.publishable_headlines += u.publish_headline
        at.publishable_pooled += u.publish_pooled
    return SharesPlan(
        level_shares=list(shares),
        level_statistics=[t or "headline" for t in used],
        publishable_units=sum(1 for u in units if u.publish_mean),
        publishable_counts=sum(1 for u in units if u.publish_count),
        publishable_headlines=sum(1 for u in units if u.publish_headline),
        publishable_pooled=sum(1 for u in units if u.publish_pooled),
        levels=per_level,
        units=units,
    )


def _search(
    setup: _Setup, shares: list[float], tiers: list[plan.Tier] | None, *, statistics: bool = True
) -> tuple[list[float], list[plan.Tier] | None]:
    """search.best_plan with this setup's score; a level with no share measures nothing,
    whatever tier it is given, so candidates are told apart by the tiers they use."""
    return search.best_plan(
        setup.levels, shares, tiers,
        lambda sh, ti: score_plan(setup, sh, ti),
        lambda sh, ti: tuple(_tiers(setup, sh, ti)),
        histogram_levels=setup.histogram_levels,
        statistics=statistics,
    )  # fmt: skip
