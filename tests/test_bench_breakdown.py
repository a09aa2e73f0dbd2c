"""The bench's stage clock: exclusive times, so nested stages are not counted twice."""

from __future__ import annotations

import pytest

from bench import breakdown


class FakeClock:
    """A perf_counter that moves only when told to."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_nested_stage_time_is_taken_out_of_its_parent() -> None:
    fake = FakeClock()
    clock = breakdown.StageClock(fake)

    def load_user() -> str:
        fake.now += 3.0
        return "user"

    timed_load = clock.wrap("user load", load_user)

    def view() -> str:
        fake.now += 1.0
        name = timed_load()
        fake.now += 2.0
        return name

    assert clock.wrap("view", view)() == "user"
    assert clock.totals == {"user load": 3.0, "view": 3.0}


def test_a_failing_stage_is_still_timed() -> None:
    fake = FakeClock()
    clock = breakdown.StageClock(fake)

    def refuse() -> None:
        fake.now += 5.0
        raise LookupError("no such page")

    with pytest.raises(LookupError):
        clock.wrap("view", refuse)()
    assert clock.totals == {"view": 5.0}
