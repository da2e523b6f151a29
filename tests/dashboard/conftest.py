"""Programs with released waves, for dashboard tests.

Two ways to get releases:
- `stored_waves` + `put_rows`: waves marked released and release rows written with plain SQL,
  with exactly the values and publish flags a test needs (fast and deterministic);
- `released_org`: the real release engine over synthetic responses, wave after wave, as
  the product runs it (slower; for journeys and end-to-end checks).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import msgspec

from service.db import Conn
from service.privacy import service as release
from service.waves import service as waves
from tests.factories import T0, add_responses, make_session, make_staff, open_wave_on, wave_items

GENEROUS = {"epsilon_per_wave": 8.0, "annual_epsilon_cap": 40.0}
CADENCE = timedelta(days=92)  # a little more than P3M, so each step is past the next opening


class Org(msgspec.Struct):
    program_id: int
    wave_ids: list[int]
    units: list[dict[str, Any]]

    @property
    def root(self) -> dict[str, Any]:
        return self.units[0]

    def at_depth(self, depth: int) -> list[dict[str, Any]]:
        return [u for u in self.units if u["depth"] == depth]

    def children(self, unit: dict[str, Any]) -> list[dict[str, Any]]:
        return [u for u in self.units if u["parent_id"] == unit["unit_id"]]


async def _next_wave(conn: Conn, program_id: int, seq: int) -> int:
    """Move the schedule on until wave `seq` is open; earlier waves close on the way."""
    await waves.advance_waves(conn, T0 + CADENCE * (seq - 1) + timedelta(hours=1))
    wave_id: int = await conn.fetchval(
        "SELECT wave_id FROM wave WHERE program_id = $1 AND seq = $2 AND status = 'open'",
        program_id,
        seq,
    )
    return wave_id


async def _close(conn: Conn, wave_id: int, seq: int) -> None:
    await waves.close_wave(conn, None, wave_id, T0 + CADENCE * (seq - 1) + timedelta(days=2))


async def stored_waves(
    conn: Conn, shape: tuple[int, ...] = (2, 2), count: int = 2, **policy: Any
) -> Org:
    """A program over a fresh tree with `count` waves marked released and no rows yet."""
    program_id, first, units = await open_wave_on(conn, shape, **{**GENEROUS, **policy})
    ids = [first]
    for seq in range(2, count + 1):
        await _close(conn, ids[-1], seq - 1)
        ids.append(await _next_wave(conn, program_id, seq))
    await _close(conn, ids[-1], count)
    await conn.execute(
        "UPDATE wave SET status = 'released', released_at = closed_at WHERE wave_id = ANY($1)",
        ids,
    )
    return Org(program_id=program_id, wave_ids=ids, units=units)


Value = tuple[float, float, bool]  # (value, half-width of the 95% interval, published)


async def put_rows(conn: Conn, wave_id: int, unit_id: int, values: dict[str, Value]) -> None:
    """Release rows with chosen values: interval = value ± half-width, std_error = half/1.96."""
    await conn.executemany(
        """
        INSERT INTO release (wave_id, unit_id, statistic, value, std_error, lower, upper,
                             published, mechanism, noise_scale, privacy_share,
                             instrument_version, plan_version, unverified)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'gaussian', 1.0, 0.1, NULL, 'test', false)
        """,
        [
            (wave_id, unit_id, stat, v, half / 1.96, v - half, v + half, published)
            for stat, (v, half, published) in values.items()
        ],
    )


def scale_values(
    key: str, mean: float, published: bool = True, half: float = 0.2
) -> dict[str, Value]:
    """A scale's mean, count and three bands (low / moderate / high), all with one flag."""
    return {
        f"scale:{key}:mean": (mean, half, published),
        f"scale:{key}:count": (50.0, 8.0, published),
        f"scale:{key}:band:low": (0.2, 0.05, published),
        f"scale:{key}:band:moderate": (0.5, 0.06, published),
        f"scale:{key}:band:high": (0.3, 0.05, published),
    }


# --- the real engine --------------------------------------------------------------------


