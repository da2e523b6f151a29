"""Closing the loop, timed: the unit page with actions, the crews' page, the handout page
and the handout PDF, one request at a time, against /healthz in the same run.

Standalone: `.venv/bin/python bench/crews.py [--waves 4] [--alone 100]`.
Builds the same organisation and released waves as bench/dashboard.py (its own database,
dropped at the end), records three actions for battalion 1 (through the product's
record_action) and a crews' page link (create_share), starts `muster serve` and measures
the same unit page as a researcher reads it (no actions section: the control), then
each page --alone times, one request at a time: p50/p99 in ms, and each page's ratio to
/healthz (no database, no template: the loopback and framework floor) measured in the same
process. PASS/FAIL against the issue's target (every page < 100 ms, p99, alone). A one-line
JSON summary ends the output. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dashboard as base

from service import db, migrate
from service.actions.schemas import ActionCreate
from service.actions.service import record_action
from service.auth.principal import Principal
from service.auth.secrets import load_secret_key
from service.crews.service import create_share

ACTIONS = [
    ("Peer-support team launched", date(2031, 2, 1), ["openness/psych_safety"]),
    ("Chief's town hall on mental health", date(2031, 5, 1),
     ["help-seeking-stigma/self_stigma", "openness/psych_safety"]),
    ("Critical-incident debrief training", date(2031, 8, 1), ["workplace-support/org_stress"]),
]  # fmt: skip


async def run(args: argparse.Namespace, summary: dict[str, Any]) -> None:
    server = os.environ.get("MUSTER_TEST_DATABASE_URL") or base.DEFAULT_URL
    name = f"muster_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    process = None
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = base.with_database(server, name)
        with tempfile.TemporaryDirectory(prefix="muster-bench-") as data_dir:
            conn = await db.connect(url)
            try:
                await migrate.migrate(conn)
                org = await base.build(conn, args.waves, args.seed)
                battalion = org["battalion"]
                session = await base.session_for(conn, "leader", battalion.unit_id)
                staff_id = await conn.fetchval("SELECT max(staff_id) FROM staff")
                # The same unit page without its actions section: the control.
                reader = await base.session_for(conn, "researcher", battalion.unit_id)
                leader = Principal(staff_id=staff_id, email="", role="leader",
                                   scope_unit_id=battalion.unit_id, scope_path=battalion.path,
                                   via="session")  # fmt: skip
                async with conn.transaction():
                    for title, day, scales in ACTIONS:
                        await record_action(conn, leader, ActionCreate(
                            unit_id=battalion.unit_id, program_id=org["program_id"],
                            title=title, started_on=day, scales=scales,
                        ))  # fmt: skip
                    wave_id = await conn.fetchval("SELECT max(wave_id) FROM wave "
                                                  "WHERE status = 'released'")  # fmt: skip
                    key = load_secret_key("", Path(data_dir))
                    _, token = await create_share(conn, leader, key, battalion.unit_id,
                                                  org["program_id"], wave_id)  # fmt: skip
                await conn.execute("VACUUM ANALYZE")
            finally:
                await conn.close()
            port = base.free_port()
            process = base.start_server(url, port, 1, data_dir)
            root = f"http://127.0.0.1:{port}"
            await base.wait_ready(root, process)
            unit = battalion.unit_id
            pages: list[tuple[str, str, str | None]] = [
                ("/healthz (baseline)", "/healthz", None),
                ("unit page, no actions", f"/dashboard/units/{unit}", reader),
                ("unit page with actions", f"/dashboard/units/{unit}", session),
                ("actions page", f"/dashboard/units/{unit}/actions", session),
                ("crews' page (link)", f"/crews/{token}", None),
                ("crews' preview", f"/dashboard/units/{unit}/crews", session),
                ("handout page", f"/dashboard/units/{unit}/handout", session),
                ("handout PDF", f"/dashboard/units/{unit}/handout.pdf", session),
            ]
            async with httpx.AsyncClient(base_url=root, timeout=60) as client:
                for _, path, cookie in pages:
                    await base.measure(client, path, cookie, 10, 1)  # warm-up
                results = [(label, path, await base.measure(client, path, cookie, args.alone, 1))
                           for label, path, cookie in pages]  # fmt: skip
        floor = base.pct(results[0][2], 0.5)
        base.say(f"{args.waves} released waves, {len(ACTIONS)} actions; {args.alone} requests "
                 "one at a time per page (ms):\n")  # fmt: skip
        base.say(f"{'page':<26}{'p50':>8}{'p99':>8}{'x healthz p50':>15}")
        table = []
        for label, _path, times in results:
            row = {"page": label, "p50": round(base.pct(times, 0.5), 2),
                   "p99": round(base.pct(times, 0.99), 2),
                   "ratio_p50": round(base.pct(times, 0.5) / floor, 1)}  # fmt: skip
            table.append(row)
            base.say(f"{label:<26}{row['p50']:>8.1f}{row['p99']:>8.1f}{row['ratio_p50']:>15.1f}")
        pages_only = [r for r in table if r["page"] != "/healthz (baseline)"]
        passed = all(r["p99"] < base.TARGET_MS for r in pages_only)
        slowest = max(pages_only, key=lambda r: r["p99"])
        base.say(f"\nslowest: {slowest['page']} p99 {slowest['p99']:.1f} ms   "
                 f"{'PASS' if passed else 'FAIL'} (target: every page < {base.TARGET_MS:.0f} ms "
                 "alone)")  # fmt: skip
        summary.update(pages=table, waves=args.waves, target_pass=passed)
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--waves", type=int, default=4, help="released waves (1-12)")
    parser.add_argument("--alone", type=int, default=100, help="requests per page")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    summary: dict[str, Any] = {"benchmark": "crews"}
    wall = time.perf_counter()
    await run(args, summary)
    summary["wall_s"] = round(time.perf_counter() - wall, 1)
    base.say(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    asyncio.run(main())
