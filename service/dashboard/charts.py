"""Server-rendered SVG charts: no library, no script, crisp when printed.

Each function returns one `<svg role="img">` that names its caption and summary with
aria-labelledby / aria-describedby; the page puts a data table next to it. Charts receive
`Stat`s, whose numbers exist only when published: an unpublished value is drawn as a
neutral hatched area saying why it is hidden (the `Stat`'s reason), never as a number.

Ids inside a chart (the hatch pattern) start with the chart's own id, so several charts
on one page never share an id.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import msgspec
from markupsafe import Markup, escape

from service.dashboard.schemas import Stat
from service.i18n import N_, gettext

# A narrow canvas: on a phone it is drawn at about its own size, so 13-14 px text stays
# readable; wider screens show charts two abreast.
WIDTH = 360
FONT = 13
INK = "#1b1f24"
MUTED = "#4a5560"
GRID = "#c9d1d9"
ACCENT = "#0b4f8a"
BAND_FILL = "#9ecae1"
# The rolling mean: orange against the blue, and dashed, so colour is never the only cue.
ROLLING = "#a04a00"
NOT_ENOUGH = N_("not enough responses — see parent")
# cividis, 10 steps (viridisLite::cividis(10)): sequential, readable with every common
# colour-vision deficiency and in greyscale print.
CIVIDIS = (
    "#00204d", "#00336f", "#39486b", "#575d6d", "#707173",
    "#8a8779", "#a69d75", "#c4b56c", "#e4cf5b", "#ffea46",
)  # fmt: skip
# Ordered bands (e.g. low / moderate / high): light to dark blue.
BAND_COLOURS = ("#deebf7", "#9ecae1", "#4292c6", "#08519c", "#08306b")
# Bands by favourability, least to most favourable: ColorBrewer PuOr (5 classes), a
# diverging scale that stays distinct with every common colour-vision deficiency.
FAVOUR_COLOURS = ("#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99")


# --- colour ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@functools.lru_cache(maxsize=64)
def text_on(background: str) -> str:
    """Black or white text, whichever contrasts more with the background."""
    return (
        "#000000"
        if contrast(background, "#000000") >= contrast(background, "#ffffff")
        else ("#ffffff")
    )


def heat_step(t: float) -> int:
    """The cividis step (0..9) of a position from 0 to 1 (least to most favourable)."""
    return max(0, min(len(CIVIDIS) - 1, math.floor(t * len(CIVIDIS))))


def heat_bin(value: float, low: float, high: float) -> int:
    """The cividis step (0..9) of a value on a scale from low to high."""
    if high <= low:
        return 0
    return heat_step((value - low) / (high - low))


def _spread(palette: Sequence[str], count: int) -> list[str]:
    if count <= len(palette):
        picks = [round(i * (len(palette) - 1) / max(count - 1, 1)) for i in range(count)]
        return [palette[i] for i in picks]
    return [palette[i % len(palette)] for i in range(count)]


def band_colours(count: int) -> list[str]:
    return _spread(BAND_COLOURS, count)


def favour_colours(count: int, higher_is: str | None) -> list[str]:
    """Colours of a scale's bands, lowest band first, by how favourable each band is:
    orange for the least favourable, purple for the most. Without a stated direction,
    the sequential blues of BAND_COLOURS."""
    if higher_is is None:
        return band_colours(count)
    colours = _spread(FAVOUR_COLOURS, count)
    return colours if higher_is == "better" else colours[::-1]


# --- pieces -----------------------------------------------------------------------------


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _escape(text: str) -> str:
    # Most chart text is numbers and plain words: skip markupsafe's work for those.
    if "<" in text or ">" in text or "&" in text or '"' in text or "'" in text:
        return str(escape(text))
    return text


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK,
          size: int = FONT, weight: str | None = None) -> str:  # fmt: skip
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" '
        f'font-size="{size}"{bold}>{_escape(text)}</text>'
    )


def _hatch_defs(chart_id: str) -> str:
    return (
        f'<defs><pattern id="{chart_id}-hatch" width="8" height="8" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="8" height="8" fill="#eef1f4"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#8c959f" stroke-width="3"/>'
        "</pattern></defs>"
    )


def _not_enough(chart_id: str, x: float, y: float, width: float, height: float,
                reason: str = "") -> str:  # fmt: skip
    """The neutral hatched box with its words (why the value is hidden) on a plain backing,
    never a number."""
    full = reason or gettext(NOT_ENOUGH)
    words = full if 6.3 * len(full) + 10 <= width else full.split(" —")[0]
    label_w = min(width, 6.3 * len(words) + 10)
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="url(#{chart_id}-hatch)" stroke="#8c959f"/>'
        f'<rect x="{x + 2:.1f}" y="{y + height / 2 - 8:.1f}" width="{label_w - 4:.1f}" '
        'height="16" fill="#ffffff"/>' + _text(x + 6, y + height / 2 + 4, words, size=12, fill=INK)
    )


def _svg(chart_id: str, height: float, body: Sequence[str], labelledby: str,
         describedby: str) -> Markup:  # fmt: skip
    # Safe: every piece of text in `body` went through _escape; the rest is numbers and
    # attribute values made here.
    return Markup(  # noqa: S704
        f'<svg class="chart-svg" id="{chart_id}" viewBox="0 0 {WIDTH} {height:.1f}" '
        f'role="img" aria-labelledby="{labelledby}" aria-describedby="{describedby}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, -apple-system, '
        f'Segoe UI, Roboto, sans-serif" font-size="{FONT}">'
        + _hatch_defs(chart_id)
        + "".join(body)
        + "</svg>"
    )


def _whisker(x1: float, x2: float, y: float, colour: str = INK, cap: float = 5) -> str:
    return (
        f'<path d="M{x1:.1f} {y:.1f}H{x2:.1f}M{x1:.1f} {y - cap:.1f}V{y + cap:.1f}'
        f'M{x2:.1f} {y - cap:.1f}V{y + cap:.1f}" stroke="{colour}" stroke-width="2" fill="none"/>'
    )


def _axis_ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = 1.0 if span <= 6 else math.ceil(span / 5)
    ticks, tick = [], low
    while tick <= high + 1e-9:
        ticks.append(tick)
        tick += step
    return ticks


def _trend_ticks(low: float, high: float) -> list[float]:
    if high - low > 2.5:
        return _axis_ticks(low, high)
    ticks, tick = [], low
    while tick <= high + 1e-9:
        ticks.append(round(tick, 2))
        tick += 0.5
    return ticks


def _fmt_tick(value: float) -> str:
    return f"{value:g}"


def trend_window(points: Sequence[TrendPoint], low: float, high: float) -> tuple[float, float]:
    """The y range of a trend chart: the shown values and their ranges with a margin, in
    half steps, at least one point wide and within the scale, so that a change of 0.2 is
    visible rather than flattened against the whole scale."""
    seen = [
        v
        for p in points
        for stat in (p.mean, p.rolling)
        if stat.shown
        for v in (stat.lower, stat.upper, stat.value)
        if v is not None
    ]
    if not seen:
        return low, high
    lo = math.floor((min(seen) - 0.1) * 2) / 2
    hi = math.ceil((max(seen) + 0.1) * 2) / 2
    while hi - lo < 1.0:
        lo, hi = lo - 0.25, hi + 0.25
    return max(low, lo), min(high, hi)


# --- charts -----------------------------------------------------------------------------


class DotRow(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    stat: Stat
    # A heading row: a group title above its rows (no value).
    heading: bool = False
    strong: bool = False


def interval_dots(
    chart_id: str,
    rows: Sequence[DotRow],
    low: float,
    high: float,
    labelledby: str,
    describedby: str,
    *,
    value_format: str = "{:.2f}",
) -> Markup:
    """Means with their 95% intervals on the scale's own range: each row's label on a line
    of its own (full width, so long scale names fit a phone), its dot and range below."""
    left, right, top = 12.0, WIDTH - 48.0, 30.0
    row_h, heading_h = 44.0, 26.0

    def x(v: float) -> float:
        return left + (v - low) / (high - low) * (right - left)

    height = top + sum(heading_h if r.heading else row_h for r in rows) + 4
    body = []
    for tick in _trend_ticks(low, high):
        body.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 6:.1f}" x2="{x(tick):.1f}" '
            f'y2="{height - 4:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(x(tick), top - 12, _fmt_tick(tick), anchor="middle", fill=MUTED))
    y0 = top
    for row in rows:
        if row.heading:
            body.append(
                f'<rect x="0" y="{y0 + 2:.1f}" width="{WIDTH}" height="{heading_h - 4:.1f}" '
                'fill="#ffffff"/>' + _text(2, y0 + 18, _clip(row.label, 46), weight="700")
            )
            y0 += heading_h
            continue
        backing = 6.6 * min(len(row.label), 50) + 8
        body.append(
            f'<rect x="{left - 4:.1f}" y="{y0 + 3:.1f}" width="{backing:.1f}" '
            'height="16" fill="#ffffff"/>'
            + _text(left, y0 + 15, _clip(row.label, 50), size=12,
                    weight="700" if row.strong else None)
        )  # fmt: skip
        y = y0 + 31
        y0 += row_h
        stat = row.stat
        if not stat.shown or stat.value is None:
            body.append(_not_enough(chart_id, left, y - 10, right - left, 20, stat.reason))
            continue
        lower = stat.lower if stat.lower is not None else stat.value
        upper = stat.upper if stat.upper is not None else stat.value
        body.append(_whisker(x(lower), x(upper), y, ACCENT))
        radius = 6.5 if row.strong else 5.5
        body.append(
            f'<circle cx="{x(stat.value):.1f}" cy="{y:.1f}" r="{radius}" fill="{ACCENT}" '
            'stroke="#ffffff" stroke-width="1.5"/>'
        )
        body.append(_text(WIDTH - 4, y + 5, value_format.format(stat.value), anchor="end"))
    return _svg(chart_id, height, body, labelledby, describedby)


class TrendPoint(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    mean: Stat
    rolling: Stat


def trend_chart(chart_id: str, points: Sequence[TrendPoint], low: float, high: float,
                labelledby: str, describedby: str,
                marks: Sequence[tuple[float, str]] = (),
                rolling_label: str = "4-wave rolling mean") -> Markup:  # fmt: skip
    """A scale's mean over the released waves: a line with its 95% interval band, and the
    rolling mean of the last waves (named by how many it pools) as a dashed second line.
    The y axis is zoomed to the values (trend_window); its caption states the whole scale.
    Point labels are wave dates."""
    scale_low, scale_high = low, high
    low, high = trend_window(points, low, high)
    # Legend: the line, the band and the dashed rolling mean, on a second line if it must.
    legend, legend_y = _trend_legend(rolling_label)
    left, right, top, bottom = 34.0, WIDTH - 14.0, legend_y + 22, legend_y + 188
    height = bottom + 40
    n = len(points)
    step = (right - left) / max(n - 1, 1)
    xs = [left + step * i if n > 1 else (left + right) / 2 for i in range(n)]

    def y(v: float) -> float:
        return bottom - (v - low) / (high - low) * (bottom - top)

    body = [legend]
    for tick in _trend_ticks(low, high):
        body.append(
            f'<line x1="{left:.1f}" y1="{y(tick):.1f}" x2="{right:.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}"/>'
        )
        body.append(_text(left - 8, y(tick) + 5, _fmt_tick(tick), anchor="end", fill=MUTED))
    every = max(1, math.ceil(n / 5))
    for i, point in enumerate(points):
        if not point.mean.shown:
            body.append(
                f'<rect x="{xs[i] - 9:.1f}" y="{top:.1f}" width="18" height="{bottom - top:.1f}" '
                f'fill="url(#{chart_id}-hatch)" stroke="#8c959f"/>'
            )
        if i % every == 0 or i == n - 1:
            # The last date ends at the plot's edge, so that it is not cut off.
            last = i == n - 1 and n > 1
            body.append(_text(xs[i] + (12 if last else 0), bottom + 22, point.label,
                              anchor="end" if last else "middle", fill=MUTED))  # fmt: skip
    caption = gettext(
        "wave closing date · scale %(low)s–%(high)s", low=f"{scale_low:g}", high=f"{scale_high:g}"
    )
    if (low, high) != (scale_low, scale_high):
        caption = gettext(
            "wave closing date · scale %(low)s–%(high)s, shown %(shown_low)s–%(shown_high)s",
            low=f"{scale_low:g}", high=f"{scale_high:g}",
            shown_low=f"{low:g}", shown_high=f"{high:g}",
        )  # fmt: skip
    body.append(_text((left + right) / 2, bottom + 38, caption, anchor="middle", fill=MUTED,
                      size=12))  # fmt: skip

    def runs(pick: str) -> list[list[tuple[float, Stat]]]:
        out: list[list[tuple[float, Stat]]] = [[]]
        for i, point in enumerate(points):
            stat: Stat = getattr(point, pick)
            if stat.shown:
                out[-1].append((xs[i], stat))
            elif out[-1]:
                out.append([])
        return [r for r in out if r]

    for run in runs("mean"):
        uppers = [(px, s.upper if s.upper is not None else s.value or 0.0) for px, s in run]
        lowers = [(px, s.lower if s.lower is not None else s.value or 0.0) for px, s in run]
        if len(run) == 1:
            (px, _), (_, lo), (_, up) = run[0], lowers[0], uppers[0]
            body.append(
                f'<rect x="{px - 6:.1f}" y="{y(up):.1f}" width="12" '
                f'height="{max(y(lo) - y(up), 1):.1f}" fill="{BAND_FILL}"/>'
            )
        else:
            outline = [*uppers, *reversed(lowers)]
            points_attr = " ".join(f"{px:.1f},{y(v):.1f}" for px, v in outline)
            body.append(f'<polygon points="{points_attr}" fill="{BAND_FILL}" fill-opacity="0.7"/>')
        line = " ".join(f"{px:.1f},{y(s.value or 0.0):.1f}" for px, s in run)
        body.append(
            f'<polyline points="{line}" fill="none" stroke="{ACCENT}" stroke-width="3" '
            'stroke-linejoin="round"/>'
        )
        for px, s in run:
            body.append(
                f'<circle cx="{px:.1f}" cy="{y(s.value or 0.0):.1f}" r="4.5" fill="{ACCENT}"/>'
            )
    for run in runs("rolling"):
        line = " ".join(f"{px:.1f},{y(s.value or 0.0):.1f}" for px, s in run)
        body.append(
            f'<polyline points="{line}" fill="none" stroke="{ROLLING}" stroke-width="2.5" '
            'stroke-dasharray="6 4"/>'
        )
        for px, s in run:
            body.append(
                f'<rect x="{px - 3.5:.1f}" y="{y(s.value or 0.0) - 3.5:.1f}" width="7" height="7" '
                f'fill="{ROLLING}"/>'
            )
    body.extend(_action_marks(marks, xs, top, bottom))
    return _svg(chart_id, height, body, labelledby, describedby)


def _trend_legend(rolling_label: str) -> tuple[str, float]:
    """The trend chart's legend (mean, 95% range, rolling mean), each entry as wide as its
    words, wrapped onto a second line where they do not fit; and the last line's baseline."""
    swatches = (
        f'<line x1="{{x}}" y1="{{y}}" x2="{{x2}}" y2="{{y}}" stroke="{ACCENT}" stroke-width="3"/>',
        f'<rect x="{{x}}" y="{{top}}" width="20" height="14" fill="{BAND_FILL}"/>',
        f'<line x1="{{x}}" y1="{{y}}" x2="{{x2}}" y2="{{y}}" stroke="{ROLLING}" '
        'stroke-width="3" stroke-dasharray="6 4"/>',
    )
    words = (gettext("mean"), gettext("95% range"), rolling_label)
    out, lx, ly = [], 4.0, 12.0
    for swatch, label in zip(swatches, words, strict=True):
        width = 25 + 6.6 * len(label) + 14
        if lx + width > WIDTH and lx > 4:
            lx, ly = 4.0, ly + 20
        out.append(swatch.format(x=f"{lx:.1f}", x2=f"{lx + 20:.1f}", y=f"{ly:.1f}",
                                 top=f"{ly - 7:.1f}"))  # fmt: skip
        out.append(_text(lx + 25, ly + 5, label, size=12))
        lx += width
    return "".join(out), ly


