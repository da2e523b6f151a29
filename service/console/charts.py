"""The privacy-ledger chart: a year's spending against the cap, drawn on the server as SVG.

Pure geometry: the template draws the rectangles and lines these functions place. One bar
per release in the last 365 days; each bar is the program's rolling-year loss right after
that release, split into what was spent before it and what the release itself added (under
zCDP losses add up as rho, so a release adds less ε than its own ε when others precede it).
A dashed line marks the annual cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from service.i18n import gettext, ngettext
from service.privacy.schemas import LedgerEntry, LedgerReport
from service.privacy.service import year_spent

YEAR = timedelta(days=365)
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 20, 56


@dataclass(frozen=True)
class Bar:
    entry: LedgerEntry
    before: float
    added: float
    total: float
    x: float
    width: float
    # Top and height of the two stacked parts, in SVG units.
    before_y: float
    before_h: float
    added_y: float
    added_h: float
    label_x: float


@dataclass(frozen=True)
class Tick:
    value: float
    y: float


@dataclass(frozen=True)
class LedgerChart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    bars: list[Bar]
    ticks: list[Tick]
    cap: float
    cap_y: float
    spent: float
    remaining: float
    summary: str


def _nice_step(top: float) -> float:
    raw = top / 4
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10):
        if raw <= step:
            return step
    return 10.0


def year_entries(report: LedgerReport, now: datetime) -> list[LedgerEntry]:
    """The charges inside the rolling year, oldest first."""
    return sorted((e for e in report.entries if e.at > now - YEAR), key=lambda e: e.at)


def ledger_chart(report: LedgerReport, delta: float, now: datetime, name: str) -> LedgerChart:
    entries = year_entries(report, now)
    totals: list[float] = []
    for index in range(len(entries)):
        totals.append(year_spent(entries[: index + 1], report.mechanism, delta))
    top_value = max([report.annual_epsilon_cap, *totals]) * 1.15
    step = _nice_step(top_value)
    plot_bottom = HEIGHT - BOTTOM
    plot_height = plot_bottom - TOP

    def y(value: float) -> float:
        return round(plot_bottom - plot_height * value / top_value, 2)

    slot = (WIDTH - LEFT - RIGHT) / max(len(entries), 1)
    width = min(slot * 0.6, 64)
    bars: list[Bar] = []
    previous = 0.0
    for index, (entry, total) in enumerate(zip(entries, totals, strict=True)):
        added = max(total - previous, 0.0)
        x = LEFT + slot * index + (slot - width) / 2
        bars.append(
            Bar(
                entry=entry,
                before=previous,
                added=added,
                total=total,
                x=round(x, 2),
                width=round(width, 2),
                before_y=y(previous),
                before_h=round(y(0) - y(previous), 2),
                added_y=y(total),
                added_h=round(y(previous) - y(total), 2),
                label_x=round(x + width / 2, 2),
            )
        )
        previous = total
    ticks = []
    value = 0.0
    while value <= top_value + 1e-9:
        ticks.append(Tick(value=round(value, 4), y=y(value)))
        value += step
    spent = report.year_epsilon
    releases = sum(1 for e in entries if e.kind == "release")
    refreshes = len(entries) - releases
    numbers = {
        "name": name,
        "releases": ngettext("%(num)s release", "%(num)s releases", releases),
        "refreshes": ngettext(
            "%(num)s participation refresh", "%(num)s participation refreshes", refreshes
        ),
        "spent": f"{spent:.3f}",
        "cap": f"{report.annual_epsilon_cap:g}",
        "left": f"{report.remaining_epsilon:.3f}",
    }
    if not entries:
        summary = gettext(
            "%(name)s: nothing released in the last 365 days; the whole annual cap "
            "ε = %(cap)s is available.",
            **numbers,
        )
    elif refreshes:
        summary = gettext(
            "%(name)s: %(releases)s and %(refreshes)s in the last 365 days spent ε = %(spent)s "
            "of the annual cap ε = %(cap)s; ε = %(left)s is left.",
            **numbers,
        )
    else:
        summary = gettext(
            "%(name)s: %(releases)s in the last 365 days spent ε = %(spent)s of the annual cap "
            "ε = %(cap)s; ε = %(left)s is left.",
            **numbers,
        )
    return LedgerChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=plot_bottom,
        bars=bars,
        ticks=ticks,
        cap=report.annual_epsilon_cap,
        cap_y=y(report.annual_epsilon_cap),
        spent=spent,
        remaining=report.remaining_epsilon,
        summary=summary,
    )
