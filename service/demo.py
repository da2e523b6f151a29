"""`muster demo`: a realistic county fire department to explore Muster with.

Everything is written through the same service functions the API and the command line
use. Running it again keeps the organisation and gives the demo accounts new passwords.
"""

from __future__ import annotations

import random
import secrets
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from service import db, migrate
from service.config import Settings

ROOT = "county-fire"
PROGRAM_NAME = "Quarterly culture survey"
ADMIN_EMAIL = "admin@demo.muster.test"
LEADER_EMAIL = "chief.battalion1@demo.muster.test"
RESEARCHER_EMAIL = "research@demo.muster.test"
INSTRUMENTS = ["help-seeking-stigma", "openness", "workplace-support"]
PAST_WAVES = 3
CADENCE = timedelta(weeks=13)
# ε = 12 per person per year over 4 waves, split over the levels so that every station
# shows: the department (a tenth, for its item histograms and a department figure at least
# 2x tighter than SmartNoise SQL's), battalions (every scale's mean and bands, and item
# histograms), stations (their headline scales' means); shifts (18 to 32 people) are
# reported through their stations. Every station shows its headline means each wave (within
# ±0.5; a station-wave of 38 respondents misses at ±0.45 in 4% of noise draws) and
# pooled over 4 waves (within ±0.25): `bench/utility.py` prints the figures.
DEMO_POLICY: dict[str, Any] = {
    "annual_epsilon_cap": 12.0,
    "waves_per_year": 4,
    "level_shares": [0.1, 0.3, 0.6, 0.0],
    "histogram_levels": 2,
    "max_half_width": 0.5,
    # The live participation estimate gets ε = 1 of the wave's ≈ 5.4 (the release spends
    # the rest): with its refreshes measuring only the county and battalions, these show
    # their participation every day of the wave (docs/privacy.md; at the default 0.1 no
    # unit of the demo county could).
    "participation_epsilon": 1.0,
}
RESOURCES: list[dict[str, Any]] = [
    {
        "name": "County Fire Peer Support Team",
        "kind": "peer_support",
        "contact": "555-0142 (24/7, ask for a peer)",
        "description": {
            "en": "Trained firefighters who listen, in confidence.",
            "fr": "Des pompiers formés qui écoutent, en toute confidentialité.",
        },
    },
    {
        "name": "Employee Assistance Programme",
        "kind": "eap",
        "contact": "1-800-555-0199",
        "url": "https://eap.example.org",
    },
    {
        "name": "988 Suicide & Crisis Lifeline",
        "kind": "crisis_line",
        "contact": "Call or text 988",
        "url": "https://988lifeline.org",
    },
]


class DemoSummary(msgspec.Struct):
    url: str
    units: int
    program_id: int
    waves: list[dict[str, Any]]
    accounts: list[dict[str, str]]
    # Links of three unused cards for the open wave (codes exist only here).
    cards: list[str] = []


def organisation_csv(seed: int = 7) -> str:
    """3 battalions, 12 stations, shifts A/B/C: about 900 firefighters on the line."""
    rng = random.Random(seed)  # noqa: S311 - headcounts for a demo, not a secret
    rows = ["path,name,headcount"]
    shifts: list[tuple[str, str, int]] = []
    station = 0
    for battalion in range(1, 4):
        for _ in range(4):
            station += 1
            for shift in "abc":
                path = f"{ROOT}/battalion-{battalion}/station-{station}/shift-{shift}"
                shifts.append(
                    (path, f"Station {station} · {shift.upper()} shift", rng.randint(18, 32))
                )
    station_totals: dict[str, int] = {}
    battalion_totals: dict[str, int] = {}
    for path, _, count in shifts:
        station_path = path.rsplit("/", 1)[0]
        station_totals[station_path] = station_totals.get(station_path, 0) + count
    for path, count in station_totals.items():
        battalion_path = path.rsplit("/", 1)[0]
        battalion_totals[battalion_path] = battalion_totals.get(battalion_path, 0) + count
    total = sum(battalion_totals.values())
    rows.append(f"{ROOT},County Fire & Rescue,{total + 6}")  # + headquarters staff
    for path, count in battalion_totals.items():
        rows.append(f"{path},Battalion {path.rsplit('-', 1)[1]},{count}")
    for path, count in station_totals.items():
        rows.append(f"{path},Station {path.rsplit('-', 1)[1]},{count}")
    rows += [f"{path},{name},{count}" for path, name, count in shifts]
    return "\n".join(rows) + "\n"


