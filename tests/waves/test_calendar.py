"""The calendar of a program's waves (service/waves/calendar.py): durations and wave times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service import i18n
from service.errors import InvalidInput
from service.waves.calendar import (
    Duration,
    add_duration,
    in_words,
    parse_duration,
    wave_times,
)


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


# --- durations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P3M", Duration(months=3)),
        ("P14D", Duration(days=14)),
        ("P2W", Duration(weeks=2)),
        ("P1Y", Duration(years=1)),
        ("P1Y6M", Duration(years=1, months=6)),
        ("P1M15D", Duration(months=1, days=15)),
        ("P10Y", Duration(years=10)),
    ],
)
def test_parse_duration_reads_calendar_parts(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "P",
        "3M",
        "P0D",
        "P0Y0M",
        "PT12H",
        "P1DT2H",
        "P1.5M",
        "p3m",
        "P2W3D",
        " P3M",
        "P3M\n",
        "P11Y",
        "P4000D",
        "P9999Y",
        "P9999M",
        "P9999W",
        "P-1M",
        "P3Q",
    ],
)
def test_parse_duration_refuses_what_it_cannot_schedule(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_duration(text, "cadence")
    assert caught.value.errors is not None
    assert [e.field for e in caught.value.errors] == ["cadence"]


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (utc(2031, 1, 31, 9), "P1M", utc(2031, 2, 28, 9)),
        (utc(2032, 1, 31, 9), "P1M", utc(2032, 2, 29, 9)),
        (utc(2032, 2, 29), "P1Y", utc(2033, 2, 28)),
        (utc(2032, 2, 29), "P4Y", utc(2036, 2, 29)),
        (utc(2031, 11, 30), "P3M", utc(2032, 2, 29)),
        (utc(2031, 12, 15), "P1M", utc(2032, 1, 15)),
        (utc(2031, 3, 31), "P6M", utc(2031, 9, 30)),
        (utc(2031, 1, 31), "P1M1D", utc(2031, 3, 1)),
        (utc(2031, 1, 1), "P2W", utc(2031, 1, 15)),
        (utc(2031, 12, 25), "P14D", utc(2032, 1, 8)),
        (utc(2031, 5, 31), "P1Y1M", utc(2032, 6, 30)),
    ],
)
def test_add_duration_is_calendar_aware(start: datetime, duration: str, expected: datetime) -> None:
    assert add_duration(start, parse_duration(duration)) == expected


def test_wave_times_count_from_the_start_so_short_months_do_not_drift() -> None:
    monthly, fortnight = parse_duration("P1M"), parse_duration("P14D")
    opens = [wave_times(utc(2031, 1, 31, 9), monthly, fortnight, n)[0] for n in (1, 2, 3, 4)]
    assert [o.date().isoformat() for o in opens] == [
        "2031-01-31",
        "2031-02-28",
        "2031-03-31",
        "2031-04-30",
    ]
    assert wave_times(utc(2031, 1, 31, 9), monthly, fortnight, 2)[1] == utc(2031, 3, 14, 9)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("3 months", "P3M"), ("3 MONTHS", "P3M"), ("2 weeks", "P2W"), ("14 days", "P14D"),
     ("1 year", "P1Y"), ("every 3 months", "P3M")],
)  # fmt: skip
def test_a_duration_in_words_is_told_the_format_and_its_iso_spelling(
    text: str, suggestion: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_duration(text, "cadence")
    assert caught.value.errors is not None
    message = caught.value.errors[0].message
    assert "hours" not in message
    assert f"write {suggestion}" in message


@pytest.mark.parametrize(
    ("text", "english", "french"),
    [
        ("P3M", "3 months", "3 mois"),
        ("P1M", "1 month", "1 mois"),
        ("P2W", "2 weeks", "2 semaines"),
        ("P14D", "14 days", "14 jours"),
        ("P1Y", "1 year", "1 an"),
        ("P2Y", "2 years", "2 ans"),
        # Several parts, or not a duration: as written.
        ("P1Y2M", "P1Y2M", "P1Y2M"),
        ("soon", "soon", "soon"),
    ],
)
def test_a_duration_reads_in_words_in_the_request_language(
    text: str, english: str, french: str
) -> None:
    assert in_words(text) == english
    i18n.use("fr")
    try:
        assert in_words(text) == french
    finally:
        i18n.use("en")


def test_a_duration_in_french_words_is_told_how_to_write_it() -> None:
    for typed, iso in (("tous les 3 mois", "P3M"), ("2 semaines", "P2W"), ("1 an", "P1Y")):
        with pytest.raises(InvalidInput) as caught:
            parse_duration(typed, "cadence")
        assert caught.value.errors is not None
        assert f"write {iso} " in caught.value.errors[0].message, typed
