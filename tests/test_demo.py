"""`muster demo` seeds a department with history a leader can explore."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service import db, demo
from service.config import Settings


async def test_the_demo_has_three_released_waves_an_open_one_and_fresh_cards(
    database_url: str, tmp_path: Path
) -> None:
    # As `muster demo` runs it: in one transaction, after whose commit the closed waves'
    # relations are replaced (waves.service.forget_wave).
    conn = await db.connect(database_url)
    try:
        settings = Settings(data_dir=str(tmp_path))
        async with db.transaction(conn):
            summary = await demo.seed(conn, settings, datetime.now(UTC))
        assert [w["status"] for w in summary.waves][:4] == ["released"] * 3 + ["open"]
        assert summary.units == 52
        assert {a["role"] for a in summary.accounts} == {"admin", "leader", "researcher"}
        assert len(summary.cards) == 3
        assert all("/s/" in link and "#" in link for link in summary.cards)
        # Answers came in through the real submission path and were shuffled at close.
        per_wave = await conn.fetch(
            "SELECT wave_id, count(*) AS n FROM response GROUP BY wave_id ORDER BY wave_id"
        )
        assert all(400 < row["n"] < 800 for row in per_wave) and len(per_wave) == 3
        assert await conn.fetchval("SELECT count(*) FROM spent_invitation") == 0
        # A leader has something to see: published battalion means and trends.
        published = await conn.fetchval(
            """
            SELECT count(*) FROM release r JOIN unit u USING (unit_id)
            WHERE u.depth = 1 AND r.published AND r.statistic LIKE 'scale:%:trend'
            """
        )
        assert published > 0
    finally:
        await conn.close()


async def test_running_the_demo_again_keeps_the_history_and_changes_passwords(
    conn: Any, tmp_path: Path
) -> None:
    settings = Settings(data_dir=str(tmp_path))
    first = await demo.seed(conn, settings, datetime.now(UTC))
    second = await demo.seed(conn, settings, datetime.now(UTC))
    assert first.waves == second.waves
    assert first.accounts[0]["password"] != second.accounts[0]["password"]
    assert first.cards != second.cards
