"""Per-person flood control: a burst is answered, a flood is not.

Each person has a bucket of `burst` events that refills at `per_minute`. While it has a
token, the event is handled. When it is empty, the person gets one kind message ("wait a
moment, then write again") and then nothing until the bucket has half refilled; nothing
is handled meanwhile, so hundreds of messages from one person cost almost nothing and
never slow anyone else down. Danger words always get through (the caller checks them).

Time comes from the clock (a manual clock in tests); nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.clock import Clock

MAX_TRACKED = 10_000  # idle people are forgotten past this many


class Verdict(StrEnum):
    ALLOW = "allow"
    WARN = "warn"  # over the limit: say so, once
    DROP = "drop"  # still over the limit: stay quiet


@dataclass(frozen=True)
class FloodSettings:
    burst: int = 20  # events handled back to back
    per_minute: float = 30.0  # then one every two seconds


@dataclass
class _Bucket:
    tokens: float
    at: datetime
    warned: bool = False


class FloodGuard:
    def __init__(self, clock: Clock, settings: FloodSettings | None = None) -> None:
        self._clock = clock
        self.settings = settings or FloodSettings()
        self._buckets: dict[str, _Bucket] = {}
        self.dropped = 0

    def check(self, key: str) -> Verdict:
        now = self._clock.now()
        burst = float(self.settings.burst)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(burst, now)
        elapsed = max(0.0, (now - bucket.at).total_seconds())
        bucket.tokens = min(burst, bucket.tokens + elapsed * self.settings.per_minute / 60)
        bucket.at = now
        if bucket.warned and bucket.tokens >= burst / 2:
            bucket.warned = False
        if bucket.tokens >= 1 and not bucket.warned:
            bucket.tokens -= 1
            return Verdict.ALLOW
        self.dropped += 1
        if bucket.warned:
            return Verdict.DROP
        bucket.warned = True
        return Verdict.WARN

    def _forget_idle(self, now: datetime) -> None:
        """People whose bucket has refilled need no memory."""
        full = float(self.settings.burst)
        rate = self.settings.per_minute / 60
        for key, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.at).total_seconds() * rate >= full:
                del self._buckets[key]
        if len(self._buckets) >= MAX_TRACKED:  # a flood of new people: start afresh
            self._buckets.clear()
