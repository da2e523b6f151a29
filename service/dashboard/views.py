"""From released values to what a page shows: formatted numbers, charts with their data
tables and plain-language summaries, the heatmap, and links that keep the filters.

Pure functions of the service's results; no database, no HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import msgspec
from markupsafe import Markup

from service.dashboard import charts, words
from service.dashboard.charts import BandRow, CountRow, DotRow, TrendPoint
from service.dashboard.effects import ActionEffect, action_effects, marks_for, marks_summary
from service.dashboard.schemas import (
    Context,
    ItemHistogram,
    Overview,
    ScaleInfo,
    Stat,
    UnitPage,
    UnitStats,
    WaveInfo,
)
from service.dashboard.wording import (
    change_arrow,
    change_direction,
    change_verdict,
    consistent_shares,
    fmt_change,
    fmt_count,
    fmt_mean,
    fmt_se,
    fmt_shares,
    hidden,
    month_year,
    participation,
    plain,
    rate_range,
    rolling_label,
    wave_date,
    wave_label,
    whole_percents,
)
from service.i18n import N_, gettext
from service.units.schemas import Unit

_PARENT = N_("%(unit)s (parent)")

# --- links ------------------------------------------------------------------------------


def query(context: Context, **overrides: Any) -> str:
    """The filters as a query string, so that every link keeps them (shareable URLs)."""
    params: dict[str, Any] = {}
    if context.program is not None:
        params["program"] = context.program.program_id
    if context.wave is not None:
        params["wave"] = context.wave.wave_id
    if context.scale:
        params["scale"] = context.scale
    params.update(overrides)
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(clean) if clean else ""


def unit_link(context: Context, unit: Unit) -> str:
    return f"/dashboard/units/{unit.unit_id}{query(context)}"


def questions_query(context: Context) -> str:
    """The questions page has no scale filter: its questions belong to instruments."""
    return query(context, scale=None)


# --- figures ----------------------------------------------------------------------------


class Figure(msgspec.Struct, frozen=True, kw_only=True):
    """A chart, its plain-language summary, and the same numbers as a table."""

    id: str
    title: str
    summary: str
    svg: Markup
    columns: list[str]
    # The first cell of each row is the row's header.
    rows: list[list[str]]


def _ids(chart_id: str) -> tuple[str, str]:
    return f"{chart_id}-title", f"{chart_id}-summary"


def scores_figure(chart_id: str, stats: UnitStats, scales: list[ScaleInfo]) -> Figure:
    title_id, summary_id = _ids(chart_id)
    rows = [DotRow(label=s.name, stat=stats.mean(s.key)) for s in scales]
    low = min((s.low for s in scales), default=1.0)
    high = max((s.high for s in scales), default=5.0)
    shown = [s for s in scales if stats.mean(s.key).shown]
    parts = [f"{s.name}: {fmt_mean(stats.mean(s.key))}" for s in shown]
    summary = words.scores_summary(stats.unit.name, low, high, parts, len(scales) - len(shown))
    return Figure(
        id=chart_id,
        title=gettext("Scores: %(unit)s", unit=stats.unit.name),
        summary=summary,
        svg=charts.interval_dots(chart_id, rows, low, high, title_id, summary_id),
        columns=[gettext("Scale"), gettext("Mean (95% range)"), gettext("Standard error")],
        rows=[[s.name, fmt_mean(stats.mean(s.key)), fmt_se(stats.mean(s.key))] for s in scales],
    )


def participation_figure(chart_id: str, title: str, units: list[UnitStats]) -> Figure:
    title_id, summary_id = _ids(chart_id)
    rows = [
        CountRow(label=u.unit.name, stat=u.responses, reference=float(u.unit.headcount))
        for u in units
    ]
    first = units[0]
    summary = (
        gettext("Responses (noisy, with 95% range) against each unit's headcount.")
        + f" {first.unit.name}: {participation(first.responses, first.unit.headcount)}."
    )
    not_shown = sum(1 for u in units if not u.responses.shown)
    if not_shown:
        summary += " " + gettext("%(num)s unit(s): not shown; the table says why.", num=not_shown)
    return Figure(
        id=chart_id,
        title=title,
        summary=summary,
        svg=charts.count_bars(
            chart_id, rows, title_id, summary_id, reference_label=gettext("headcount")
        ),
        columns=[
            gettext("Unit"),
            gettext("Responses (95% range)"),
            gettext("Headcount"),
            gettext("Participation (95% range)"),
        ],
        rows=[
            [
                u.unit.name,
                fmt_count(u.responses),
                f"{u.unit.headcount:,}",
                rate_range(u.responses, u.unit.headcount),
            ]
            for u in units
        ],
    )


def participation_history_figure(chart_id: str, page: UnitPage) -> Figure:
    title_id, summary_id = _ids(chart_id)
    unit = page.unit
    rows = [
        CountRow(label=wave_label(w), stat=s.responses, reference=float(unit.headcount))
        for w, s in page.history
    ]
    latest_wave, latest = page.history[-1]
    summary = gettext(
        "Responses from %(unit)s in each released wave, against its headcount of %(headcount)s.",
        unit=unit.name,
        headcount=f"{unit.headcount:,}",
    ) + (f" {wave_label(latest_wave)}: {participation(latest.responses, unit.headcount)}.")
    return Figure(
        id=chart_id,
        title=gettext("Participation over time: %(unit)s", unit=unit.name),
        summary=summary,
        svg=charts.count_bars(
            chart_id, rows, title_id, summary_id, reference_label=gettext("headcount")
        ),
        columns=[
            gettext("Wave"),
            gettext("Closed"),
            gettext("Responses (95% range)"),
            gettext("Participation (95% range)"),
        ],
        rows=[
            [
                wave_label(w),
                wave_date(w),
                fmt_count(s.responses),
                rate_range(s.responses, unit.headcount),
            ]
            for w, s in page.history
        ],
    )


def trend_figure(
    chart_id: str, page: UnitPage, scale: ScaleInfo, effects: Sequence[ActionEffect] = ()
) -> Figure:
    title_id, summary_id = _ids(chart_id)
    points = [
        TrendPoint(
            label=month_year(w),
            mean=s.mean(scale.key),
            rolling=s.rolling.get(scale.key, Stat(published=False)),
        )
        for w, s in page.history
    ]
    shown = [(w, s) for w, s in page.history if s.mean(scale.key).shown]
    missing = [str(w.seq) for w, s in page.history if not s.mean(scale.key).shown]
    latest, change_words = None, None
    if shown:
        last_wave, last = shown[-1]
        latest = (wave_label(last_wave), fmt_mean(last.mean(scale.key)))
        change = last.trend(scale.key)
        if change is not None and change.shown:
            change_words = (fmt_change(change, None), change_verdict(change, scale.higher_is))
    summary = words.trend_summary(
        scale, page.unit.name, len(page.history), latest, change_words, missing
    )
    summary += marks_summary(effects, scale.key)
    marks = marks_for(effects, [w for w, _ in page.history], scale.key)
    # The dashed line is named by how many waves its latest point pools ("3-wave mean").
    pooled = page.history[-1][1].rolling_waves if page.history else 0
    label = rolling_label(pooled)

    def rolling_cell(s: UnitStats) -> str:
        if scale.key not in s.rolling:
            return "—"
        text = fmt_mean(s.rolling[scale.key])
        if s.rolling_waves == pooled:
            return text
        return gettext("%(mean)s, %(num)s waves", mean=text, num=s.rolling_waves)

    return Figure(
        id=chart_id,
        title=gettext("%(scale)s over time", scale=scale.name),
        summary=summary,
        svg=charts.trend_chart(
            chart_id,
            points,
            scale.low,
            scale.high,
            title_id,
            summary_id,
            marks,
            rolling_label=label,
        ),
        columns=[
            gettext("Wave"),
            gettext("Mean (95% range)"),
            gettext("Change since the wave before"),
            label,
        ],
        rows=[
            [
                wave_label(w),
                fmt_mean(s.mean(scale.key)),
                fmt_change(s.trend(scale.key), None) if s.trend(scale.key) else "—",
                rolling_cell(s),
            ]
            for w, s in page.history
        ],
    )


def bands_figure(chart_id: str, page: UnitPage, scale: ScaleInfo) -> Figure:
    title_id, summary_id = _ids(chart_id)
    labels = [b.label for b in scale.bands]

    def shares(stats: UnitStats) -> list[Stat]:
        found = stats.bands.get(scale.key, {})
        # Consistent shares: they add up to 100% (post-processing of the released ones).
        return consistent_shares([found.get(b.id, stats.missing) for b in scale.bands])

    def percents(stats: list[Stat]) -> list[int] | None:
        shown = all(s.shown for s in stats)
        return whole_percents([s.value or 0.0 for s in stats]) if stats and shown else None

    by_wave = [(w, shares(s)) for w, s in page.history]
    rows = [BandRow(label=wave_label(w), shares=x, percents=percents(x)) for w, x in by_wave]
    colours = charts.favour_colours(len(scale.bands), scale.higher_is)
    current = page.current
    shown_shares, hidden_mean = None, None
    if current is not None and all(s.shown for s in shares(current)):
        wave = page.context.wave
        shown_shares = (
            wave_label(wave) if wave else gettext("This wave"),
            "; ".join(
                f"{b.label} {text}"
                for b, text in zip(scale.bands, fmt_shares(shares(current)), strict=True)
            ),
        )
        mean = current.mean(scale.key)
        hidden_mean = None if mean.shown else hidden(mean)
    summary = words.bands_summary(scale, page.unit.name, shown_shares, hidden_mean)
    return Figure(
        id=chart_id,
        title=gettext("%(scale)s: bands", scale=scale.name),
        summary=summary,
        svg=charts.stacked_bands(
            chart_id,
            labels,
            rows,
            title_id,
            summary_id,
            colours=colours,
            favourable=scale.higher_is is not None,
        ),
        columns=[gettext("Wave"), *[f"{b.label} ({b.lower:g}–{b.upper:g})" for b in scale.bands]],
        rows=[[wave_label(w), *fmt_shares(x)] for w, x in by_wave],
    )


def comparison_figure(chart_id: str, page: UnitPage, scales: list[ScaleInfo]) -> Figure | None:
    if page.current is None or (page.parent is None and page.org is None):
        return None
    title_id, summary_id = _ids(chart_id)
    who: list[tuple[str, UnitStats]] = [(page.unit.name, page.current)]
    if page.parent is not None and (page.org is None or page.parent.unit != page.org.unit):
        who.append((gettext(_PARENT, unit=page.parent.unit.name), page.parent))
    if page.org is not None:
        if page.parent is not None and page.parent.unit == page.org.unit:
            label = N_("%(unit)s (parent; all you see)") if page.org.unit.parent_id else _PARENT
        elif page.org.unit.parent_id is not None:
            label = N_("%(unit)s (all you see)")
        else:
            label = N_("%(unit)s (organisation)")
        who.append((gettext(label, unit=page.org.unit.name), page.org))
    rows: list[DotRow] = []
    for scale in scales:
        rows.append(DotRow(label=scale.name, stat=Stat(published=False), heading=True))
        rows += [DotRow(label=name, stat=s.mean(scale.key), strong=i == 0)
                 for i, (name, s) in enumerate(who)]  # fmt: skip
    low = min((s.low for s in scales), default=1.0)
    high = max((s.high for s in scales), default=5.0)
    summary = " ".join(
        f"{scale.name}: "
        + ", ".join(f"{name} {fmt_mean(s.mean(scale.key))}" for name, s in who)
        + "."
        for scale in scales
    )
    return Figure(
        id=chart_id,
        title=gettext("%(unit)s compared", unit=page.unit.name),
        summary=summary,
        svg=charts.interval_dots(chart_id, rows, low, high, title_id, summary_id),
        columns=[gettext("Scale"), *[name for name, _ in who]],
        rows=[[scale.name, *[fmt_mean(s.mean(scale.key)) for _, s in who]] for scale in scales],
    )


def item_figure(chart_id: str, histogram: ItemHistogram, unit: Unit) -> Figure:
    title_id, summary_id = _ids(chart_id)
    rows = [CountRow(label=o.label, stat=s) for o, s in histogram.counts]
    top = None
    if histogram.shown and histogram.top is not None:
        count = next(s for o, s in histogram.counts if o is histogram.top)
        top = (histogram.top.label, fmt_count(count))
    reason = "" if histogram.shown else histogram.reason
    summary = words.item_summary(unit.name, reason, top)
    return Figure(
        id=chart_id,
        title=histogram.item.text,
        summary=summary,
        svg=charts.count_bars(chart_id, rows, title_id, summary_id, label_chars=22),
        columns=[gettext("Answer"), gettext("People (95% range)")],
        rows=[[o.label, fmt_count(s)] for o, s in histogram.counts],
    )


# --- tables that are not charts ----------------------------------------------------------


class ScoreLine(msgspec.Struct, frozen=True, kw_only=True):
    scale: ScaleInfo
    mean: str
    change: str
    verdict: str
    # "better" / "worse" ("up" / "down" without a stated direction) when the change is
    # larger than the noise, else "".
    flag: str
    # ▲ / ▼ beside the flag's words.
    arrow: str
    rolling: str
    # The rolling mean's name: how many waves it pools ("3-wave mean").
    rolling_label: str


def score_lines(
    stats: UnitStats, scales: list[ScaleInfo], previous: WaveInfo | None
) -> list[ScoreLine]:
    out = []
    for scale in scales:
        change = stats.trend(scale.key)
        rolling = stats.rolling.get(scale.key)
        mean = stats.mean(scale.key)
        if not mean.shown:
            change_text = "—"
        elif change is None and previous is not None:
            change_text = gettext("no comparison with wave %(seq)s released", seq=previous.seq)
        else:
            change_text = fmt_change(change, previous)
        out.append(
            ScoreLine(
                scale=scale,
                mean=fmt_mean(mean),
                change=change_text,
                verdict=change_verdict(change, scale.higher_is),
                flag=change_direction(change, scale.higher_is),
                arrow=change_arrow(change),
                rolling=fmt_mean(rolling) if rolling is not None else "—",
                rolling_label=rolling_label(stats.rolling_waves),
            )
        )
    return out


class HeatCell(msgspec.Struct, frozen=True, kw_only=True):
    shown: bool
    text: str
    range: str
    css: str


class HeatRow(msgspec.Struct, frozen=True, kw_only=True):
    unit: Unit
    link: str
    cells: list[HeatCell]
    parent_row: bool = False


class Heatmap(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    scales: list[ScaleInfo]
    rows: list[HeatRow]
    summary: str
    legend: list[tuple[str, str]]


def heatmap(context: Context, parent: UnitStats, children: list[UnitStats]) -> Heatmap | None:
    if not children:
        return None
    scales = context.shown_scales

    def cell(stats: UnitStats, scale: ScaleInfo) -> HeatCell:
        stat = stats.mean(scale.key)
        if not stat.shown or stat.value is None:
            return HeatCell(shown=False, text=hidden(stat), range="", css="heat-none")
        step = charts.heat_step(scale.favourability(stat.value))
        interval = (
            f"{plain(stat.lower)}–{plain(stat.upper)}"
            if stat.lower is not None and stat.upper is not None
            else ""
        )
        return HeatCell(shown=True, text=plain(stat.value), range=interval, css=f"heat-{step}")

    rows = [
        HeatRow(unit=parent.unit, link=unit_link(context, parent.unit),
                cells=[cell(parent, s) for s in scales], parent_row=True)
    ] + [
        HeatRow(unit=c.unit, link=unit_link(context, c.unit), cells=[cell(c, s) for s in scales])
        for c in children
    ]  # fmt: skip
    total = len(children) * len(scales)
    shown = sum(1 for r in rows[1:] for c in r.cells if c.shown)
    steps = len(charts.CIVIDIS)
    legend = [(f"heat-{step}", words.heat_step(step, steps)) for step in range(steps)]
    summary = words.heatmap_summary(parent.unit.name, shown, total)
    return Heatmap(id="heatmap", scales=scales, rows=rows, summary=summary, legend=legend)


# --- pages ------------------------------------------------------------------------------


def _filters(context: Context) -> dict[str, Any]:
    return {
        "program_options": [(p.program_id, p.name) for p in context.programs],
        "wave_options": [
            (
                w.wave_id,
                gettext("%(wave)s (closed %(date)s)", wave=wave_label(w), date=wave_date(w)),
            )
            for w in reversed(context.waves)
        ],
        "scale_options": [(s.key, f"{s.name} ({s.instrument_title})") for s in context.scales],
    }


def overview_context(data: Overview) -> dict[str, Any]:
    context = data.context
    page: dict[str, Any] = {"ctx": context, "filters": _filters(context), "query": query(context)}
    if data.top is None:
        return page
    scales = context.shown_scales
    units = [data.top, *data.children]
    page.update(
        top=data.top,
        top_link=unit_link(context, data.top.unit),
        top_participation=participation(data.top.responses, data.top.unit.headcount),
        scores=score_lines(data.top, scales, context.previous),
        scores_figure=scores_figure("scores", data.top, scales) if scales else None,
        participation_figure=participation_figure(
            "participation",
            gettext("Participation: %(unit)s and its units", unit=data.top.unit.name),
            units,
        ),
        heatmap=heatmap(context, data.top, data.children),
    )
    return page


def unit_context(data: UnitPage) -> dict[str, Any]:
    context = data.context
    page: dict[str, Any] = {
        "ctx": context,
        "filters": _filters(context),
        "query": query(context),
        "unit": data.unit,
        "breadcrumb": [(u, unit_link(context, u)) for u in data.breadcrumb],
        "absent": data.absent,
    }
    if data.current is None:
        return page
    scales = context.shown_scales
    effects = action_effects(data.actions, data.history, context.scales)
    page.update(
        current=data.current,
        scores=score_lines(data.current, scales, context.previous),
        comparison=comparison_figure("compare", data, scales) if scales else None,
        trends=[trend_figure(f"trend-{i}", data, s, effects) for i, s in enumerate(scales)],
        effects=effects,
        bands=[bands_figure(f"bands-{i}", data, s) for i, s in enumerate(scales) if s.bands],
        participation_history=participation_history_figure("participation-history", data),
        heatmap=heatmap(context, data.current, data.children),
        has_items=data.has_items,
        questions_link=f"/dashboard/units/{data.unit.unit_id}/questions{questions_query(context)}",
    )
    return page


def questions_context(data: UnitPage) -> dict[str, Any]:
    context = data.context
    return {
        "ctx": context,
        "filters": _filters(context),
        "query": query(context),
        "unit": data.unit,
        "unit_link": unit_link(context, data.unit),
        "breadcrumb": [(u, unit_link(context, u)) for u in data.breadcrumb],
        "current": data.current,
        "items": _items_by_instrument(data),
    }


def _items_by_instrument(data: UnitPage) -> list[tuple[str, list[Figure]]]:
    groups: dict[str, list[Figure]] = {}
    for i, histogram in enumerate(data.items):
        groups.setdefault(histogram.item.instrument_title, []).append(
            item_figure(f"item-{i}", histogram, data.unit)
        )
    return list(groups.items())
