from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from service.errors import (
    DuplicateProgram,
    InvalidInput,
    ProgramFrozen,
    ProgramNotFound,
)
from service.programs import service as programs
from service.programs.schemas import PrivacyPolicy, ProgramCreate, ProgramUpdate
from service.programs.service import Duration, add_duration, parse_duration, wave_times
from service.waves import service as waves
from tests.factories import (
    T0,
    add_instrument,
    audit_rows,
    make_staff,
    make_tree,
    make_unit,
    new_program,
    principal_for,
    program_data,
)

# Marked here, not only by the root conftest: anyio then keeps the parametrize ids.
pytestmark = pytest.mark.anyio


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


# --- creating ---------------------------------------------------------------------------


async def test_create_program_pins_the_latest_instrument_versions_and_schedules_wave_one(
    conn: Any,
) -> None:
    root = await make_unit(conn)
    await add_instrument(conn, "stigma")
    newer = await add_instrument(conn, "stigma")
    other = await add_instrument(conn, "support")
    program = await programs.create_program(
        conn, None, program_data(root, ["stigma", "support"], starts_at="2031-01-31T09:00:00Z"), T0
    )
    assert [(i.slug, i.version) for i in program.instruments] == [
        ("stigma", newer["version"]),
        ("support", other["version"]),
    ]
    assert program.root_unit_path == root["path"]
    assert program.frozen is False
    assert program.policy == PrivacyPolicy()
    assert program.next_wave is not None
    assert (program.next_wave.seq, program.next_wave.opens_at, program.next_wave.closes_at) == (
        1,
        utc(2031, 1, 31, 9),
        utc(2031, 2, 14, 9),
    )
    [row] = await audit_rows(conn, "program.")
    assert row["action"] == "program.created"
    assert row["subject"]["program_id"] == program.program_id


async def test_root_unit_may_be_given_by_id(conn: Any) -> None:
    root = await make_unit(conn)
    program = await new_program(conn, root, root_unit=str(root["unit_id"]))
    assert program.root_unit_id == root["unit_id"]


def _fields(exc: InvalidInput) -> set[str]:
    return {e.field for e in exc.errors or []}


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"root_unit": "no/such/unit"}, {"root_unit"}),
        ({"instruments": ["missing"]}, {"instruments[0]"}),
        ({"instruments": ["known", "known"]}, {"instruments"}),
        ({"cadence": "3 months"}, {"cadence"}),
        ({"window": "PT36H"}, {"window"}),
        ({"cadence": "P1M", "window": "P1M"}, {"window"}),
        ({"cadence": "P1M", "window": "P30D"}, {"window"}),
        ({"cadence": "P1M", "window": "P4W"}, {"window"}),
        ({"starts_at": "2030-12-01T00:00:00Z"}, {"starts_at"}),
        ({"starts_at": "2045-01-01T00:00:00Z"}, {"starts_at"}),
        (
            {"policy": {"epsilon_per_wave": 2.0, "annual_epsilon_cap": 1.0}},
            {"policy.annual_epsilon_cap"},
        ),
        ({"policy": {"level_shares": [0.5, 0.4]}}, {"policy.level_shares"}),
        ({"policy": {"level_shares": [1.0]}}, {"policy.level_shares"}),
        (
            {"root_unit": "nowhere", "cadence": "P0D", "instruments": ["missing"]},
            {"root_unit", "cadence", "instruments[0]"},
        ),
    ],
)
async def test_invalid_programs_are_refused_with_field_paths(
    conn: Any, overrides: dict[str, Any], fields: set[str]
) -> None:
    root = (await make_tree(conn, (2,)))[0]
    await add_instrument(conn, "known")
    data = program_data(root, **{"instruments": ["known"], **overrides})
    with pytest.raises(InvalidInput) as caught:
        await programs.create_program(conn, None, data, T0)
    assert _fields(caught.value) == fields
    assert await conn.fetchval("SELECT count(*) FROM program") == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://eap.example.org",
        "ftp://eap.example.org",
        "https://localhost",
        "https://",
        "eap.example.org",
        "https://user@eap.example.org",
        "https://eap.example .org",
        "https://[",
    ],
)
async def test_resource_links_must_be_https(conn: Any, url: str) -> None:
    root = await make_unit(conn)
    await add_instrument(conn, "known")
    resources = [
        {"name": "Peer team", "kind": "peer_support"},
        {"name": "EAP", "kind": "eap", "url": url},
    ]
    with pytest.raises(InvalidInput) as caught:
        await programs.create_program(
            conn, None, program_data(root, ["known"], resources=resources), T0
        )
    assert _fields(caught.value) == {"resources[1].url"}


