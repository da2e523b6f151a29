"""What a leader may see of the stored releases, and only that.

Scope: admins (and researchers without a unit) see every program and unit; leaders (and
researchers with a unit) see the subtree of their unit. A program whose root lies above
their unit is shown from their unit down: that unit is their "whole organisation", and
nothing above it is named. A unit or program outside the subtree answers exactly as an
unknown one does (404), so nothing outside can be counted. The rules are service.scope's.

Everything comes from `release` rows (plus units, programs, waves and instrument labels);
unpublished values are dropped here, before any page sees them (`schemas.stat_of`).
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable

import msgspec

from service.actions.schemas import Action
from service.actions.service import ACTION_ROLES, list_unit_actions
from service.auth.principal import Principal
from service.dashboard import queries
from service.dashboard.items import clear_top, item_reason
from service.dashboard.queries import ProgramRow, ReleasedWaveRow, ReleaseRow
from service.dashboard.schemas import (
    TOO_UNCERTAIN,
    BandInfo,
    Context,
    ItemHistogram,
    ItemInfo,
    OptionInfo,
    Overview,
    ScaleInfo,
    Stat,
    UnitPage,
    UnitStats,
    WaveInfo,
    hidden_reason,
    stat_of,
)
from service.db import Conn
from service.errors import (
    FieldError,
    InvalidInput,
    ProgramNotFound,
    UnitNotFound,
    WaveNotFound,
)
from service.i18n import gettext, local_text
from service.instruments.schemas import Instrument
from service.instruments.service import fetch_instrument, option_range
from service.privacy.mechanisms import wave_epsilon
from service.privacy.trends import ROLLING_WAVES
from service.scope.rules import in_subtree, sees_program, sees_unit, visible_root
from service.units.schemas import Unit
from service.waves.schemas import FrozenSettings

# Instrument versions are content hashes: a version never changes, so caching its decoded
# definition in the process is safe for any number of instances.
_instrument_cache: dict[tuple[str, str], Instrument] = {}
_CACHE_LIMIT = 256


async def _instrument(conn: Conn, slug: str, version: str) -> Instrument:
    key = (slug, version)
    found = _instrument_cache.get(key)
    if found is None:
        found = (await fetch_instrument(conn, slug, version)).instrument
        if len(_instrument_cache) >= _CACHE_LIMIT:
            _instrument_cache.clear()
        _instrument_cache[key] = found
    return found


# --- scope ------------------------------------------------------------------------------


def visible_programs(viewer: Principal, programs: Iterable[ProgramRow]) -> list[ProgramRow]:
    return [p for p in programs if sees_program(viewer, p.root_path)]


async def _top_unit(conn: Conn, viewer: Principal, program: ProgramRow) -> Unit | None:
    """The highest unit of the program's tree that the viewer may see."""
    root = visible_root(viewer)
    if root is None or in_subtree(program.root_path, root):
        return await queries.fetch_unit(conn, program.root_unit_id)
    if in_subtree(root, program.root_path):
        return await queries.fetch_unit_by_path(conn, root)
    return None


# --- filters ----------------------------------------------------------------------------


# A wave's epsilon is a pure function of its frozen policy, and OpenDP's privacy map takes
# milliseconds: computed once per policy in the process (half a page's time otherwise).
_epsilon_cache: dict[bytes, float] = {}


def _wave_epsilon(frozen: FrozenSettings) -> float:
    key = msgspec.json.encode(frozen.policy)
    found = _epsilon_cache.get(key)
    if found is None:
        found = wave_epsilon(frozen.policy)
        if len(_epsilon_cache) >= _CACHE_LIMIT:
            _epsilon_cache.clear()
        _epsilon_cache[key] = found
    return found


def _wave_info(row: ReleasedWaveRow) -> WaveInfo:
    frozen = msgspec.convert(row.frozen, type=FrozenSettings)
    return WaveInfo(
        wave_id=row.wave_id,
        seq=row.seq,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        released_at=row.released_at,
        unverified=frozen.mode == "open",
        mechanism=frozen.policy.mechanism,
        epsilon_per_wave=_wave_epsilon(frozen),
        annual_epsilon_cap=frozen.policy.annual_epsilon_cap,
        waves_per_year=frozen.policy.waves_per_year,
        instruments=[(i.slug, i.version) for i in frozen.instruments],
    )


