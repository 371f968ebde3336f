"""companion.practice.timing: one warm-up call, then the timed calls; the median of them."""

from __future__ import annotations

import pytest

from companion.practice import timing
from companion.practice.timing import median_seconds, run_times


def test_median_seconds_calls_once_more_than_repeats():
    calls = []
    assert median_seconds(lambda: calls.append(1), repeats=3) >= 0.0
    assert len(calls) == 4


def test_run_times_times_each_call_after_the_warm_up(monkeypatch):
    ticks = iter([0.0, 1.0, 1.0, 4.0, 4.0, 5.0, 5.0, 5.5])  # calls of 1, 3, 1 and 0.5 seconds
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(ticks))
    assert run_times(lambda: None, repeats=4) == [1.0, 3.0, 1.0, 0.5]


def test_median_seconds_is_the_middle_of_the_timed_calls(monkeypatch):
    ticks = iter([0.0, 1.0, 1.0, 4.0, 4.0, 5.0, 5.0, 5.5])  # calls of 1, 3, 1 and 0.5 seconds
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(ticks))
    assert median_seconds(lambda: None, repeats=4) == 1.0


@pytest.mark.parametrize("function", [run_times, median_seconds])
def test_zero_repeats_are_refused(function):
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        function(lambda: None, repeats=0)
