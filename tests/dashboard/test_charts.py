"""The SVG charts and the heat scale, without a database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.dashboard import charts
from service.dashboard.charts import BandRow, CountRow, DotRow, TrendPoint
from service.dashboard.schemas import ScaleInfo, Stat

CSS = Path(__file__).resolve().parents[2] / "service" / "web" / "static" / "dashboard.css"
HIDDEN = Stat(published=False)


def shown(value: float, half: float = 0.2) -> Stat:
    return Stat(published=True, value=value, std_error=half / 1.96, lower=value - half,
                upper=value + half)  # fmt: skip


@pytest.mark.parametrize("step", range(len(charts.CIVIDIS)))
def test_every_heat_colour_has_its_stylesheet_rule_with_readable_text(step: int) -> None:
    colour = charts.CIVIDIS[step]
    text = charts.text_on(colour)
    assert charts.contrast(colour, text) >= 4.5
    hex_colour = "(#[0-9a-f]{6})"
    pattern = rf"\.heat-{step} \{{ background: {hex_colour}; color: {hex_colour}; \}}"
    rule = re.search(pattern, CSS.read_text())
    assert rule is not None, f"dashboard.css has no rule for heat-{step}"
    assert rule.groups() == (colour, text)


@pytest.mark.parametrize("colour", charts.BAND_COLOURS + charts.FAVOUR_COLOURS)
def test_percentages_printed_on_band_colours_are_readable(colour: str) -> None:
    assert charts.contrast(colour, charts.text_on(colour)) >= 4.5


def test_bands_are_coloured_by_favourability_not_by_raw_value() -> None:
    least, most = charts.FAVOUR_COLOURS[0], charts.FAVOUR_COLOURS[-1]
    # Low / moderate / high: for trust the high band is the favourable one, for stigma the low.
    assert charts.favour_colours(3, "better")[::2] == [least, most]
    assert charts.favour_colours(3, "worse")[::2] == [most, least]
    svg = charts.stacked_bands(
        "c", ["Low", "High"], [BandRow(label="Wave 1", shares=[shown(0.4), shown(0.6)])],
        "t", "s", colours=charts.favour_colours(2, "worse"), favourable=True,
    )  # fmt: skip
    assert "more favourable" in svg
    assert svg.index(f'fill="{most}"') < svg.index(f'fill="{least}"')


@pytest.mark.parametrize(("higher_is", "step"), [("better", 9), ("worse", 0), (None, 9)])
def test_the_heat_step_follows_favourability(higher_is: str | None, step: int) -> None:
    scale = ScaleInfo(key="i/s", instrument_title="I", name="S", description=None, low=1.0,
                      high=5.0, bands=[], higher_is=higher_is)  # fmt: skip
    assert charts.heat_step(scale.favourability(4.9)) == step


@pytest.mark.parametrize(
    ("value", "step"),
    [(1.0, 0), (1.39, 0), (1.41, 1), (3.0, 5), (4.99, 9), (5.0, 9), (0.2, 0), (7.0, 9)],
)
def test_a_mean_falls_in_its_step_of_the_heat_scale(value: float, step: int) -> None:
    assert charts.heat_bin(value, 1.0, 5.0) == step


def _all_charts(stat: Stat) -> dict[str, str]:
    return {
        "dots": charts.interval_dots("c1", [DotRow(label="Unit", stat=stat)], 1, 5, "t", "s"),
        "trend": charts.trend_chart(
            "c2", [TrendPoint(label="1", mean=stat, rolling=stat)] * 3, 1, 5, "t", "s"
        ),
        "bands": charts.stacked_bands(
            "c3", ["Low", "High"], [BandRow(label="Wave 1", shares=[stat, stat])], "t", "s"
        ),
        "counts": charts.count_bars(
            "c4", [CountRow(label="Unit", stat=stat, reference=48)], "t", "s"
        ),
    }


def test_an_unpublished_value_is_drawn_as_a_hatched_box_saying_so() -> None:
    for name, svg in _all_charts(HIDDEN).items():
        assert 'fill="url(#' in svg, name
        if name != "trend":  # the trend marks the wave; its summary and table say why
            assert "not enough responses" in svg, name
        assert "<circle" not in svg and "<polyline" not in svg, name


def test_a_published_value_is_drawn_with_its_interval() -> None:
    dots = charts.interval_dots("c", [DotRow(label="Unit", stat=shown(3.47))], 1, 5, "t", "s")
    assert "3.47" in dots and "<circle" in dots and "<path" in dots
    trend = charts.trend_chart(
        "c", [TrendPoint(label=str(i), mean=shown(3.0 + i / 10), rolling=HIDDEN) for i in range(3)],
        1, 5, "t", "s",
    )  # fmt: skip
    assert "<polygon" in trend and "<polyline" in trend


def test_a_chart_names_its_caption_and_summary_and_keeps_its_ids_to_itself() -> None:
    svg = charts.count_bars("trend-3", [CountRow(label="Unit", stat=HIDDEN)], "cap", "sum")
    assert 'role="img" aria-labelledby="cap" aria-describedby="sum"' in svg
    assert re.findall(r'id="([^"]+)"', svg) == ["trend-3", "trend-3-hatch"]


def test_labels_are_escaped() -> None:
    svg = charts.count_bars("c", [CountRow(label="<b>A & B</b>", stat=shown(30, 5))], "t", "s")
    assert "<b>" not in svg and "&lt;b&gt;A &amp; B" in svg


def test_the_dashboard_never_reads_responses() -> None:
    package = Path(charts.__file__).resolve().parent
    for path in package.glob("*.py"):
        sql = path.read_text().lower()
        assert not re.search(r"\b(from|join)\s+response\b", sql), path.name


def test_a_trend_chart_zooms_so_that_a_change_of_0_2_is_visible_and_states_the_scale() -> None:
    points = [
        TrendPoint(label="Apr 2030", mean=shown(3.3), rolling=HIDDEN),
        TrendPoint(label="Oct 2030", mean=shown(3.5), rolling=shown(3.4, 0.1)),
    ]
    low, high = charts.trend_window(points, 1.0, 5.0)
    assert 1.0 <= low <= 3.1 - 0.1 and 3.7 + 0.1 <= high <= 5.0
    assert high - low <= 2.0  # 0.2 is at least a tenth of the plot's height
    svg = charts.trend_chart("t", points, 1.0, 5.0, "t", "s")
    assert "scale 1–5" in svg and f"shown {low:g}–{high:g}" in svg
    assert "Apr 2030" in svg and "Oct 2030" in svg
    # Nothing shown: the whole scale.
    assert charts.trend_window([TrendPoint(label="x", mean=HIDDEN, rolling=HIDDEN)], 1, 5) == (1, 5)