async def _scales(conn: Conn, waves: list[WaveInfo]) -> list[ScaleInfo]:
    """Every scale any released wave measured, labelled from its newest version."""
    found: dict[str, ScaleInfo] = {}
    for wave in reversed(waves):
        for slug, version in wave.instruments:
            instrument = await _instrument(conn, slug, version)
            for scale in instrument.scales:
                key = f"{slug}/{scale.id}"
                if key in found:
                    continue
                first = next(i for i in instrument.items if i.id == scale.items[0])
                low, high = option_range(instrument, first.options)
                found[key] = ScaleInfo(
                    key=key,
                    instrument_title=local_text(instrument.title),
                    name=local_text(scale.name),
                    description=local_text(scale.description) if scale.description else None,
                    low=float(low),
                    high=float(high),
                    bands=[
                        BandInfo(id=b.id, label=local_text(b.label), lower=b.lower, upper=b.upper)
                        for b in scale.bands
                    ],
                    higher_is=scale.higher_is,
                )
    return list(found.values())


async def _items(conn: Conn, wave: WaveInfo) -> list[ItemInfo]:
    out: list[ItemInfo] = []
    for slug, version in wave.instruments:
        instrument = await _instrument(conn, slug, version)
        option_sets = {s.id: s for s in instrument.option_sets}
        for item in instrument.items:
            out.append(
                ItemInfo(
                    key=f"{slug}/{item.id}",
                    instrument_title=local_text(instrument.title),
                    text=local_text(item.text),
                    options=[
                        OptionInfo(value=o.value, label=local_text(o.label))
                        for o in option_sets[item.options].options
                    ],
                )
            )
    return out


async def _context(
    conn: Conn,
    viewer: Principal,
    program_id: int | None,
    wave_id: int | None,
    scale: str | None,
    *,
    covering: Unit | None = None,
) -> Context:
    """Resolve the filters: the program (default: the first the viewer sees, covering the
    unit asked for), its released waves, the wave (default: the latest) and the scale."""
    visible = visible_programs(viewer, await queries.list_programs(conn))
    if covering is not None:
        visible = [p for p in visible if in_subtree(covering.path, p.root_path)]
    if program_id is None:
        program = visible[0] if visible else None
    else:
        program = next((p for p in visible if p.program_id == program_id), None)
        if program is None:
            row = await queries.fetch_program(conn, program_id)
            if row is None or not sees_program(viewer, row.root_path):
                # Outside the viewer's scope is the same answer as no such program.
                raise ProgramNotFound(
                    gettext(
                        "There is no program %(id)s. Open the dashboard to pick a program.",
                        id=program_id,
                    )
                )
            # Visible, so left out only because it does not cover the unit asked for.
            raise InvalidInput(
                gettext("This program does not cover this unit. Pick another program."),
                errors=[FieldError("program", gettext("the program does not cover this unit"))],
            )
    if program is None:
        return Context(
            programs=visible, program=None, waves=[], wave=None, previous=None, scales=[],
            scale=None, top=None, next_wave_closes_at=None,
        )  # fmt: skip
    waves = [_wave_info(w) for w in await queries.list_released_waves(conn, program.program_id)]
    top = await _top_unit(conn, viewer, program)
    newer_hidden: list[int] = []
    if wave_id is None:
        # The latest released wave that published a score for the viewer's top unit; newer
        # waves released with too few answers are named on the page instead.
        wave = waves[-1] if waves else None
        for candidate in reversed(waves):
            if top is None or await queries.fetch_has_published_means(
                conn, candidate.wave_id, top.unit_id
            ):
                wave = candidate
                break
            newer_hidden.append(candidate.seq)
        else:
            newer_hidden = []
    else:
        wave = next((w for w in waves if w.wave_id == wave_id), None)
        if wave is None:
            raise WaveNotFound(
                gettext(
                    "Wave %(id)s is not a released wave of the program '%(program)s'. Pick one "
                    "of the released waves in the filter.",
                    id=wave_id,
                    program=program.name,
                )
            )
    previous = None
    if wave is not None:
        index = waves.index(wave)
        previous = waves[index - 1] if index > 0 else None
    scales = await _scales(conn, waves)
    if scale is not None and scale not in {s.key for s in scales}:
        raise InvalidInput(
            gettext(
                "No released wave of this program measured that scale. Pick one from the filter."
            ),
            errors=[FieldError("scale", gettext("unknown scale for this program"))],
        )
    next_wave = await queries.fetch_next_wave(conn, program.program_id)
    return Context(
        programs=visible,
        program=program,
        waves=waves,
        wave=wave,
        previous=previous,
        scales=scales,
        scale=scale,
        top=top,
        next_wave_closes_at=next_wave.closes_at if next_wave is not None else None,
        next_wave_seq=next_wave.seq if next_wave is not None else None,
        newer_hidden=sorted(newer_hidden),
    )