def biased_answers(
    rng: random.Random, items: list[tuple[int, int]], lean: float, skip: float = 0.05
) -> list[int]:
    """Answers that lean up (lean > 0) or down from the middle of each item's range."""
    out = []
    for low, high in items:
        if rng.random() < skip:
            out.append(0)
            continue
        centre = (low + high) / 2 + lean * (high - low) / 4
        out.append(max(low, min(high, round(rng.gauss(centre, 0.9)))))
    return out


async def _realistic_units(
    conn: Conn,
    units: list[dict[str, Any]],
    leaves: list[dict[str, Any]],
    per_leaf: int,
    small_leaf: int | None,
) -> None:
    """Names a chief would recognise, and headcounts: about 70% of each leaf answers; inner
    units add up their leaves, plus a few staff."""
    kinds = ["Battalion", "Station", "Crew"]
    seen: dict[int, int] = {}
    for unit in units:
        if unit["parent_id"] is None:
            unit["name"] = "Lakeside Fire Department"
            continue
        seen[unit["depth"]] = seen.get(unit["depth"], 0) + 1
        kind = kinds[min(unit["depth"], len(kinds)) - 1]
        unit["name"] = f"{kind} {seen[unit['depth']]}"
    await conn.executemany(
        "UPDATE unit SET name = $2 WHERE unit_id = $1", [(u["unit_id"], u["name"]) for u in units]
    )
    counts: dict[int, int] = {}
    for index, leaf in enumerate(leaves):
        n = small_leaf if small_leaf is not None and index == len(leaves) - 1 else per_leaf
        counts[leaf["unit_id"]] = max(4, round(n / 0.7))
    for unit in sorted(units, key=lambda u: -u["depth"]):
        if unit["unit_id"] not in counts:
            counts[unit["unit_id"]] = 2 + sum(
                counts[u["unit_id"]] for u in units if u["parent_id"] == unit["unit_id"]
            )
    await conn.executemany(
        "UPDATE unit SET headcount = $2 WHERE unit_id = $1", list(counts.items())
    )
    for unit in units:
        unit["headcount"] = counts[unit["unit_id"]]


async def released_org(
    conn: Conn,
    shape: tuple[int, ...] = (3, 3),
    count: int = 3,
    per_leaf: int = 40,
    seed: int = 1,
    small_leaf: int | None = None,
    **policy: Any,
) -> Org:
    """`count` waves released by the real engine; every leaf gets `per_leaf` responses a wave
    (the last leaf only `small_leaf`, if given, so it cannot be published) and leans a little
    more towards agreement every wave, so that trends show."""
    rng = random.Random(seed)
    program_id, first, units = await open_wave_on(conn, shape, **{**GENEROUS, **policy})
    leaves = [u for u in units if u["depth"] == len(shape)]
    await _realistic_units(conn, units, leaves, per_leaf, small_leaf)
    ids: list[int] = []
    wave_id = first
    for seq in range(1, count + 1):
        if seq > 1:
            wave_id = await _next_wave(conn, program_id, seq)
        items = await wave_items(conn, wave_id)
        for index, leaf in enumerate(leaves):
            n = small_leaf if small_leaf is not None and index == len(leaves) - 1 else per_leaf
            lean = -0.6 + 0.35 * seq + 0.15 * (index % 3)
            await add_responses(
                conn, wave_id, leaf["unit_id"],
                [biased_answers(rng, items, lean) for _ in range(n)],
            )  # fmt: skip
        await _close(conn, wave_id, seq)
        await release.release_wave(
            conn, None, wave_id, T0 + CADENCE * (seq - 1) + timedelta(days=3)
        )
        ids.append(wave_id)
    return Org(program_id=program_id, wave_ids=ids, units=units)


async def leader_session(
    conn: Conn, unit: dict[str, Any] | None, role: str = "leader"
) -> tuple[dict[str, Any], str]:
    """A staff account (scoped to `unit`) and a signed-in session id for it."""
    staff = await make_staff(conn, role=role, unit=unit)  # type: ignore[arg-type]
    session_id, _csrf = await make_session(conn, staff)
    return staff, session_id


