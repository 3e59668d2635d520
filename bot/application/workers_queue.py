"""The workers' send queue: what goes into a workers' group is a row first, then a message.

Why: Telegram accepts about 20 messages a minute into one group and answers 429 (retry
after N seconds) beyond that. Sending relays and announcements straight from the
handling of an update would lose or delay them under a flood, in no useful order. So:

- `QueuedDesk` is the escalation service's WorkerDesk. Announcements, relays and
  information lines become rows of `workers_queue` in the same unit of work as the state
  change that caused them (a ticket opened, a message to relay), keyed by the target
  group chat id (whatever group the person's thread is in: `group_of`), named after the
  update that caused them so handling it again adds nothing (`deliveries.update_key`).
- `WorkersSender` leases one row per group at a time: crisis, then urgent, then normal,
  oldest first, a person's rows always in their order; at most `per_minute` into one group
  in any minute (the count is in the database, so every process keeps the same pace), and
  a 429 holds the whole group for its retry_after. Nothing is dropped: a failed send goes
  back in its place and is tried again later.

The window left is the delivery journal's: a crash after Telegram accepted a send and
before its row is marked sent (a few milliseconds) sends that one message again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.application.deliveries import update_key
from bot.clock import Clock
from bot.domain.errors import RetryLater
from bot.domain.people import Person
from bot.domain.tickets import Ticket, TicketSource
from bot.domain.workers_queue import Priority, QueuedSend
from bot.escalation.ports import TicketBrief, WorkerDesk

log = logging.getLogger(__name__)
GroupOf = Callable[[Person], Awaitable[int | str]]
Errors = Callable[[], AbstractAsyncContextManager[None]]
_KEY: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "passerelle_workers_queue_key", default=None)


class WorkersQueueStore(Protocol):
    """The storage the queue needs (bot/storage/workers_queue.py)."""

    @property
    def in_unit_of_work(self) -> bool: ...

    def unit_of_work(self) -> AbstractAsyncContextManager[None]: ...

    def after_commit(self, effect: Callable[[], Awaitable[None]]) -> bool: ...

    async def person_by_id(self, person_id: int) -> Person | None: ...

    async def ticket(self, ticket_id: int) -> Ticket | None: ...

    async def enqueue_for_workers(self, group_chat: str, person_id: int, priority: Priority,
                                  kind: str, payload: dict[str, object], dedupe: str | None,
                                  now: datetime) -> bool: ...

    async def workers_groups_waiting(self, now: datetime) -> list[str]: ...

    async def claim_for_workers(self, group_chat: str, now: datetime, claim: str,
                                lease_until: datetime, per_minute: int,
                                gap: timedelta) -> QueuedSend | None: ...

    async def mark_workers_sent(self, queue_id: int, claim: str, now: datetime) -> bool: ...

    async def skip_workers_send(self, queue_id: int) -> None: ...

    async def retry_workers_send(self, queue_id: int, not_before: datetime,
                                 hold_group_until: datetime | None = None) -> None: ...

    async def extend_workers_lease(self, queue_id: int, claim: str, until: datetime) -> bool: ...

    async def release_workers_expired(self, now: datetime) -> int: ...

    async def release_workers_claim(self, claim: str) -> int: ...

    async def prune_workers_sent(self, before: datetime) -> int: ...


@dataclass(frozen=True)
class WorkersQueueSettings:
    per_minute: int = 20  # Telegram: about 20 messages a minute into one group
    gap: timedelta = timedelta(seconds=1)  # and not two in the same second
    lease: timedelta = timedelta(seconds=15)  # a dead sender's row goes back after this
    idle_poll: float = 1.0  # the longest sleep: a moved clock or a lease is seen by then
    max_backoff: float = 300.0  # a failing row is tried again at least this often
    keep_sent: timedelta = timedelta(days=1)  # sent rows answer "already queued" this long


def priority_of(ticket: Ticket | None, brief: TicketBrief | None = None) -> Priority:
    """Crisis tickets first, then urgent ones, then the rest."""
    if ticket is not None and ticket.source is TicketSource.CRISIS:
        return Priority.CRISIS
    if (ticket is not None and ticket.urgent) or (brief is not None and brief.urgent):
        return Priority.URGENT
    return Priority.NORMAL


class QueuedDesk:
    """A WorkerDesk that queues: each call is a row written in the caller's unit of work."""

    def __init__(self, storage: WorkersQueueStore, desk: WorkerDesk, group_of: GroupOf,
                 clock: Clock, wake: Callable[[], None] = lambda: None) -> None:
        self._storage = storage
        self._desk = desk
        self._group_of = group_of
        self._clock = clock
        self._wake = wake

    async def enqueue_under(self, key: str | None, send: Callable[[], Awaitable[None]]) -> None:
        """Run `send` (a call of this desk) now, inside the open unit of work; `key` names
        what it adds for the update being handled (EscalationService._effect)."""
        token = _KEY.set(key)
        try:
            await send()
        finally:
            _KEY.reset(token)

    async def announce(self, ticket: Ticket, person: Person, brief: TicketBrief) -> None:
        payload: dict[str, object] = {"ticket": ticket.id, "brief": asdict(brief)}
        await self._enqueue("announce", person, priority_of(ticket, brief), payload)

    async def relay_from_person(self, ticket: Ticket, person: Person, message_ref: str) -> None:
        payload: dict[str, object] = {"ticket": ticket.id, "ref": message_ref}
        await self._enqueue("relay", person, priority_of(ticket), payload)

    async def notify(self, ticket: Ticket | None, person: Person, text: str) -> None:
        payload: dict[str, object] = {"ticket": ticket.id if ticket else None, "text": text}
        await self._enqueue("notify", person, priority_of(ticket), payload)

    async def forget(self, person: Person, thread: str, group: str | None = None) -> None:
        """Not queued: the person's queued rows went with their data (cascade); the topic
        is deleted after the commit."""
        async def delete() -> None:
            if group is None:
                await self._desk.forget(person, thread)
            else:
                await self._desk.forget(person, thread, group=group)

        if not self._storage.after_commit(delete):
            await delete()

    async def _enqueue(self, kind: str, person: Person, priority: Priority,
                       payload: dict[str, object]) -> None:
        try:
            group = str(await self._group_of(person))
        except LookupError:
            log.warning("no workers' group for person %s: nothing queued", person.id)
            return
        dedupe = update_key(_KEY.get(), f"workers-{kind}")
        async with self._storage.unit_of_work():
            await self._storage.enqueue_for_workers(group, person.id, priority, kind, payload,
                                                    dedupe, self._clock.now())

        async def wake() -> None:
            self._wake()

        if not self._storage.after_commit(wake):
            self._wake()


