"""Send what is due from the outbox: claimed atomically, sent, then recorded.

A row is claimed (one UPDATE … RETURNING) before sending and marked sent right after
Telegram accepts it. After a crash, claims older than `stale_after` return to pending:
a crash between claiming and sending therefore sends exactly once after the restart.
The only window left is between Telegram's acceptance and the database write, a few
milliseconds, which no chat API without idempotency keys can close.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.clock import Clock
from bot.conversation.person import Person
from bot.followup.outbox import OutboxItem
from bot.storage.ports import Storage

log = logging.getLogger(__name__)


class PersonUnreachable(Exception):
    """The person blocked the bot (Telegram 403): stop, do not retry."""


class RetryLater(Exception):
    """Rate limited (429) or a transient failure: try again after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Deliverer(Protocol):
    async def deliver(self, person: Person, item: OutboxItem) -> bool:
        """Send the item's message; False when it must wait (e.g. a worker owns the chat)."""


@dataclass(frozen=True)
class DispatchSettings:
    batch: int = 100
    max_attempts: int = 6
    stale_after: timedelta = timedelta(minutes=5)
    wait_when_busy: timedelta = timedelta(hours=1)
    per_second: float = 30.0  # Telegram: about 30 messages a second overall


Sleep = Callable[[float], Awaitable[None]]


class Dispatcher:
    def __init__(self, storage: Storage, clock: Clock, deliverer: Deliverer,
                 settings: DispatchSettings | None = None, sleep: Sleep = asyncio.sleep) -> None:
        self._storage = storage
        self._clock = clock
        self.deliverer = deliverer
        self.settings = settings or DispatchSettings()
        self._sleep = sleep
        self._run = uuid.uuid4().hex

    async def recover(self) -> int:
        """Give back claims that a previous (crashed) run never finished."""
        released = await self._storage.release_claims(self._clock.now() - self.settings.stale_after)
        if released:
            log.warning("re-examined %d claimed but unconfirmed message(s)", released)
        return released

    async def run_once(self) -> int:
        """Claim and send everything due now; return how many were sent."""
        items = await self._storage.claim_due(self._clock.now(), self._run, self.settings.batch)
        sent = 0
        interval = 1.0 / self.settings.per_second if self.settings.per_second > 0 else 0.0
        loop = asyncio.get_running_loop()
        next_slot = loop.time()
        last_chat_send: dict[int, float] = {}
        for item in items:
            if item.person_id in last_chat_send:  # 1 message a second per chat
                await self._storage.postpone(item.id, self._clock.now() + timedelta(seconds=1),
                                             failed_attempt=False)
                continue
            if await self._send(item):
                sent += 1
                last_chat_send[item.person_id] = 0.0
            if interval:  # keep to the overall rate: one slot per message, no bursts
                next_slot += interval
                await self._sleep(max(0.0, next_slot - loop.time()))
        return sent

    async def _send(self, item: OutboxItem) -> bool:
        person = await self._storage.person_by_id(item.person_id)
        if person is None:
            await self._storage.mark_failed(item.id)
            return False
        try:
            delivered = await self.deliverer.deliver(person, item)
        except PersonUnreachable:
            log.info("person %s blocked the bot: their messages are cancelled", person.id)
            await self._storage.mark_failed(item.id)
            await self._storage.cancel_pending(person.id)
            participant = await self._storage.participant(person.id)
            if participant is not None:
                from dataclasses import replace

                await self._storage.save_participant(replace(participant, stopped=True))
            return False
        except RetryLater as wait:
            if item.attempts >= self.settings.max_attempts:
                await self._storage.mark_failed(item.id)
                return False
            backoff = max(wait.seconds, 2.0 ** item.attempts)
            await self._storage.postpone(item.id, self._clock.now() + timedelta(seconds=backoff),
                                         failed_attempt=True)
            return False
        if not delivered:
            await self._storage.postpone(item.id, self._clock.now() + self.settings.wait_when_busy,
                                         failed_attempt=False)
            return False
        await self._storage.mark_sent(item.id, self._clock.now())
        return True
