"""Per-person flood control: a burst is answered, a flood is not.

Each person has a bucket of `burst` events that refills at `per_minute`. While it has a
token, the event is handled. When it is empty, the person gets one kind message ("wait a
moment, then write again") and then nothing until the bucket has half refilled; nothing
is handled meanwhile, so hundreds of messages from one person cost almost nothing and
never slow anyone else down. Danger words always get through (the caller checks them).

Time comes from the clock (a manual clock in tests); nothing is stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.clock import Clock
from bot.conversation.danger import crisis_anywhere
from bot.domain.messages import Event, Reply
from bot.domain.people import PersonRef

if TYPE_CHECKING:
    from bot.conversation.engine import Engine

log = logging.getLogger(__name__)

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


class KnownLanguages(Protocol):
    async def known_language(self, ref: PersonRef) -> str | None:
        """The person's chosen language, without creating anyone."""


class FloodGate:
    """Every channel's way into the engine when a person may flood it (the web point and
    Telegram alike): allowed events are handled, the first one over the limit gets one
    kind reply in the person's language, the rest are dropped without touching the
    database. Danger words always get through."""

    def __init__(self, engine: Engine, storage: KnownLanguages, clock: Clock,
                 settings: FloodSettings | None = None) -> None:
        self.guard = FloodGuard(clock, settings)
        self._engine = engine
        self._storage = storage

    async def handle(self, event: Event) -> list[Reply]:
        verdict = self.guard.check(f"{event.ref.channel}:{event.ref.address}")
        if verdict is Verdict.ALLOW or self.in_danger(event):
            return await self._engine.handle(event)
        if verdict is Verdict.DROP:
            return []
        log.info("a person is sending too fast: throttled")
        return [await self.slow_down(event.ref)]

    def in_danger(self, event: Event) -> bool:
        return bool(event.text) and crisis_anywhere(
            self._engine.replies.snapshot.matcher, event.text) is not None

    async def slow_down(self, ref: PersonRef) -> Reply:
        """"Wait a moment", in the person's language (no one is created for it)."""
        replies = self._engine.replies
        language = await self._storage.known_language(ref) or self._engine.default_language
        _ = replies.gettext(language)
        text = _("You are sending many messages at once. Please wait a moment, then write "
                 "again. In danger, call 112.")
        return replies.text(language, "⏳ " + text)