class WorkersSender:
    """Sends the queue into each group at the group's pace; every process may run one."""

    def __init__(self, storage: WorkersQueueStore, clock: Clock, desk: WorkerDesk,
                 settings: WorkersQueueSettings | None = None,
                 errors: Errors | None = None) -> None:
        self._storage = storage
        self._clock = clock
        self._desk = desk
        self.settings = settings or WorkersQueueSettings()
        self._errors: Errors = errors or _no_translation
        self.run_id = uuid.uuid4().hex
        self._woken = asyncio.Event()
        self._pruned: datetime | None = None

    def wake(self) -> None:
        """New rows were committed: look at once."""
        self._woken.set()

    async def tick(self) -> int:
        """Send what the pace allows now, one row per group at a time; return how many."""
        now = self._clock.now()
        released = await self._storage.release_workers_expired(now)
        if released:
            log.warning("gave back %d expired claim(s) of the workers' queue", released)
        await self._prune(now)
        sent = 0
        while True:
            groups = await self._storage.workers_groups_waiting(self._clock.now())
            done = await asyncio.gather(*(self._one(group) for group in groups))
            if not any(done):
                return sent
            sent += sum(done)

    async def run(self, stop: asyncio.Event) -> None:
        """The shipped loop: tick, then sleep until woken, stopped, or the next poll."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # keep sending: the rows stay in the queue
                log.exception("sending the workers' queue failed")
            self._woken.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_either(stop, self._woken), self.settings.idle_poll)
        released = await self._storage.release_workers_claim(self.run_id)
        if released:
            log.info("gave back %d workers' queue claim(s) on stopping", released)

    async def _one(self, group: str) -> bool:
        now = self._clock.now()
        item = await self._storage.claim_for_workers(
            group, now, self.run_id, now + self.settings.lease, self.settings.per_minute,
            self.settings.gap)
        if item is None:
            return False
        try:
            async with self._kept(item):
                delivered = await self._deliver(item)
            if not delivered:
                await self._storage.skip_workers_send(item.id)
                return False
        except RetryLater as wait:
            until = self._clock.now() + timedelta(seconds=max(wait.seconds, 1.0))
            log.warning("workers' group asked to wait %.0f s", wait.seconds)
            await self._storage.retry_workers_send(item.id, until, hold_group_until=until)
            return False
        except Exception:
            backoff = min(2.0 ** item.attempts, self.settings.max_backoff)
            log.exception("sending workers' queue row %s failed: again in %.0f s", item.id,
                          backoff)
            await self._storage.retry_workers_send(
                item.id, self._clock.now() + timedelta(seconds=backoff))
            return False
        if not await self._storage.mark_workers_sent(item.id, self.run_id, self._clock.now()):
            log.warning("workers' queue row %s was sent after its lease was lost", item.id)
        return True

    @contextlib.asynccontextmanager
    async def _kept(self, item: QueuedSend) -> AsyncIterator[None]:
        """Renew the row's lease while it is being sent: Telegram's client may wait out a
        429 itself (AIORateLimiter's retries), longer than one lease, and another process
        must not take the row and send it a second time meanwhile."""
        async def renew() -> None:
            while True:
                await asyncio.sleep(self.settings.lease.total_seconds() / 3)
                until = self._clock.now() + self.settings.lease
                try:
                    if not await self._storage.extend_workers_lease(item.id, self.run_id,
                                                                    until):
                        return
                except Exception:  # the send goes on; the next renewal may get through
                    log.exception("renewing a workers' queue lease failed")

        renewing = asyncio.create_task(renew())
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def _deliver(self, item: QueuedSend) -> bool:
        """Replay the row onto the real desk; False when there is nothing to send any more."""
        person = await self._storage.person_by_id(item.person_id)
        ticket_id = item.payload.get("ticket")
        ticket = await self._storage.ticket(int(str(ticket_id))) if ticket_id else None
        if person is None or (item.kind != "notify" and ticket is None):
            return False
        async with self._errors():
            if item.kind == "announce" and ticket is not None:
                await self._desk.announce(ticket, person, _brief(item.payload["brief"]))
            elif item.kind == "relay" and ticket is not None:
                await self._desk.relay_from_person(ticket, person, str(item.payload["ref"]))
            elif item.kind == "notify":
                await self._desk.notify(ticket, person, str(item.payload["text"]))
            else:
                return False
        return True

    async def _prune(self, now: datetime) -> None:
        if self._pruned is not None and now - self._pruned < timedelta(hours=1):
            return
        self._pruned = now
        await self._storage.prune_workers_sent(now - self.settings.keep_sent)


def _brief(stored: object) -> TicketBrief:
    fields = dict(stored) if isinstance(stored, dict) else {}
    fields["recent_topics"] = tuple(fields.get("recent_topics") or ())
    return TicketBrief(**fields)


@contextlib.asynccontextmanager
async def _no_translation() -> AsyncIterator[None]:
    """Without a channel's translation its errors arrive as they are."""
    yield


async def _either(stop: asyncio.Event, woken: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(woken.wait())]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