def _action_marks(marks: Sequence[tuple[float, str]], xs: Sequence[float], top: float,
                  bottom: float) -> list[str]:  # fmt: skip
    """Actions on the time axis: a dashed upright line where each began, at its place between
    the waves' closing dates (`position` counts waves from 0), and its label at the top."""
    out = []
    for position, label in marks:
        i = max(0, min(len(xs) - 1, math.floor(position)))
        nxt = xs[min(i + 1, len(xs) - 1)]
        mx = xs[i] + (nxt - xs[i]) * (position - i) if position > i else xs[i]
        if position > len(xs) - 1:  # after the latest wave: just right of it
            mx = xs[-1] + 8
        out.append(
            f'<line class="action-mark" x1="{mx:.1f}" y1="{top - 4:.1f}" x2="{mx:.1f}" '
            f'y2="{bottom:.1f}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="2 3"/>'
            f'<rect x="{mx - 9:.1f}" y="{top - 4:.1f}" width="18" height="16" fill="{INK}"/>'
            + _text(mx, top + 8, label, anchor="middle", fill="#ffffff", size=12, weight="700")
        )
    return out


class BandRow(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    shares: list[Stat]
    # The whole percentages printed on the segments, when the page has made them add up to
    # 100; else each share's own, rounded.
    percents: list[int] | None = None


def stacked_bands(chart_id: str, band_labels: Sequence[str], rows: Sequence[BandRow],
                  labelledby: str, describedby: str, *, colours: Sequence[str] | None = None,
                  favourable: bool = False) -> Markup:  # fmt: skip
    """Share of respondents in each band, one stacked bar per row. The whisker at the end
    of a segment spans that band's 95% interval: where the boundary could lie. With
    `favourable`, the colours run from less to more favourable and the legend says so."""
    colours = list(colours) if colours is not None else band_colours(len(band_labels))
    left, right, row_h = 64.0, WIDTH - 8.0, 30.0
    body: list[str] = []
    # Legend, wrapped onto as many lines as it needs.
    lx, ly = 8.0, 16.0
    for label, colour in zip(band_labels, colours, strict=True):
        width = 22 + 6.8 * len(label) + 14
        if lx + width > WIDTH and lx > 8:
            lx, ly = 8.0, ly + 22
        body.append(
            f'<rect x="{lx:.1f}" y="{ly - 11:.1f}" width="16" height="14" fill="{colour}" '
            f'stroke="{INK}" stroke-width="0.5"/>' + _text(lx + 22, ly, label, size=12)
        )
        lx += width
    if favourable:
        ly += 20
        body.append(_text(8, ly, gettext("orange: less favourable · purple: more favourable"),
                          size=12, fill=MUTED))  # fmt: skip
    top = ly + 16
    height = top + row_h * len(rows) + 6
    for i, row in enumerate(rows):
        y = top + row_h * i
        body.append(_text(left - 6, y + row_h / 2 + 5, _clip(row.label, 8), anchor="end"))
        if not row.shares or not all(s.shown for s in row.shares):
            reason = next((s.reason for s in row.shares if not s.shown), "")
            body.append(_not_enough(chart_id, left, y + 5, right - left, row_h - 10, reason))
            continue
        total = max(1.0, sum(s.value or 0.0 for s in row.shares))
        span = right - left
        start = 0.0
        whiskers = []
        for j, (share, colour) in enumerate(zip(row.shares, colours, strict=True)):
            value = max(0.0, (share.value or 0.0) / total)
            percent = row.percents[j] if row.percents else round(value * 100)
            x0 = left + start * span
            w = value * span
            body.append(
                f'<rect x="{x0:.1f}" y="{y + 5:.1f}" width="{w:.1f}" height="{row_h - 10:.1f}" '
                f'fill="{colour}" stroke="{MUTED}" stroke-width="0.5"/>'
            )
            if w >= 34:
                body.append(
                    _text(x0 + w / 2, y + row_h / 2 + 4, f"{percent}%", anchor="middle",
                          fill=text_on(colour), size=12)
                )  # fmt: skip
            if share.lower is not None and share.upper is not None and start + value < 0.999:
                whiskers.append(
                    _whisker(left + (start + share.lower / total) * span,
                             left + (start + share.upper / total) * span,
                             y + row_h - 7, INK, cap=3)
                )  # fmt: skip
            start += value
        body.extend(whiskers)
    return _svg(chart_id, height, body, labelledby, describedby)


class CountRow(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    stat: Stat
    # A public reference to mark on the bar, e.g. the unit's headcount.
    reference: float | None = None


def count_bars(chart_id: str, rows: Sequence[CountRow], labelledby: str, describedby: str,
               *, reference_label: str | None = None, label_chars: int = 18) -> Markup:  # fmt: skip
    """Noisy counts as bars with their 95% intervals; a dark tick marks a public reference."""
    left = 8.0 + 6.6 * label_chars
    right, row_h = WIDTH - 44.0, 26.0
    top = 28.0 if reference_label else 8.0
    biggest = max(
        [1.0]
        + [r.stat.upper or r.stat.value or 0.0 for r in rows if r.stat.shown]
        + [r.reference or 0.0 for r in rows]
    )

    def x(v: float) -> float:
        return left + max(0.0, v) / biggest * (right - left)

    body: list[str] = []
    if reference_label:
        body.append(
            f'<rect x="8" y="6" width="16" height="12" fill="{ACCENT}"/>'
            + _text(30, 17, gettext("responses"), size=12)
            + f'<path d="M112 4V20" stroke="{INK}" stroke-width="3"/>'
            + _text(120, 17, reference_label, size=12)
        )
    height = top + row_h * len(rows) + 6
    for i, row in enumerate(rows):
        y = top + row_h * i
        mid = y + row_h / 2
        body.append(_text(left - 6, mid + 4, _clip(row.label, label_chars), anchor="end", size=12))
        stat = row.stat
        if stat.shown and stat.value is not None:
            body.append(
                f'<rect x="{left:.1f}" y="{y + 6:.1f}" width="{x(stat.value) - left:.1f}" '
                f'height="{row_h - 12:.1f}" fill="{ACCENT}"/>'
            )
            if stat.lower is not None and stat.upper is not None:
                body.append(_whisker(x(stat.lower), x(stat.upper), mid, INK, cap=4))
            body.append(_text(WIDTH - 4, mid + 5, f"{round(stat.value):,}", anchor="end"))
        else:
            body.append(_not_enough(chart_id, left, y + 4, right - left, row_h - 8, stat.reason))
        if row.reference is not None:
            body.append(
                f'<path d="M{x(row.reference):.1f} {y + 2:.1f}V{y + row_h - 2:.1f}" '
                f'stroke="{INK}" stroke-width="3"/>'
            )
    return _svg(chart_id, height, body, labelledby, describedby)