async def _account(conn: db.Conn, email: str, role: str, unit: str | None) -> dict[str, str]:
    from service.auth import queries as auth_queries
    from service.auth import service as auth
    from service.auth.schemas import StaffCreate

    password = secrets.token_urlsafe(12)
    existing = await auth_queries.fetch_staff_by_email(conn, email)
    if existing is None:
        await auth.add_staff(
            conn,
            None,
            msgspec.convert(
                {"email": email, "role": role, "unit": unit, "password": password}, StaffCreate
            ),
        )
    else:
        await auth.set_password(conn, None, existing.staff_id, password)
    return {"email": email, "password": password, "role": role, "scope": unit or "everything"}


async def seed(conn: db.Conn, settings: Settings, now: datetime) -> DemoSummary:
    from service.instruments import service as instruments
    from service.programs import service as programs
    from service.programs.schemas import ProgramCreate
    from service.units import service as units
    from service.waves import service as waves

    await instruments.sync_instruments(conn, settings.surveys_path)
    await units.import_units_csv(conn, None, organisation_csv())
    existing = [p for p in await programs.list_programs(conn, None) if p.name == PROGRAM_NAME]
    if existing:
        program = existing[0]
    else:
        # Three waves have come and gone (opened, answered, closed, released); the fourth
        # opened a week ago.
        starts_at = now - PAST_WAVES * CADENCE - timedelta(days=7)
        program = await programs.create_program(
            conn,
            None,
            msgspec.convert(
                {
                    "name": PROGRAM_NAME,
                    "root_unit": ROOT,
                    "instruments": INSTRUMENTS,
                    "cadence": "P13W",
                    "window": "P14D",
                    "mode": "cards",
                    "policy": DEMO_POLICY,
                    "resources": RESOURCES,
                    "starts_at": starts_at.isoformat(),
                },
                ProgramCreate,
            ),
            starts_at - timedelta(days=1),
        )
        await _play_history(conn, program.program_id, starts_at)
    await waves.advance_waves(conn, now)
    accounts = [
        await _account(conn, ADMIN_EMAIL, "admin", None),
        await _account(conn, LEADER_EMAIL, "leader", f"{ROOT}/battalion-1"),
        await _account(conn, RESEARCHER_EMAIL, "researcher", None),
    ]
    wave_rows = await waves.list_waves(conn, None, program.program_id)
    open_wave = next((w for w in wave_rows if w.status == "open"), None)
    cards = await _try_cards(conn, settings, open_wave.wave_id) if open_wave else []
    return DemoSummary(
        url=f"http://{settings.host}:{settings.port}",
        units=len(await units.list_units(conn, None, ROOT)),
        program_id=program.program_id,
        waves=[
            {"wave_id": w.wave_id, "seq": w.seq, "status": w.status, "closes_at": str(w.closes_at)}
            for w in wave_rows
        ],
        accounts=accounts,
        cards=cards,
    )


async def _play_history(conn: db.Conn, program_id: int, starts_at: datetime) -> None:
    """Run the past waves as they would have run: open, collect through the real submission
    path, close (which shuffles), release."""
    from service.privacy import service as privacy
    from service.waves import service as waves

    rng = random.Random(2026)  # noqa: S311 - synthetic answers, not secrets
    culture = _station_culture(rng)
    for seq in range(1, PAST_WAVES + 1):
        opens_at = starts_at + (seq - 1) * CADENCE
        await waves.advance_waves(conn, opens_at + timedelta(hours=1))
        wave = next(w for w in await waves.list_waves(conn, None, program_id) if w.seq == seq)
        await _collect(conn, wave.wave_id, seq, culture, rng)
        await waves.advance_waves(conn, wave.closes_at + timedelta(hours=1))
        await privacy.release_wave(conn, None, wave.wave_id, wave.closes_at + timedelta(hours=2))


