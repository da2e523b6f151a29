"""Reading the dashboard right (issue 15): a question's answers only where their own
intervals are readable, a "most common answer" only where the intervals support it, band
shares that add up to 100%, and the rolling mean named by how many waves it covers."""

from __future__ import annotations

import random
from typing import Any

import pytest
from litestar.testing import TestClient

from service.dashboard.items import ITEM_HALF_WIDTH_SHARE, clear_top, item_reason
from service.dashboard.schemas import OptionInfo, Stat
from service.dashboard.wording import (
    consistent_shares,
    fmt_shares,
    rolling_label,
    whole_percents,
)
from tests.dashboard.test_charts import shown as count
from tests.dashboard.test_pages import HTML, sign_in
from tests.factories import ITEM, SAFETY, SmallWorld, put_rows

RESPONSES = count(108.0, 7.0)


# --- the questions page's publish rule ------------------------------------------------------


def test_an_item_whose_ranges_are_within_the_rule_is_shown() -> None:
    half = ITEM_HALF_WIDTH_SHARE * RESPONSES.value  # type: ignore[operator]
    assert item_reason([count(v, half) for v in (10, 30, 40, 20, 8)], RESPONSES) == ""


def test_an_item_with_wide_ranges_is_hidden_and_says_why() -> None:
    # The case: 0 / 34 / 74 / 0 / 0 with ±49 each, for about 108 respondents.
    reason = item_reason([count(v, 49.0) for v in (0, 34, 74, 0, 0)], RESPONSES)
    assert reason.startswith("too uncertain to show")
    assert "±45 percentage points" in reason and "±15 points" in reason
    # Just over the rule is hidden too: the rule is on widths, not on the values.
    half = ITEM_HALF_WIDTH_SHARE * 108.0 + 0.5
    assert ITEM_HALF_WIDTH_SHARE == 0.15
    assert item_reason([count(v, half) for v in (10, 30, 40, 20, 8)], RESPONSES) != ""


def test_the_rule_reads_widths_not_values() -> None:
    """The same widths decide the same way whatever the noisy answers came out as."""
    rng = random.Random(3)
    for half in (5.0, 16.0, 17.0, 30.0):
        decisions = {
            item_reason([count(rng.uniform(-20, 120), half) for _ in range(5)], RESPONSES) == ""
            for _ in range(50)
        }
        assert decisions == {half <= ITEM_HALF_WIDTH_SHARE * 108.0}


def test_an_item_of_a_unit_whose_count_is_hidden_is_hidden() -> None:
    hidden = Stat(published=False, reason="too few responses to show")
    assert item_reason([count(v, 1.0) for v in (1, 2, 3)], hidden) == "too few responses to show"
    unpublished = [count(1, 1.0), Stat(published=False, reason="too uncertain to show")]
    assert item_reason(unpublished, RESPONSES) == "too uncertain to show"


OPTIONS = [OptionInfo(value=i + 1, label=f"option {i + 1}") for i in range(4)]


def test_a_most_common_answer_is_named_only_when_its_range_lies_above_every_other() -> None:
    clear = list(zip(OPTIONS, [count(10, 4), count(20, 4), count(41, 5), count(30, 5)],
                     strict=True))  # fmt: skip
    assert clear_top(clear) is OPTIONS[2]
    # 41 (36–46) against 39 (34–44): the ranges overlap, so neither is the most common.
    overlapping = list(zip(OPTIONS, [count(10, 4), count(20, 4), count(41, 5), count(39, 5)],
                           strict=True))  # fmt: skip
    assert clear_top(overlapping) is None
    touching = list(zip(OPTIONS, [count(0, 4), count(0, 4), count(40, 5), count(30, 5)],
                        strict=True))  # fmt: skip
    assert clear_top(touching) is None  # 35 is not above 35


# --- band shares ------------------------------------------------------------------------------


def share(value: float) -> Stat:
    return count(value, 0.05)


def test_band_shares_become_consistent_shares_that_add_up_to_100() -> None:
    # A noisy band below zero and shares that do not add up to one, as a release may give.
    shares = consistent_shares([share(-0.04), share(0.56), share(0.52)])
    assert shares[0].value == 0.0
    assert sum(s.value or 0.0 for s in shares) == pytest.approx(1.0)
    assert all((s.lower or 0) <= (s.value or 0) <= (s.upper or 0) <= 1 for s in shares)
    texts = fmt_shares([share(1 / 3), share(1 / 3), share(1 / 3)])
    assert sum(int(t.split("%")[0]) for t in texts) == 100