# --- released values --------------------------------------------------------------------


def _display_count(stat: Stat) -> Stat:
    """Counts are stored unclamped (unbiased); a reader sees them clamped at 0."""
    if stat.value is None:
        return stat
    return msgspec.structs.replace(
        stat,
        value=max(stat.value, 0.0),
        lower=None if stat.lower is None else max(stat.lower, 0.0),
        upper=None if stat.upper is None else max(stat.upper, 0.0),
    )


def _unit_stats(
    unit: Unit,
    wave_id: int,
    rows: Iterable[ReleaseRow],
    *,
    see_parent: bool,
    rolling_waves: int = 0,
) -> UnitStats:
    """A unit's released values in one wave; `see_parent` when the viewer may see its parent,
    so that a hidden value can point there."""
    rows = list(rows)
    count_row = next((r for r in rows if r.statistic == "responses"), None)
    count_shown = count_row is not None and count_row.published
    reason = hidden_reason(count_shown, see_parent=see_parent)
    responses = _display_count(stat_of(count_row, reason))
    other = hidden_reason(count_shown, see_parent=see_parent, measured=False)
    means: dict[str, Stat] = {}
    trends: dict[str, Stat] = {}
    rolling: dict[str, Stat] = {}
    counts: dict[str, Stat] = {}
    bands: dict[str, dict[str, Stat]] = {}
    for row in rows:
        if not row.statistic.startswith("scale:"):
            continue
        key, _, kind = row.statistic.removeprefix("scale:").partition(":")
        # A measured statistic without a noise scale: the plan measured no block for it at
        # this level (trends and rolling means are derived, never measured themselves).
        derived = kind == "trend" or kind.startswith("rolling")
        unmeasured = count_shown and row.noise_scale is None and not derived
        stat = stat_of(row, other if unmeasured else reason)
        if kind == "mean":
            means[key] = stat
        elif kind == "trend":
            trends[key] = stat
        elif kind.startswith("rolling"):
            rolling[key] = stat
        elif kind == "count":
            counts[key] = _display_count(stat)
        elif kind.startswith("band:"):
            bands.setdefault(key, {})[kind.removeprefix("band:")] = stat
    # A scale the release has no row for: too few responses when the count is hidden,
    # else a scale measured only higher up (per-level statistics).
    missing = Stat(published=False, reason=other if count_shown else reason)
    return UnitStats(
        unit=unit, wave_id=wave_id, responses=responses, means=means, trends=trends,
        rolling=rolling, counts=counts, bands=bands, missing=missing,
        rolling_waves=rolling_waves,
    )  # fmt: skip


def _pooled(waves: list[WaveInfo], wave_id: int, present: Container[int]) -> int:
    """How many waves the rolling means of `wave_id` pool, as the release computed them:
    that wave and those of the ROLLING_WAVES - 1 released waves before it in which the unit
    has rows (service/privacy/trends.py)."""
    ids = [w.wave_id for w in waves]
    index = ids.index(wave_id)
    before = ids[max(0, index - (ROLLING_WAVES - 1)) : index]
    return 1 + sum(1 for w in before if w in present)


def _group(rows: Iterable[ReleaseRow]) -> dict[tuple[int, int], list[ReleaseRow]]:
    grouped: dict[tuple[int, int], list[ReleaseRow]] = {}
    for row in rows:
        grouped.setdefault((row.wave_id, row.unit_id), []).append(row)
    return grouped