# --- a small world with chosen numbers ----------------------------------------------------

SAFETY = "openness/psych_safety"
STRESS = "workplace-support/org_stress"
NAMES = {
    "root": "Metro Fire Department",
    "north": "North Battalion",
    "south": "South Battalion",
    "alder": "Station Alder",
    "birch": "Station Birch",
    "cedar": "Station Cedar",
    "dogwood": "Station Dogwood",
}
# Station Birch's values are stored but not published: these strings must appear nowhere.
HIDDEN_MEAN = 4.19
HIDDEN_STRINGS = ("4.19", "3.99", "4.39", "1.87", "1.67", "2.07", "613 (")
ITEM = "openness/ps_rough_time"
ITEM_COUNTS = (11.0, 17.0, 23.0, 41.0, 39.0)


class World(msgspec.Struct):
    org: Org
    unit: dict[str, dict[str, Any]]

    def id(self, key: str) -> int:
        unit_id: int = self.unit[key]["unit_id"]
        return unit_id


async def small_world(conn: Conn) -> World:
    """Metro Fire Department > North (Alder, Birch) and South (Cedar, Dogwood), two released
    waves with chosen values. Birch is too small: nothing of it is published."""
    org = await stored_waves(conn, (2, 2), count=2)
    root, north, south = org.units[0], org.units[1], org.units[2]
    alder, birch, cedar, dogwood = org.units[3:7]
    unit = {"root": root, "north": north, "south": south, "alder": alder, "birch": birch,
            "cedar": cedar, "dogwood": dogwood}  # fmt: skip
    for key, row in unit.items():
        await conn.execute(
            "UPDATE unit SET name = $2, headcount = $3 WHERE unit_id = $1",
            row["unit_id"], NAMES[key], 200 if key == "root" else 100 if key in
            ("north", "south") else 48,
        )  # fmt: skip
        row["name"] = NAMES[key]
    first, second = org.wave_ids
    # Wave 1: the department and the battalions only.
    await put_rows(conn, first, root["unit_id"], {
        "responses": (118.0, 9.0, True), **scale_values(SAFETY, 3.16), **scale_values(STRESS, 2.74),
    })  # fmt: skip
    for key, mean in (("north", 3.27), ("south", 3.08)):
        await put_rows(conn, first, unit[key]["unit_id"], {
            "responses": (58.0, 8.0, True), **scale_values(SAFETY, mean),
            **scale_values(STRESS, 2.66),
        })  # fmt: skip
    # Wave 2: everyone; Birch unpublished.
    await put_rows(conn, second, root["unit_id"], {
        "responses": (131.0, 9.0, True), **scale_values(SAFETY, 3.47), **scale_values(STRESS, 2.58),
        f"scale:{SAFETY}:trend": (0.31, 0.12, True), f"scale:{STRESS}:trend": (-0.16, 0.2, True),
        f"scale:{SAFETY}:rolling4": (3.32, 0.1, True),
        **{f"item:{ITEM}:{i + 1}": (n, 5.0, True) for i, n in enumerate(ITEM_COUNTS)},
    })  # fmt: skip
    for key, mean, count in (("north", 3.61, 66.0), ("south", 3.33, 65.0),
                             ("alder", 2.83, 40.0), ("cedar", 3.52, 33.0),
                             ("dogwood", 3.14, 32.0)):  # fmt: skip
        await put_rows(conn, second, unit[key]["unit_id"], {
            "responses": (count, 7.0, True), **scale_values(SAFETY, mean),
            **scale_values(STRESS, 2.51),
        })  # fmt: skip
    await put_rows(conn, second, birch["unit_id"], {
        "responses": (26.0, 11.0, False), **scale_values(SAFETY, HIDDEN_MEAN, published=False),
        **scale_values(STRESS, 1.87, published=False),
        **{f"item:{ITEM}:{i + 1}": (613.0, 11.0, False) for i in range(5)},
    })  # fmt: skip
    return World(org=org, unit=unit)
