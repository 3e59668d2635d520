"""Process received updates from the inbox: in order for each person, concurrently across
people, resumed after a crash.

A channel stores every update in the inbox (`Storage.receive`) *before* it tells the
platform it has it, so an acknowledged update is never lost. Here each lane (one
person's chat, one workers' topic) has one task that handles its updates one by one;
a burst from one person queues in their lane and never delays anyone else's.

Handling is at least once: an update is marked handled when its handler returns, so a
crash in the middle handles it again after the restart. What it already sent is not sent
again: each send is journalled under the update (`bot.application.deliveries`), and
`make chaos` counts what arrives. The raw update is erased as soon as it is handled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.application.deliveries import handling
from bot.clock import Clock
from bot.domain.inbox import InboxItem
from bot.storage.ports import InboxStore

log = logging.getLogger(__name__)
Handler = Callable[[InboxItem], Awaitable[None]]
MAX_ATTEMPTS = 3  # an update whose handler keeps crashing the process is set aside


class InboxProcessor:
    def __init__(self, storage: InboxStore, clock: Clock, channel: str,
                 handle: Handler, idle_poll: float = 1.0) -> None:
        self._storage = storage
        self._clock = clock
        self._channel = channel
        self._handle = handle
        self._idle_poll = idle_poll
        self._wake = asyncio.Event()
        self._lanes: dict[str, asyncio.Queue[InboxItem]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._queued_up_to = 0
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`; then lets each lane finish the update it is handling."""
        try:
            while not stop.is_set():
                self._wake.clear()
                await self._queue_new()
                waiters = [asyncio.ensure_future(stop.wait()),
                           asyncio.ensure_future(self._wake.wait())]
                await asyncio.wait(waiters, timeout=self._idle_poll,
                                   return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
        finally:
            await self._drain()

    async def _queue_new(self) -> None:
        for item in await self._storage.waiting_updates(self._channel):
            if item.id <= self._queued_up_to:
                continue
            self._queued_up_to = item.id
            if item.attempts >= MAX_ATTEMPTS:
                log.error("update %s failed %d times: set aside", item.external_id,
                          item.attempts)
                await self._storage.update_handled(item.id, self._clock.now())
                continue
            queue = self._lanes.setdefault(item.lane, asyncio.Queue())
            queue.put_nowait(item)
            worker = self._workers.get(item.lane)
            if worker is None or worker.done():
                self._workers[item.lane] = asyncio.create_task(self._lane(item.lane, queue))

    async def _lane(self, lane: str, queue: asyncio.Queue[InboxItem]) -> None:
        while not queue.empty() and not self._stopping:
            item = queue.get_nowait()
            await self._storage.update_attempted(item.id)
            try:
                with handling(self._storage, item.id):
                    await self._handle(item)
            except Exception:  # the handler apologises itself; this is a last resort
                log.exception("handling update %s failed", item.external_id)
            await self._storage.update_handled(item.id, self._clock.now())
        if queue.empty() and self._lanes.get(lane) is queue:
            del self._lanes[lane]

    async def _drain(self, timeout: float = 3.0) -> None:
        """Stop taking new updates; the ones being handled finish (or resume next start)."""
        self._stopping = True
        running = [task for task in self._workers.values() if not task.done()]
        if running:
            _done, late = await asyncio.wait(running, timeout=timeout)
            for task in late:
                task.cancel()
        await self._storage.prune_inbox(self._channel)
