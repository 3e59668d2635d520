"""Send what is due from the outbox, at the channel's pace, and keep every promise.

How a message goes out:
1. `claim_next` leases ONE due row (one UPDATE … RETURNING; a lease, not a lock), never
   a whole batch, and never a second row of a person who already has one in flight.
2. The message is built from the row (`compose`) and sent through the person's channel;
   each accepted call of a several-call message (text, then the .ics file) is recorded
   (`parts_done`), so a retry sends only what is missing.
3. The row is marked sent. A lease that runs out (the process died) is given back
   continuously, within seconds, by any running dispatcher.

The window left: a crash after the platform accepted a call and before its record is
written (a few milliseconds) sends that one call again. No chat API without idempotency
keys closes it; `make chaos` measures it.

Pace: at most `per_second` messages overall (Telegram: about 30/s) and one per person
per `per_person_interval`; never idle while work is due, and woken at once by `wake()`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.application.metrics import NO_METRICS, Metrics
from bot.application.outbound import NoRoute, PersonUnreachable, RetryLater, Router
from bot.clock import Clock
from bot.domain.followup import OutboxItem
from bot.domain.messages import Reply
from bot.domain.people import Mode, Person
from bot.storage.ports import Storage

log = logging.getLogger(__name__)
Compose = Callable[[Person, OutboxItem], Awaitable[Reply | None]]
WAITS_FOR_WORKER = frozenset({"checkin"})  # kinds that wait while a worker owns the chat


@dataclass(frozen=True)
class DispatchSettings:
    max_attempts: int = 6
    lease: timedelta = timedelta(seconds=15)
    wait_when_busy: timedelta = timedelta(hours=1)
    per_second: float = 30.0  # Telegram: about 30 messages a second overall
    per_person_interval: float = 1.0  # and about one a second into one chat
    concurrency: int = 8  # sends in flight at once (different people)
    idle_poll: float = 1.0  # the longest sleep: leases and a moved clock are seen by then


class Dispatcher:
    def __init__(self, storage: Storage, clock: Clock, router: Router, compose: Compose,
                 settings: DispatchSettings | None = None) -> None:
        self._storage = storage
        self._clock = clock
        self._router = router
        self._compose = compose
        self.settings = settings or DispatchSettings()
        self.run_id = uuid.uuid4().hex
        self._wake = asyncio.Event()
        self._last_send: dict[int, float] = {}
        self._in_flight: set[int] = set()
        self.metrics: Metrics = NO_METRICS
        self.heartbeat: float | None = None  # monotonic time of the loop's last turn

    def wake(self) -> None:
        """New work was scheduled: look at once instead of at the next poll."""
        self._wake.set()

    async def recover(self) -> int:
        """Give back leases that ran out (a crashed run's claims)."""
        released = await self._storage.release_expired(self._clock.now())
        if released:
            log.warning("gave back %d expired claim(s) of the outbox", released)
        return released

    async def tick(self) -> int:
        """Send everything due now, at the allowed pace; return how many were sent."""
        await self.recover()
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.settings.per_second if self.settings.per_second > 0 else 0.0
        next_slot = loop.time()
        sent = 0
        pending: set[asyncio.Task[bool]] = set()
        try:
            while True:
                while len(pending) >= self.settings.concurrency:
                    sent += await _reap(pending, asyncio.FIRST_COMPLETED)
                item = await self._claim(loop.time())
                self.heartbeat = time.monotonic()
                if item is None:
                    if not pending:
                        break
                    sent += await _reap(pending, asyncio.FIRST_COMPLETED)
                    continue
                if interval:  # one slot per message: no bursts over the overall rate
                    await asyncio.sleep(max(0.0, next_slot - loop.time()))
                    next_slot = max(next_slot + interval, loop.time())
                self._in_flight.add(item.person_id)
                pending.add(asyncio.create_task(self._send(item)))
        finally:
            if pending:
                sent += await _reap(pending, asyncio.ALL_COMPLETED)
        return sent

    async def run(self, stop: asyncio.Event) -> None:
        """The shipped loop: tick while work is due, else sleep until due, woken, or stopped."""
        while not stop.is_set():
            self.heartbeat = time.monotonic()
            sent = 0
            try:
                sent = await self.tick()
            except Exception:  # keep dispatching: the rows stay in the outbox
                log.exception("dispatching the outbox failed")
            self._wake.clear()
            delay = await self._until_next_due()
            if sent == 0:  # due rows of people paced to one message a second: not a spin
                delay = max(delay, self.settings.per_person_interval / 10)
            if delay > 0:
                await _first_of(stop, self._wake, delay)
        released = await self._storage.release_claim(self.run_id)
        if released:
            log.info("gave back %d claim(s) on stopping", released)

    async def _until_next_due(self) -> float:
        due = await self._storage.next_due_at(self._router.channels)
        if due is None:
            return self.settings.idle_poll
        wait = (due - self._clock.now()).total_seconds()
        return max(0.0, min(wait, self.settings.idle_poll))

    async def _claim(self, now_monotonic: float) -> OutboxItem | None:
        gap = self.settings.per_person_interval
        recent = {p for p, at in self._last_send.items() if now_monotonic - at < gap}
        self._last_send = {p: at for p, at in self._last_send.items() if p in recent}
        busy = tuple(sorted(recent | self._in_flight))
        now = self._clock.now()
        return await self._storage.claim_next(now, self.run_id, now + self.settings.lease,
                                              busy, self._router.channels)

    async def _send(self, item: OutboxItem) -> bool:
        self.metrics.outbox(item.kind, "due")
        try:
            return await self._deliver(item)
        except Exception:
            log.exception("sending outbox item %s failed", item.id)
            self.metrics.outbox(item.kind, "retried")
            await self._storage.postpone(item.id, self._clock.now() + timedelta(seconds=30),
                                         failed_attempt=True)
            return False
        finally:
            self._in_flight.discard(item.person_id)
            self._last_send[item.person_id] = asyncio.get_running_loop().time()

    async def _deliver(self, item: OutboxItem) -> bool:
        person = await self._storage.person_by_id(item.person_id)
        if person is None:
            await self._storage.mark_failed(item.id)
            return False
        if item.kind in WAITS_FOR_WORKER and person.mode is not Mode.BOT:
            await self._storage.postpone(item.id, self._clock.now() + self.settings.wait_when_busy,
                                         failed_attempt=False)
            return False
        reply = await self._compose(person, item)
        if reply is None:  # nothing to say any more (e.g. a check-in removed from the plan)
            await self._storage.mark_sent(item.id, self._clock.now())
            return False

        async def progress(parts_done: int) -> None:
            await self._storage.record_part(item.id, self.run_id, parts_done)

        try:
            await self._router.send(person, reply, skip_parts=item.parts_done,
                                    progress=progress)
        except PersonUnreachable:
            await self._unreachable(person, item)
            return False
        except NoRoute:  # this process does not run the person's channel: another may
            await self._storage.postpone(item.id, self._clock.now() + self.settings.lease,
                                         failed_attempt=False)
            return False
        except RetryLater as wait:
            if item.attempts >= self.settings.max_attempts:
                await self._storage.mark_failed(item.id)
                self.metrics.outbox(item.kind, "failed")
                return False
            self.metrics.outbox(item.kind, "retried")
            backoff = max(wait.seconds, 2.0 ** item.attempts)
            await self._storage.postpone(item.id, self._clock.now() + timedelta(seconds=backoff),
                                         failed_attempt=True)
            return False
        now = self._clock.now()
        await self._storage.mark_sent(item.id, now)
        self.metrics.outbox(item.kind, "sent")
        self.metrics.outbox_lateness(item.kind, (now - item.due_at).total_seconds())
        return True

    async def _unreachable(self, person: Person, item: OutboxItem) -> None:
        """Blocked: this and every later message of the person stop, in one unit of work."""
        log.info("person %s cannot be reached: their messages are cancelled", person.id)
        self.metrics.outbox(item.kind, "failed")
        async with self._storage.unit_of_work():
            await self._storage.mark_failed(item.id)
            await self._storage.cancel_pending(person.id)
            if await self._storage.participant(person.id) is not None:
                await self._storage.stop_participant(person.id)


async def _reap(pending: set[asyncio.Task[bool]], when: str) -> int:
    done, _still = await asyncio.wait(pending, return_when=when)
    pending.difference_update(done)
    return sum(1 for task in done if not task.cancelled() and task.result())


async def _first_of(stop: asyncio.Event, wake: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
