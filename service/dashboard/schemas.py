"""What the dashboard pages are built from: released values as a reader may see them.

A `Stat` carries numbers only when the release published them. An unpublished value
reaches no template, so no page can show it by mistake.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from service.actions.schemas import Action
from service.dashboard.queries import ProgramRow, ReleaseRow
from service.i18n import N_, gettext
from service.units.schemas import Unit


class Stat(msgspec.Struct, frozen=True, kw_only=True):
    """One released value: its estimate, standard error and 95% interval, when published."""

    published: bool
    value: float | None = None
    std_error: float | None = None
    lower: float | None = None
    upper: float | None = None
    # Why an unpublished value is hidden, told from released facts only (see `hidden_reason`);
    # "" for a published value.
    reason: str = ""

    @property
    def shown(self) -> bool:
        return self.published and self.value is not None

    @property
    def real_change(self) -> bool:
        """For a change between waves: its interval excludes 0, so it is larger than the noise."""
        if not self.shown or self.lower is None or self.upper is None:
            return False
        return self.lower > 0 or self.upper < 0


UNPUBLISHED = Stat(published=False)
# Why a value is hidden. Only released facts tell them apart: whether the unit's noisy
# response count passed its rule (the count's own publish flag), and whether the release
# has the statistic at all for the unit's level.
TOO_FEW = N_("too few responses to show")
TOO_UNCERTAIN = N_("too uncertain to show")
NOT_MEASURED = N_("measured only for larger units")
# The same words pointing to the parent, each a whole message (the charts shorten a reason
# at " —" where it does not fit, so every language keeps that dash).
_SEE_PARENT = {
    TOO_FEW: N_("too few responses to show — see parent"),
    TOO_UNCERTAIN: N_("too uncertain to show — see parent"),
    NOT_MEASURED: N_("measured only for larger units — see parent"),
}


def hidden_reason(responses_published: bool, *, see_parent: bool, measured: bool = True) -> str:
    """The words for a hidden value of a unit; "see parent" only when the viewer may."""
    if not measured:
        words = NOT_MEASURED
    else:
        words = TOO_UNCERTAIN if responses_published else TOO_FEW
    return gettext(_SEE_PARENT[words] if see_parent else words)


def stat_of(row: ReleaseRow | None, reason: str = "") -> Stat:
    """The reader's view of a stored row: an unpublished row keeps none of its numbers."""
    if row is None or not row.published or row.value is None:
        return Stat(published=False, reason=reason) if reason else UNPUBLISHED
    return Stat(
        published=True,
        value=row.value,
        std_error=row.std_error,
        lower=row.lower,
        upper=row.upper,
    )


class BandInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    label: str
    lower: float
    upper: float


class ScaleInfo(msgspec.Struct, frozen=True, kw_only=True):
    # "<instrument slug>/<scale id>", as in the release's statistic names.
    key: str
    instrument_title: str
    name: str
    description: str | None
    low: float
    high: float
    bands: list[BandInfo]
    # "better" when a higher score is good news, "worse" when bad news; None for an
    # instrument version stored before every scale had to state it.
    higher_is: str | None = None

    def favourability(self, value: float) -> float:
        """Where a score lies from least (0) to most (1) favourable; raw position if the
        direction is unknown."""
        if self.high <= self.low:
            return 0.0
        t = (value - self.low) / (self.high - self.low)
        return 1.0 - t if self.higher_is == "worse" else t


class OptionInfo(msgspec.Struct, frozen=True, kw_only=True):
    value: int
    label: str


class ItemInfo(msgspec.Struct, frozen=True, kw_only=True):
    # "<instrument slug>/<item id>"
    key: str
    instrument_title: str
    text: str
    options: list[OptionInfo]


class WaveInfo(msgspec.Struct, frozen=True, kw_only=True):
    wave_id: int
    seq: int
    opens_at: datetime
    closes_at: datetime
    released_at: datetime | None
    # An open-link wave cannot rule out repeated answers: every row of it is unverified.
    unverified: bool
    mechanism: str
    # The epsilon of one wave's release on its own (derived from the yearly budget).
    epsilon_per_wave: float
    # The guarantee: epsilon per person over any 365 days, planned as waves_per_year waves.
    annual_epsilon_cap: float
    waves_per_year: int = 4
    # (slug, version) of each instrument the wave asked, in order.
    instruments: list[tuple[str, str]]


class UnitStats(msgspec.Struct, frozen=True, kw_only=True):
    """A unit's released values for one wave, keyed by scale key (and band id)."""

    unit: Unit
    wave_id: int
    responses: Stat
    means: dict[str, Stat]
    trends: dict[str, Stat]
    rolling: dict[str, Stat]
    counts: dict[str, Stat]
    bands: dict[str, dict[str, Stat]]
    # The reason shown for a statistic the release does not have for this unit.
    missing: Stat = UNPUBLISHED
    # How many waves the rolling means of this wave pool: this one and the released waves
    # before it (up to the release's window) in which the unit was measured.
    rolling_waves: int = 0

    def mean(self, key: str) -> Stat:
        return self.means.get(key, self.missing)

    def trend(self, key: str) -> Stat | None:
        """None when the release has no change for this scale (no earlier wave to compare)."""
        return self.trends.get(key)


class ItemHistogram(msgspec.Struct, frozen=True, kw_only=True):
    item: ItemInfo
    # Every count unpublished (with the reason) when the distribution is not shown.
    counts: list[tuple[OptionInfo, Stat]]
    shown: bool = True
    # Why the distribution is not shown; "" when it is.
    reason: str = ""
    # The most common answer, only when the intervals support it: its interval lies above
    # every other answer's. None otherwise.
    top: OptionInfo | None = None


class Context(msgspec.Struct, frozen=True, kw_only=True):
    """What every dashboard page shares: the filters as resolved, and what they offer."""

    programs: list[ProgramRow]
    program: ProgramRow | None
    waves: list[WaveInfo]
    wave: WaveInfo | None
    previous: WaveInfo | None
    scales: list[ScaleInfo]
    # The scale filter; None shows every scale.
    scale: str | None
    # The highest unit of the program the viewer may see: their "whole organisation".
    top: Unit | None
    # The program's first wave that is not released yet (open or planned).
    next_wave_closes_at: datetime | None
    next_wave_seq: int | None = None
    # Newer released waves that published no score for the viewer's top unit (too few
    # answers): the dashboard opened on an older wave and says so.
    newer_hidden: list[int] = msgspec.field(default_factory=list)

    @property
    def shown_scales(self) -> list[ScaleInfo]:
        return [s for s in self.scales if self.scale is None or s.key == self.scale]


class Overview(msgspec.Struct, frozen=True, kw_only=True):
    context: Context
    top: UnitStats | None
    children: list[UnitStats]


class UnitPage(msgspec.Struct, frozen=True, kw_only=True):
    context: Context
    unit: Unit
    # From the viewer's top unit down to the unit's parent: never above the viewer's scope.
    breadcrumb: list[Unit]
    # This unit in every released wave, oldest first.
    history: list[tuple[WaveInfo, UnitStats]]
    current: UnitStats | None
    parent: UnitStats | None
    org: UnitStats | None
    children: list[UnitStats]
    # Item histograms: filled on the questions page only.
    items: list[ItemHistogram]
    # Whether the release published any item histogram for this unit in this wave.
    has_items: bool
    # The unit was not part of the selected wave (it was added after it).
    absent: bool = False
    # What leadership recorded for this unit in this program (leaders and admins only).
    actions: list[Action] = msgspec.field(default_factory=list)
