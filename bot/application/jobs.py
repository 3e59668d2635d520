"""Background jobs of the application, each with a `tick()`, and one runner for them all.

Any channel drives them the same way (`Jobs.run(stop)`): the Telegram bot, the terminal
chat, a test that calls `tick()` with a manual clock. Nothing here knows a platform.
Every process runs the dispatcher (its claims are safe to share); each periodic job runs
in one process at a time, the one that holds its lease (`bot.application.leases`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta

from bot.application.dispatcher import Dispatcher
from bot.application.leases import Leases
from bot.clock import Clock
from bot.conversation.followup_flow import NOTICE
from bot.escalation.service import EscalationService
from bot.storage.ports import Storage

log = logging.getLogger(__name__)


class WaitingTickets:
    """Re-announce tickets nobody took; promise the person, through the outbox, that we
    have not forgotten them (so the message is kept like any other promise)."""

    def __init__(self, escalation: EscalationService, storage: Storage, clock: Clock,
                 every: timedelta = timedelta(seconds=60)) -> None:
        self._escalation = escalation
        self._storage = storage
        self._clock = clock
        self.every = every

    async def tick(self) -> int:
        told = 0
        for ticket, person, who in await self._escalation.waiting_too_long():
            if who != "person":
                continue
            now = self._clock.now()
            await self._storage.schedule(person.id, NOTICE,
                                         f"still-waiting:{ticket.id}:{now.isoformat()}", now,
                                         {"what": "still-waiting", "ticket": ticket.id})
            told += 1
        return told


Tick = Callable[[], Awaitable[int]]
Loop = Callable[[asyncio.Event], Coroutine[object, object, None]]


class Jobs:
    """Runs the dispatcher continuously and the periodic jobs on their period."""

    def __init__(self, dispatcher: Dispatcher,
                 periodic: list[tuple[str, Tick, timedelta]] | None = None,
                 leases: Leases | None = None) -> None:
        self.dispatcher = dispatcher
        self._periodic = periodic or []
        self._leases = leases  # None: no other process shares the database
        self._loops: list[tuple[str, Loop]] = []

    def add_loop(self, name: str, run: Loop) -> None:
        """A continuous sender like the dispatcher (e.g. the workers' queue), run in every
        process until `stop`: its claims are safe to share."""
        self._loops.append((name, run))

    def add(self, name: str, tick: Tick, every: timedelta) -> None:
        self._periodic.append((name, tick, every))

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; in-flight claims are given back before returning."""
        tasks = [asyncio.create_task(self.dispatcher.run(stop), name="outbox")]
        tasks += [asyncio.create_task(run(stop), name=name) for name, run in self._loops]
        tasks += [asyncio.create_task(self._every(stop, name, tick, every), name=name)
                  for name, tick, every in self._periodic]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def _mine(self, name: str, every: timedelta) -> bool:
        """Whether this process runs the job now: it holds the job's lease, kept a little
        longer than one period so the holder keeps it from one tick to the next."""
        if self._leases is None:
            return True
        return await self._leases.take(f"job:{name}", every * 2 + self._leases.length)

    async def _every(self, stop: asyncio.Event, name: str, tick: Tick,
                     every: timedelta) -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=every.total_seconds())
                return
            except TimeoutError:
                pass
            try:
                if not await self._mine(name, every):
                    continue
                await tick()
            except Exception:  # keep going: one failure must not stop the job
                log.exception("job %s failed", name)