async def test_level_shares_one_per_tree_level_are_accepted(conn: Any) -> None:
    root = (await make_tree(conn, (2, 2)))[0]
    program = await new_program(conn, root, policy={"level_shares": [0.2, 0.3, 0.5]})
    assert program.policy.level_shares == [0.2, 0.3, 0.5]


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        (PrivacyPolicy(epsilon_per_wave=0), "policy.epsilon_per_wave"),
        (PrivacyPolicy(delta=0.01), "policy.delta"),
        (PrivacyPolicy(annual_epsilon_cap=41), "policy.annual_epsilon_cap"),
    ],
)
async def test_structs_built_in_python_are_checked_like_decoded_ones(
    conn: Any, policy: PrivacyPolicy, field: str
) -> None:
    root = await make_unit(conn)
    await add_instrument(conn, "known")
    data = msgspec.structs.replace(program_data(root, ["known"]), policy=policy)
    with pytest.raises(InvalidInput) as caught:
        await programs.create_program(conn, None, data, T0)
    assert _fields(caught.value) == {field}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"resources": [{"name": "EAP", "kind": "therapy"}]}, "`$.resources[0].kind`"),
        ({"mode": "email"}, "`$.mode`"),
        ({"instruments": []}, "`$.instruments`"),
        ({"instruments": ["a", "b", "c", "d", "e", "f"]}, "`$.instruments`"),
        ({"starts_at": "2031-01-06T09:00:00"}, "`$.starts_at`"),
        ({"policy": {"delta": 1e-3}}, "`$.policy.delta`"),
        ({"policy": {"mechanism": "exponential"}}, "`$.policy.mechanism`"),
        ({"colour": "red"}, "unknown field `colour`"),
    ],
)
def test_program_create_decoding_names_the_bad_field(raw: dict[str, Any], fragment: str) -> None:
    base: dict[str, Any] = {
        "name": "Survey",
        "root_unit": "org",
        "instruments": ["a"],
        "cadence": "P3M",
        "window": "P14D",
        "starts_at": "2031-01-06T09:00:00Z",
    }
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert({**base, **raw}, type=ProgramCreate)
    assert fragment in str(caught.value)


async def test_program_names_are_unique(conn: Any) -> None:
    root = await make_unit(conn)
    await new_program(conn, root, name="Quarterly")
    with pytest.raises(DuplicateProgram):
        await new_program(conn, root, name="Quarterly")


# --- who sees what ----------------------------------------------------------------------


async def test_leaders_see_programs_above_and_below_their_unit_and_no_others(conn: Any) -> None:
    org, b1, b2, s11, _s12, _s21, _s22 = await make_tree(conn, (2, 2))
    everywhere = await new_program(conn, org)
    battalion = await new_program(conn, b1)
    station = await new_program(conn, s11)
    elsewhere = await new_program(conn, b2)
    leader = principal_for(await make_staff(conn, role="leader", unit=b1))

    visible = {p.program_id for p in await programs.list_programs(conn, leader)}
    assert visible == {everywhere.program_id, battalion.program_id, station.program_id}
    assert (await programs.fetch_program(conn, leader, station.program_id)).name == station.name
    with pytest.raises(ProgramNotFound) as caught:  # as if there were none (issue 12)
        await programs.fetch_program(conn, leader, elsewhere.program_id)
    assert elsewhere.name not in caught.value.detail
    assert b2["path"] not in caught.value.detail


@pytest.mark.parametrize("role", ["admin", "researcher"])
async def test_admins_and_unscoped_researchers_see_every_program(conn: Any, role: str) -> None:
    org, b1, b2 = await make_tree(conn, (2,))
    made = {(await new_program(conn, unit)).program_id for unit in (org, b1, b2)}
    viewer = principal_for(await make_staff(conn, role=role))  # type: ignore[arg-type]
    assert made <= {p.program_id for p in await programs.list_programs(conn, viewer)}
    assert made <= {p.program_id for p in await programs.list_programs(conn, None)}


async def test_a_researcher_with_a_unit_is_scoped_like_a_leader(conn: Any) -> None:
    _org, b1, b2 = await make_tree(conn, (2,))
    mine, theirs = await new_program(conn, b1), await new_program(conn, b2)
    researcher = principal_for(await make_staff(conn, role="researcher", unit=b1))
    visible = {p.program_id for p in await programs.list_programs(conn, researcher)}
    assert mine.program_id in visible
    assert theirs.program_id not in visible


async def test_fetching_an_unknown_program_is_not_found(conn: Any) -> None:
    with pytest.raises(ProgramNotFound):
        await programs.fetch_program(conn, None, 987654321)


# --- changing ---------------------------------------------------------------------------