def _histograms(
    items: list[ItemInfo], rows: Iterable[ReleaseRow], responses: Stat
) -> list[ItemHistogram]:
    by_stat = {r.statistic: r for r in rows if r.statistic.startswith("item:")}
    out: list[ItemHistogram] = []
    for item in items:
        counts = [(o, stat_of(by_stat.get(f"item:{item.key}:{o.value}"))) for o in item.options]
        # Only items the release published for this unit (the top levels, enough responses).
        if not any(stat.shown for _, stat in counts):
            continue
        reason = item_reason([s for _, s in counts], responses)
        if reason:
            # No number of a hidden distribution reaches a page.
            hidden = Stat(published=False, reason=gettext(TOO_UNCERTAIN))
            out.append(ItemHistogram(item=item, counts=[(o, hidden) for o, _ in counts],
                                     shown=False, reason=reason))  # fmt: skip
            continue
        out.append(
            ItemHistogram(
                item=item,
                counts=[(o, _display_count(s)) for o, s in counts],
                top=clear_top(counts),
            )
        )
    return out


async def overview(
    conn: Conn,
    viewer: Principal,
    program_id: int | None = None,
    wave_id: int | None = None,
    scale: str | None = None,
) -> Overview:
    """The viewer's top unit and its children in one released wave (default: the latest)."""
    context = await _context(conn, viewer, program_id, wave_id, scale)
    if context.wave is None or context.top is None:
        return Overview(context=context, top=None, children=[])
    children = await _children(conn, context.top.unit_id)
    units = [context.top, *children]
    grouped = _group(
        await queries.list_release_rows(conn, [context.wave.wave_id], [u.unit_id for u in units])
    )
    wave_id = context.wave.wave_id
    measured = await queries.list_waves_with_rows(
        conn, [w.wave_id for w in context.waves], context.top.unit_id
    )
    # The top unit's parent is outside the viewer's scope; its children's parent is the top.
    stats = [
        _unit_stats(u, wave_id, grouped.get((wave_id, u.unit_id), []), see_parent=i > 0,
                    rolling_waves=_pooled(context.waves, wave_id, measured) if i == 0 else 0)
        for i, u in enumerate(units)
    ]  # fmt: skip
    return Overview(
        context=context,
        top=stats[0],
        children=[s for s in stats[1:] if (wave_id, s.unit.unit_id) in grouped],
    )


_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that reads numbers as numbers: "Station 2" before "Station 12"."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in _DIGITS.split(name)
        if part
    )


async def _children(conn: Conn, unit_id: int) -> list[Unit]:
    """The unit's direct children in natural order of their names."""
    children = await queries.list_children(conn, unit_id)
    return sorted(children, key=lambda u: (natural_key(u.name), u.path))


async def _unit_in_scope(
    conn: Conn,
    viewer: Principal,
    unit_id: int,
    program_id: int | None,
    wave_id: int | None,
    scale: str | None,
) -> tuple[Unit, Context, list[Unit]]:
    """The unit (404 when unknown or outside the viewer's subtree), the filters resolved for it,
    and its breadcrumb: the units from the viewer's top unit down to its parent."""
    unit = await queries.fetch_unit(conn, unit_id)
    if unit is None or not sees_unit(viewer, unit.path):
        raise UnitNotFound(
            gettext("No unit has the id %(id)s. Open the dashboard to pick a unit.", id=unit_id)
        )
    context = await _context(conn, viewer, program_id, wave_id, scale, covering=unit)
    if context.top is None:
        return unit, context, []
    # Ancestors between the viewer's top unit and this unit: paths are slugs joined by '/'.
    parts = unit.path.split("/")
    above = ["/".join(parts[:n]) for n in range(len(context.top.path.split("/")), len(parts))]
    breadcrumb = await queries.list_units_by_paths(conn, above) if above else []
    return unit, context, breadcrumb


def _empty(context: Context, unit: Unit, breadcrumb: list[Unit]) -> UnitPage:
    return UnitPage(
        context=context, unit=unit, breadcrumb=breadcrumb, history=[], current=None,
        parent=None, org=None, children=[], items=[], has_items=False,
    )  # fmt: skip


