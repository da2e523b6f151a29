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


def organisation_csv(seed: int = 7) -> str:
    """3 battalions, 12 stations, shifts A/B/C, with plausible headcounts."""
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
                    (path, f"Station {station} · {shift.upper()} shift", rng.randint(7, 14))
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
        # The first wave opened three months and a week ago, so it has closed and the
        # second is open now.
        program = await programs.create_program(
            conn,
            None,
            msgspec.convert(
                {
                    "name": PROGRAM_NAME,
                    "root_unit": ROOT,
                    "instruments": INSTRUMENTS,
                    "cadence": "P3M",
                    "window": "P14D",
                    "mode": "cards",
                    "policy": {"epsilon_per_wave": 1.0, "annual_epsilon_cap": 4.0},
                    "resources": RESOURCES,
                    "starts_at": (now - timedelta(days=98)).isoformat(),
                },
                ProgramCreate,
            ),
            now - timedelta(days=98),
        )
        # Walk the schedule forward as it would have run: wave 1 opens, later closes.
        await waves.advance_waves(conn, now - timedelta(days=97))
    await waves.advance_waves(conn, now)
    accounts = [
        await _account(conn, ADMIN_EMAIL, "admin", None),
        await _account(conn, LEADER_EMAIL, "leader", f"{ROOT}/battalion-1"),
        await _account(conn, RESEARCHER_EMAIL, "researcher", None),
    ]
    wave_rows = await waves.list_waves(conn, None, program.program_id)
    return DemoSummary(
        url=f"http://{settings.host}:{settings.port}",
        units=len(await units.list_units(conn, None, ROOT)),
        program_id=program.program_id,
        waves=[
            {"wave_id": w.wave_id, "seq": w.seq, "status": w.status, "closes_at": str(w.closes_at)}
            for w in wave_rows
        ],
        accounts=accounts,
    )


def _print(summary: DemoSummary) -> None:
    print(f"Demo organisation ready: {summary.units} units of County Fire & Rescue.")
    print(f"Program {summary.program_id} '{PROGRAM_NAME}':")
    for wave in summary.waves:
        print(f"  wave {wave['seq']} (id {wave['wave_id']}): {wave['status']}")
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
        async with conn.transaction():
            summary = await seed(conn, settings, datetime.now(UTC))
    finally:
        await conn.close()
    if as_json:
        sys.stdout.write(msgspec.json.encode(summary).decode() + "\n")
    else:
        _print(summary)
    return summary