def _station_culture(rng: random.Random) -> dict[str, float]:
    """Each station's starting point and each battalion's direction: visible differences."""
    trend = {"battalion-1": 0.22, "battalion-2": 0.0, "battalion-3": -0.15}
    culture: dict[str, float] = {}
    for station in range(1, 13):
        battalion = f"battalion-{(station - 1) // 4 + 1}"
        culture[f"{ROOT}/{battalion}/station-{station}"] = rng.uniform(-0.7, 0.7)
        culture[f"trend:{ROOT}/{battalion}/station-{station}"] = trend[battalion]
    return culture


async def _collect(
    conn: db.Conn, wave_id: int, seq: int, culture: dict[str, float], rng: random.Random
) -> None:
    """Print cards for every shift, then let about 70% of people answer with them."""
    from service.instruments.schemas import LikertItem
    from service.instruments.service import fetch_instruments_by_ids, option_range
    from service.invitations import service as invitations
    from service.responses import service as responses
    from service.units import queries as unit_queries
    from service.waves import queries as wave_queries

    survey_key = await wave_queries.fetch_survey_key(conn, wave_id)
    assert survey_key is not None  # noqa: S101 - the demo opened this wave
    ids = await wave_queries.list_wave_instrument_ids(conn, wave_id)
    items: list[tuple[str, int, int, int]] = []  # key, low, high, direction
    for row in await fetch_instruments_by_ids(conn, ids):
        for item in row.instrument.items:
            low, high = option_range(row.instrument, item.options)
            direction = 0 if not isinstance(item, LikertItem) else (-1 if item.reverse else 1)
            items.append((f"{row.slug}.{item.id}", low, high, direction))
    for shift in await unit_queries.list_units_like(conn, f"{ROOT}/%/shift-_"):
        station = shift.path.rsplit("/", 1)[0]
        level = culture[station] + culture["trend:" + station] * (seq - 1)
        people = sum(rng.random() < 0.7 for _ in range(shift.headcount))
        more = await invitations.generate_cards(conn, None, wave_id, shift.path, people)
        for card in more.cards:
            person = level + rng.gauss(0, 0.45)
            answers: dict[str, int] = {}
            for key, low, high, direction in items:
                if rng.random() < 0.03:
                    continue
                if direction == 0:
                    answers[key] = rng.randint(low, high)
                else:
                    value = round((low + high) / 2 + direction * person + rng.gauss(0, 0.8))
                    answers[key] = min(max(value, low), high)
            await responses.submit_response(
                conn, survey_key, card.code, responses.new_form_key(), answers
            )


async def _try_cards(conn: db.Conn, settings: Settings, wave_id: int) -> list[str]:
    """Three fresh cards for the open wave, as links a person can open on a phone."""
    from service.invitations import service as invitations

    shift = f"{ROOT}/battalion-1/station-1/shift-a"
    batch = await invitations.generate_cards(conn, None, wave_id, shift, 3)
    base = invitations.public_base_url(settings, f"http://{settings.host}:{settings.port}")
    return [
        f"{base}/s/{batch.wave.survey_key}#{card.code.replace('-', '')}" for card in batch.cards
    ]


def _print(summary: DemoSummary) -> None:
    print(f"Demo organisation ready: {summary.units} units of County Fire & Rescue.")
    print(f"Program {summary.program_id} '{PROGRAM_NAME}':")
    for wave in summary.waves:
        print(f"  wave {wave['seq']} (id {wave['wave_id']}): {wave['status']}")
    if summary.cards:
        print("\nThree unused cards for the open wave: open one on a phone to answer.")
        for link in summary.cards:
            print("  " + link)
    print("\nSign in at " + summary.url + "/login with:")
    for account in summary.accounts:
        print(
            f"  {account['role']:<10} {account['email']:<36} password: {account['password']}"
            f"   (sees {account['scope']})"
        )
    print("These passwords change each time the demo starts.\n", flush=True)


async def run(settings: Settings, *, as_json: bool = False) -> DemoSummary:
    url = db.resolve_database_url(settings.database_url, settings.data_path)
    conn = await db.connect(url)
    try:
        await migrate.migrate(conn)
        # Its closed waves' relations are replaced once this commits (db.transaction).
        async with db.transaction(conn):
            summary = await seed(conn, settings, datetime.now(UTC))
    finally:
        await conn.close()
    if as_json:
        sys.stdout.write(msgspec.json.encode(summary).decode() + "\n")
    else:
        _print(summary)
    return summary
