"""Per-person flood control, on the manual clock: a burst is answered, a flood gets one
kind message and then quiet, and the person is answered again once it is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.application.flood import FloodGuard, FloodSettings, Verdict
from bot.clock import ManualClock


def test_a_burst_passes_a_flood_is_told_once_then_quiet_then_over() -> None:
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    guard = FloodGuard(clock, FloodSettings(burst=5, per_minute=30))
    assert [guard.check("a") for _ in range(5)] == [Verdict.ALLOW] * 5
    assert guard.check("a") is Verdict.WARN
    assert [guard.check("a") for _ in range(100)] == [Verdict.DROP] * 100
    assert guard.check("b") is Verdict.ALLOW, "someone else is not slowed down"
    clock.advance(timedelta(seconds=2))
    assert guard.check("a") is Verdict.DROP, "one token back is not the end of a flood"
    clock.advance(timedelta(seconds=4))  # half the bucket is back
    assert guard.check("a") is Verdict.ALLOW
    clock.advance(timedelta(minutes=5))
    assert [guard.check("a") for _ in range(5)] == [Verdict.ALLOW] * 5
    assert guard.check("a") is Verdict.WARN, "a new flood is told again, once"


def test_a_steady_person_is_never_throttled() -> None:
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    guard = FloodGuard(clock)
    for _ in range(1000):  # one message every two seconds, for half an hour
        assert guard.check("steady") is Verdict.ALLOW
        clock.advance(timedelta(seconds=2))


def test_memory_stays_bounded_with_many_people() -> None:
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    guard = FloodGuard(clock)
    for n in range(25_000):
        guard.check(str(n))
        clock.advance(timedelta(seconds=1))
    assert len(guard._buckets) <= 10_000
