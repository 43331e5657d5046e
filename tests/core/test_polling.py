"""The poll schedule: AssemblyAI's turnaround by duration, the dense window, the GET budget."""

from __future__ import annotations

import pytest

from bot.core.polling import (
    MIN_GAP_SHARE,
    WINDOW,
    deadline_for,
    expected_turnaround,
    next_poll_in,
    safety_delay,
)


@pytest.mark.parametrize(
    ("minutes", "seconds"),
    [(0, 0.0), (63, 35.0), (195, 133.0), (501, 300.0), (10, 12 + 23 * 10 / 63)],
)
def test_turnaround_follows_assemblyais_published_figures(minutes, seconds):
    assert expected_turnaround(minutes * 60_000) == pytest.approx(seconds)


def test_turnaround_grows_with_duration_and_scales_with_the_poll_interval():
    assert expected_turnaround(None) == 0.0
    assert expected_turnaround(600 * 60_000) > expected_turnaround(501 * 60_000) >= 300
    assert expected_turnaround(60 * 60_000, 0.3) == pytest.approx(
        expected_turnaround(60 * 60_000) / 10)


def schedule(expected: float, until: float, poll: float = 3.0) -> list[float]:
    """When the GETs happen for a job that never completes, the first after `next_poll_in`."""
    at, polls, times = 0.0, 0, []
    while at < until:
        at += next_poll_in(at, polls, expected, poll)
        polls += 1
        times.append(at)
    return times


@pytest.mark.parametrize("minutes", [1, 10, 60, 180, 600])
def test_sparse_early_dense_in_the_window_then_five_percent(minutes):
    expected = expected_turnaround(minutes * 60_000)
    times = schedule(expected, 4 * expected)
    low, high = WINDOW[0] * expected, WINDOW[1] * expected
    assert times[0] == pytest.approx(low)  # nothing before the window
    inside = [t for t in times if low <= t <= high]
    gaps = [b - a for a, b in zip(inside, inside[1:], strict=False)]
    assert max(gaps) <= MIN_GAP_SHARE * 3.0  # densest where completion is likely
    late = [b - a for a, b in zip(times, times[1:], strict=False) if a > high]
    assert all(g >= 3.0 - 1e-9 for g in late)


@pytest.mark.parametrize("minutes", [0, 1, 10, 60, 180, 600])
@pytest.mark.parametrize("poll", [0.3, 3.0])
def test_never_more_than_one_get_per_two_seconds_on_average(minutes, poll):
    expected = expected_turnaround(minutes * 60_000, poll)
    times = schedule(expected, 200 * poll + 5 * expected, poll)
    for n, at in enumerate(times, start=1):
        assert n <= 1 + at / (MIN_GAP_SHARE * poll) + 1e-9


def test_unknown_length_polls_every_interval_then_five_percent_of_the_wait():
    assert next_poll_in(0, 1, 0.0) == 3.0
    assert next_poll_in(100, 20, 0.0) == 5.0
    assert next_poll_in(1000, 50, 0.0) == 15.0


def test_webhook_safety_poll_starts_well_after_the_expected_completion():
    for minutes in (1, 10, 60, 180):
        expected = expected_turnaround(minutes * 60_000)
        assert safety_delay(minutes * 60_000) >= 2 * expected + 30
    assert safety_delay(None) == 60.0
    assert safety_delay(None, 0.1) == pytest.approx(2.0)


def test_the_deadline_is_as_before():
    assert deadline_for(None) == 7200
    assert deadline_for(60_000) == 900
    assert deadline_for(3 * 3600_000) == 3 * 3 * 3600