def test_whole_percents_always_add_up_to_100() -> None:
    rng = random.Random(11)
    for _ in range(500):
        raw = [rng.random() for _ in range(rng.randint(2, 6))]
        values = [v / sum(raw) for v in raw]
        percents = whole_percents(values)
        assert sum(percents) == 100
        assert all(abs(p - v * 100) < 1 for p, v in zip(percents, values, strict=True))


def test_hidden_shares_stay_hidden() -> None:
    hidden = [share(0.2), Stat(published=False, reason="too few responses to show")]
    assert consistent_shares(hidden) is hidden
    assert fmt_shares(hidden)[1] == "too few responses to show"


def test_the_rolling_mean_is_named_by_the_waves_it_covers() -> None:
    assert rolling_label(2) == "2-wave mean"
    assert rolling_label(3) == "3-wave mean"
    assert rolling_label(4) == "4-wave rolling mean"


# --- on the pages -----------------------------------------------------------------------------


def test_the_questions_page_hides_a_wide_distribution_and_says_why(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    north = world.id("north")

    async def wide_items(conn: Any) -> None:
        await put_rows(conn, world.org.wave_ids[1], north, {
            f"item:{ITEM}:{i + 1}": (v, 49.0, True)
            for i, v in enumerate((0.0, 34.0, 74.0, 0.0, 0.0))
        })  # fmt: skip

    seed(wide_items)
    sign_in(client, seed, None, "admin")
    page = client.get(f"/dashboard/units/{north}/questions", headers=HTML).text
    assert "I could tell someone on my team that I am going through a rough time" in page
    assert "is not shown: too uncertain to show" in page
    assert "percentage points of the people who answered" in page
    # None of its numbers reach the page.
    for number in ("74 (", "34 (", "(−49", "25–123"):
        assert number not in page
    assert "Most common answer" not in page
    # The department's narrow item is shown, but no answer is named the most common: the
    # ranges of the top two (41 and 39, ±5) overlap.
    root = client.get(f"/dashboard/units/{world.id('root')}/questions", headers=HTML).text
    assert "41 (36–46)" in root and "39 (34–44)" in root
    assert "No answer is clearly the most common" in root
    assert "Most common answer" not in root


def test_band_shares_add_up_and_a_hidden_mean_beside_them_says_why(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    north = world.id("north")

    async def odd_bands(conn: Any) -> None:
        await conn.execute(
            "UPDATE release SET value = 1.0 / 3, lower = 1.0 / 3 - 0.05, upper = 1.0 / 3 + 0.05,"
            " published = statistic LIKE '%:band:%'"
            " WHERE wave_id = $1 AND unit_id = $2 AND statistic LIKE $3"
            " AND (statistic LIKE '%:band:%' OR statistic LIKE '%:mean')",
            world.org.wave_ids[1], north, f"scale:{SAFETY}:%",
        )  # fmt: skip

    seed(odd_bands)
    sign_in(client, seed, None, "admin")
    page = client.get(f"/dashboard/units/{north}", headers=HTML).text
    assert "Low 34% (" in page and "Moderate 33% (" in page and "High 33% (" in page
    assert "adjusted to add up to 100% after the noise" in page
    assert "The mean of Team psychological safety is not shown in this wave: too uncertain" in page


def test_the_rolling_mean_is_named_by_how_many_waves_it_covers_on_the_pages(
    client: TestClient[Any], seed: Any, world: SmallWorld
) -> None:
    sign_in(client, seed, None, "admin")
    overview = client.get("/dashboard", headers=HTML).text
    # Wave 2 of 2: the department's rolling mean pools two waves.
    assert '<th scope="col">2-wave mean</th>' in overview
    assert "4-wave rolling mean" not in overview
    unit = client.get(f"/dashboard/units/{world.id('root')}", headers=HTML).text
    assert "2-wave mean" in unit and "3.32 (3.22–3.42)" in unit
    assert "4-wave rolling mean" not in unit
