"""Where an action sits on the time axis, and the change since it began: pure functions of
released values."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from service.actions.schemas import Action
from service.dashboard.effects import change_between, mark_position, waves_around
from service.dashboard.schemas import Stat, WaveInfo

CLOSES = [datetime(2031, 1, 20, tzinfo=UTC), datetime(2031, 4, 20, tzinfo=UTC),
          datetime(2031, 7, 20, tzinfo=UTC)]  # fmt: skip


def _wave(seq: int) -> WaveInfo:
    closes = CLOSES[seq - 1]
    return WaveInfo(wave_id=seq, seq=seq, opens_at=closes - timedelta(days=14), closes_at=closes,
                    released_at=closes, unverified=False, mechanism="gaussian",
                    epsilon_per_wave=1.0, annual_epsilon_cap=4.0, instruments=[])  # fmt: skip


def _action(day: date) -> Action:
    now = datetime(2031, 1, 1, tzinfo=UTC)
    return Action(action_id=1, unit_id=1, program_id=1, title="t", description="",
                  started_on=day, scales=["a/b"], owner=None, created_at=now,
                  updated_at=now)  # fmt: skip


WAVES = [_wave(1), _wave(2), _wave(3)]


@pytest.mark.parametrize(
    ("day", "position"),
    [(date(2031, 1, 1), 0.0), (date(2031, 1, 20), 0.0), (date(2031, 3, 6), 45 / 90),
     (date(2031, 4, 20), 1.0), (date(2031, 9, 1), 2.5)],
)  # fmt: skip
def test_an_action_is_marked_between_the_closing_dates_around_its_start(
    day: date, position: float
) -> None:
    assert mark_position(_action(day), WAVES) == pytest.approx(position)


def test_the_waves_around_an_action_skip_the_wave_open_when_it_began() -> None:
    history = [(w, None) for w in WAVES]
    # 10 April: wave 2 is open (6 to 20 April), so it is neither before nor after.
    before, after = waves_around(_action(date(2031, 4, 10)), history)  # type: ignore[arg-type]
    assert (before and before.seq, after and after.seq) == (1, 3)
    before, after = waves_around(_action(date(2031, 8, 1)), history)  # type: ignore[arg-type]
    assert (before and before.seq, after) == (3, None)


def test_the_change_between_two_published_means_carries_their_combined_noise() -> None:
    first = Stat(published=True, value=3.0, std_error=0.3, lower=2.4, upper=3.6)
    last = Stat(published=True, value=3.5, std_error=0.4, lower=2.7, upper=4.3)
    change = change_between(first, last)
    assert change.value == pytest.approx(0.5)
    assert change.std_error == pytest.approx(0.5)  # sqrt(0.3² + 0.4²)
    assert change.lower == pytest.approx(0.5 - 1.959964 * 0.5, abs=1e-5)
    assert not change.real_change and math.isclose(change.upper or 0, 1.48, abs_tol=0.01)


def test_a_change_from_an_unpublished_mean_shows_no_number_and_says_why() -> None:
    shown = Stat(published=True, value=3.0, std_error=0.1, lower=2.8, upper=3.2)
    hidden = Stat(published=False, reason="too few responses to show")
    for first, last in ((hidden, shown), (shown, hidden)):
        change = change_between(first, last)
        assert not change.shown and change.value is None and change.lower is None
        assert change.reason == "too few responses to show"
