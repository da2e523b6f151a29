"""The calendar of a program's waves: ISO 8601 durations and the times of wave n.

Waves are computed, not accumulated: wave n opens at starts_at + (n-1)·cadence and closes
one window later, with calendar-aware month and year addition in UTC (Jan 31 + P1M is the
last day of February). So a late tick or a wave opened by hand never shifts later waves.
Pure: no I/O.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from service.errors import FieldError, InvalidInput
from service.i18n import gettext, ngettext

# --- durations --------------------------------------------------------------------------

_DURATION_RE = re.compile(r"P(?:(\d{1,4})W|(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})D)?)")
# Cadences and windows longer than this are surely a typo.
MAX_DURATION_DAYS = 3660
# "3 months", "every 2 weeks", "tous les 3 mois": a number and a unit in words (English or
# French, the console's languages), which the hint can spell as ISO 8601.
_WORDS_RE = re.compile(
    r"(?:every\s+|tou(?:te)?s\s+les\s+)?(\d{1,4})\s*"
    r"(year|month|week|day|ann[ée]e|an|mois|semaine|jour)s?",
    re.IGNORECASE,
)
_WORD_UNITS = {"an": "Y", "annee": "Y", "année": "Y", "mois": "M", "semaine": "W", "jour": "D"}


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 duration made of calendar parts (no hours: waves open and close on dates)."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    def times(self, factor: int) -> Duration:
        return Duration(
            self.years * factor, self.months * factor, self.weeks * factor, self.days * factor
        )


def parse_duration(text: str, field: str = "duration") -> Duration:
    """`P3M` -> Duration(months=3); a bad string is InvalidInput naming `field`."""

    def bad(message: str) -> InvalidInput:
        return InvalidInput(
            gettext(
                "`%(field)s` is not a duration Muster can use: %(problem)s.",
                field=field,
                problem=message,
            ),
            errors=[FieldError(field=field, message=message)],
        )

    match = _DURATION_RE.fullmatch(text)
    if match is None:
        words = _WORDS_RE.fullmatch(text.strip())
        if words is not None:
            number, unit = words.groups()
            raise bad(
                gettext(
                    "durations are written in ISO 8601: for %(text)s write %(duration)s "
                    "(P, the number, then Y, M, W or D)",
                    text=repr(text.strip()),
                    duration=f"P{int(number)}{_WORD_UNITS.get(unit.lower(), unit[0].upper())}",
                )
            )
        if text.startswith("P") and "T" in text:
            raise bad(
                gettext(
                    "hours, minutes and seconds are not supported; write an ISO 8601 duration "
                    "such as P3M, P14D, P2W or P1Y"
                )
            )
        raise bad(
            gettext(
                "%(text)s is not valid; write an ISO 8601 duration such as P3M, P14D, P2W or P1Y",
                text=repr(text),
            )
        )
    weeks, years, months, days = (int(g) if g else 0 for g in match.groups())
    duration = Duration(years=years, months=months, weeks=weeks, days=days)
    if duration == Duration():
        raise bad(
            gettext(
                "%(text)s is empty or zero; write an ISO 8601 duration such as P3M, P14D, P2W "
                "or P1Y",
                text=repr(text),
            )
        )
    rough_days = 366 * years + 31 * months + 7 * weeks + days
    if rough_days > MAX_DURATION_DAYS + 400 or longest(duration) > timedelta(
        days=MAX_DURATION_DAYS
    ):
        raise bad(gettext("%(text)s is longer than ten years", text=repr(text)))
    return duration


def in_words(text: str) -> str:
    """A stored duration as people say it, in the request's language: 'P3M' -> '3 months'
    ('3 mois'). A duration of several parts (P1Y2M), or not one at all, stays as written."""
    try:
        duration = parse_duration(text)
    except InvalidInput:
        return text
    parts = [
        (count, unit)
        for count, unit in zip(
            (duration.years, duration.months, duration.weeks, duration.days), "YMWD", strict=True
        )
        if count
    ]
    if len(parts) != 1:
        return text
    count, unit = parts[0]
    if unit == "Y":
        return ngettext("%(num)s year", "%(num)s years", count)
    if unit == "M":
        return ngettext("%(num)s month", "%(num)s months", count)
    if unit == "W":
        return ngettext("%(num)s week", "%(num)s weeks", count)
    return ngettext("%(num)s day", "%(num)s days", count)


def add_duration(dt: datetime, duration: Duration) -> datetime:
    """`dt` plus `duration`: years and months first (the day clamped to the month's last
    day), then weeks and days."""
    months = dt.month - 1 + duration.months + 12 * duration.years
    year, month = dt.year + months // 12, months % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return dt.replace(year=year, month=month, day=day) + timedelta(
        weeks=duration.weeks, days=duration.days
    )


@functools.lru_cache(maxsize=256)
def _span_bounds(duration: Duration) -> tuple[timedelta, timedelta]:
    """Shortest and longest real length of `duration`, over every start day of a leap cycle."""
    first = datetime(2001, 1, 1, tzinfo=UTC)
    spans = [
        add_duration(start, duration) - start
        for start in (first + timedelta(days=i) for i in range(4 * 365 + 1))
    ]
    return min(spans), max(spans)


def shortest(duration: Duration) -> timedelta:
    return _span_bounds(duration)[0]


def longest(duration: Duration) -> timedelta:
    return _span_bounds(duration)[1]


def wave_times(
    starts_at: datetime, cadence: Duration, window: Duration, seq: int
) -> tuple[datetime, datetime]:
    """When wave `seq` (1, 2, ...) opens and closes."""
    opens_at = add_duration(starts_at.astimezone(UTC), cadence.times(seq - 1))
    return opens_at, add_duration(opens_at, window)