async def test_before_a_wave_opens_everything_may_change_and_waves_move(conn: Any) -> None:
    org, b1 = (await make_tree(conn, (1,)))[:2]
    program = await new_program(conn, org, instruments=[(await add_instrument(conn, "a"))["slug"]])
    newer_a = await add_instrument(conn, "a")
    b = await add_instrument(conn, "b")
    updated = await programs.update_program(
        conn,
        None,
        program.program_id,
        msgspec.convert(
            {
                "root_unit": b1["path"],
                "instruments": ["a", "b"],
                "cadence": "P1M",
                "window": "P7D",
                "starts_at": "2031-02-01T08:00:00Z",
                "mode": "links",
                "policy": {"epsilon_per_wave": 0.5, "mechanism": "laplace"},
            },
            type=ProgramUpdate,
        ),
        T0,
    )
    assert updated.root_unit_id == b1["unit_id"]
    assert [(i.slug, i.version) for i in updated.instruments] == [
        ("a", newer_a["version"]),
        ("b", b["version"]),
    ]
    assert (updated.mode, updated.cadence, updated.window) == ("links", "P1M", "P7D")
    assert updated.policy.mechanism == "laplace"
    assert updated.next_wave is not None
    assert updated.next_wave.wave_id == program.next_wave.wave_id  # type: ignore[union-attr]
    assert (updated.next_wave.opens_at, updated.next_wave.closes_at) == (
        utc(2031, 2, 1, 8),
        utc(2031, 2, 8, 8),
    )
    [row] = await audit_rows(conn, "program.updated")
    assert set(row["subject"]["fields"]) == {
        "root_unit",
        "instruments",
        "cadence",
        "window",
        "starts_at",
        "mode",
        "policy",
    }


async def test_after_a_wave_opens_privacy_settings_are_frozen(conn: Any) -> None:
    root = await make_unit(conn)
    program = await new_program(conn, root)
    await waves.advance_waves(conn, T0 + timedelta(hours=1))
    with pytest.raises(ProgramFrozen) as caught:
        await programs.update_program(
            conn,
            None,
            program.program_id,
            ProgramUpdate(mode="open", policy=PrivacyPolicy(epsilon_per_wave=5.0)),
            T0 + timedelta(days=1),
        )
    assert caught.value.extra["fields"] == ["mode", "policy"]
    assert "mode, policy" in caught.value.detail
    assert "new program" in caught.value.detail
    after = await programs.fetch_program(conn, None, program.program_id)
    assert (after.mode, after.policy) == ("cards", PrivacyPolicy())


async def test_after_a_wave_opens_name_and_resources_still_change(conn: Any) -> None:
    root = await make_unit(conn)
    program = await new_program(conn, root)
    await waves.advance_waves(conn, T0 + timedelta(hours=1))
    updated = await programs.update_program(
        conn,
        None,
        program.program_id,
        msgspec.convert(
            {
                "name": "Renamed",
                "resources": [{"name": "Peer team", "kind": "peer_support", "contact": "555-0100"}],
                # Unchanged frozen fields may be sent back as they are.
                "mode": "cards",
                "cadence": "P3M",
            },
            type=ProgramUpdate,
        ),
        T0 + timedelta(days=1),
    )
    assert updated.frozen is True
    assert updated.name == "Renamed"
    assert [r.contact for r in updated.resources] == ["555-0100"]


async def test_renaming_to_a_taken_name_is_a_conflict(conn: Any) -> None:
    root = await make_unit(conn)
    await new_program(conn, root, name="Taken")
    program = await new_program(conn, root)
    with pytest.raises(DuplicateProgram):
        await programs.update_program(
            conn, None, program.program_id, ProgramUpdate(name="Taken"), T0
        )


async def test_before_a_wave_opens_any_update_pins_newer_instrument_versions(conn: Any) -> None:
    root = await make_unit(conn)
    await add_instrument(conn, "a")
    program = await new_program(conn, root, instruments=["a"])
    newer = await add_instrument(conn, "a")
    updated = await programs.update_program(
        conn, None, program.program_id, ProgramUpdate(name="Renamed"), T0
    )
    assert [i.instrument_id for i in updated.instruments] == [newer["instrument_id"]]
    [row] = await audit_rows(conn, "program.updated")
    assert row["subject"]["fields"] == ["name", "instruments"]


async def test_an_update_that_changes_nothing_writes_no_audit_row(conn: Any) -> None:
    root = await make_unit(conn)
    program = await new_program(conn, root)
    same = await programs.update_program(
        conn, None, program.program_id, ProgramUpdate(name=program.name, mode="cards"), T0
    )
    assert same == program
    assert await audit_rows(conn, "program.updated") == []


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
