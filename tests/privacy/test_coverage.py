"""The released 95% intervals cover the true aggregates about 95% of the time.

One wave's aggregates are computed once from real responses; then the same release
measurement adds fresh noise many times. Over 400 releases of 7 units the coverage of the
count intervals has a standard error well under 1%: the bounds below are several standard
errors wide, so they fail for a wrong variance (too narrow or needlessly wide), not for
unlucky noise.
"""

from __future__ import annotations

import random
from typing import Any

from service.privacy import mechanisms, queries
from service.privacy import service as release
from service.privacy.estimates import Policy, derive_rows
from tests.factories import add_responses, close, open_wave_on, random_answers, wave_items

RUNS = 400


async def test_intervals_cover_the_true_values_at_the_stated_rate(conn: Any) -> None:
    _, wave_id, units = await open_wave_on(
        conn, epsilon_per_wave=8.0, annual_epsilon_cap=40.0, histogram_levels=0
    )
    items = await wave_items(conn, wave_id)
    rng = random.Random(11)
    leaves = [u for u in units if u["depth"] == 2]
    for leaf in leaves:
        answers = [random_answers(rng, items, 0.05) for _ in range(rng.randint(60, 90))]
        await add_responses(conn, wave_id, leaf["unit_id"], answers)
    await close(conn, wave_id)

    wave = await release._fetch_wave(conn, wave_id)
    plan, sizes = await release.build_plan(conn, wave)
    depth = plan.levels - 1
    sql = queries.aggregation_sql(depth, plan.scales, plan.items)
    records = await queries.fetch_aggregates(conn, sql, wave_id, wave.root_unit_id)
    aggregates = release.vectors_from_rows(plan, records, depth)
    truth = derive_rows(plan, aggregates.vectors, lambda s: 1e-18, Policy(10, 0.25))
    true_value = {(r.unit_id, r.statistic): r.value for r in truth}
    measurement = mechanisms.release_measurement(plan.blocks, sizes, "gaussian")

    covered = {"responses": [0, 0], "mean": [0, 0]}
    for _ in range(RUNS):
        noisy = mechanisms.measure(measurement, aggregates)
        rows = derive_rows(
            plan, noisy, lambda s: mechanisms.noise_variance("gaussian", s), Policy(10, 0.25)
        )
        for row in rows:
            kind = "responses" if row.statistic == "responses" else "mean"
            if kind == "mean" and not row.statistic.endswith(":mean"):
                continue
            if row.lower is None or row.upper is None:
                continue
            covered[kind][1] += 1
            covered[kind][0] += row.lower <= true_value[(row.unit_id, row.statistic)] <= row.upper
    counts = covered["responses"][0] / covered["responses"][1]
    means = covered["mean"][0] / covered["mean"][1]
    assert covered["responses"][1] == RUNS * len(units)
    assert 0.93 <= counts <= 0.975, counts
    # Means are ratios of two noisy totals; the delta method is close at these counts.
    assert 0.92 <= means <= 0.98, means