async def unit_page(
    conn: Conn,
    viewer: Principal,
    unit_id: int,
    program_id: int | None = None,
    wave_id: int | None = None,
    scale: str | None = None,
) -> UnitPage:
    """One unit over every released wave, with its parent, the viewer's whole organisation
    and its children for comparison, all within the viewer's scope. Item histograms are on
    `unit_questions`; `has_items` says whether the wave released any for this unit."""
    unit, context, breadcrumb = await _unit_in_scope(
        conn, viewer, unit_id, program_id, wave_id, scale
    )
    top, wave = context.top, context.wave
    if top is None or wave is None:
        return _empty(context, unit, breadcrumb)
    parent = breadcrumb[-1] if breadcrumb else None
    children = await _children(conn, unit.unit_id)
    mine = _group(
        await queries.list_release_rows(conn, [w.wave_id for w in context.waves], [unit.unit_id])
    )
    # The viewer's whole organisation and the parent, when they are not this unit.
    others = [u for u in (top, parent) if u is not None and u.unit_id != unit.unit_id]
    others = list({u.unit_id: u for u in [*others, *children]}.values())
    grouped = _group(
        await queries.list_release_rows(conn, [wave.wave_id], [u.unit_id for u in others])
        if others
        else []
    )

    def at(u: Unit) -> UnitStats:
        rows = grouped.get((wave.wave_id, u.unit_id), [])
        return _unit_stats(u, wave.wave_id, rows, see_parent=u.unit_id != top.unit_id)

    see_parent = unit.unit_id != top.unit_id

    # A release writes a row for every unit it covers: a unit without rows in a wave (added
    # after it) is absent from that wave, not short of responses.
    measured = {w for w, _ in mine}
    history = [(w, _unit_stats(unit, w.wave_id, mine[(w.wave_id, unit.unit_id)],
                               see_parent=see_parent,
                               rolling_waves=_pooled(context.waves, w.wave_id, measured)))
               for w in context.waves if (w.wave_id, unit.unit_id) in mine]  # fmt: skip
    current = next((s for w, s in history if w.wave_id == wave.wave_id), None)
    if current is None:
        return msgspec.structs.replace(_empty(context, unit, breadcrumb), absent=True)
    return UnitPage(
        context=context,
        unit=unit,
        breadcrumb=breadcrumb,
        history=history,
        current=current,
        parent=at(parent) if parent is not None else None,
        org=at(top) if top.unit_id != unit.unit_id else None,
        children=[at(c) for c in children if (wave.wave_id, c.unit_id) in grouped],
        items=[],
        has_items=await queries.fetch_has_published_items(conn, wave.wave_id, unit.unit_id),
        actions=await _actions(conn, viewer, unit, context),
    )


async def _actions(conn: Conn, viewer: Principal, unit: Unit, context: Context) -> list[Action]:
    """The unit's actions for leaders and admins; researchers read released numbers only."""
    if viewer.role not in ACTION_ROLES or context.program is None:
        return []
    return await list_unit_actions(conn, unit.unit_id, context.program.program_id)


async def unit_questions(
    conn: Conn,
    viewer: Principal,
    unit_id: int,
    program_id: int | None = None,
    wave_id: int | None = None,
) -> UnitPage:
    """How the unit answered each question in one wave, where the release published it."""
    unit, context, breadcrumb = await _unit_in_scope(
        conn, viewer, unit_id, program_id, wave_id, None
    )
    wave = context.wave
    if context.top is None or wave is None:
        return _empty(context, unit, breadcrumb)
    rows = await queries.list_release_rows(
        conn, [wave.wave_id], [unit.unit_id], items_wave_id=wave.wave_id
    )
    if not rows:
        return msgspec.structs.replace(_empty(context, unit, breadcrumb), absent=True)
    current = _unit_stats(unit, wave.wave_id, rows, see_parent=unit.unit_id != context.top.unit_id)
    items = _histograms(await _items(conn, wave), rows, current.responses)
    return msgspec.structs.replace(
        _empty(context, unit, breadcrumb), current=current, items=items, has_items=bool(items)
    )
