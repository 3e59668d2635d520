"""Process received updates from the inbox: in order for each person, concurrently across
people, resumed after a crash.

A channel stores every update in the inbox (`Storage.receive`) *before* it tells the
platform it has it, so an acknowledged update is never lost. Here each lane (one
person's chat, one workers' topic) has one task that handles its updates one by one;
a burst from one person queues in their lane and never delays anyone else's.

Several processes on one database (PostgreSQL) share the inbox by lane: a process handles
a lane's updates only while it holds that lane's lease (`bot.application.leases`),
renewed before each update and while one is being handled; when a process dies, its
lanes run out and another process takes them over, in order.

Handling is at least once: an update is marked handled when its handler returns, so a
crash in the middle handles it again after the restart. What it already sent is not sent
again: each send is journalled under the update (`bot.application.deliveries`), and
`make chaos` counts what arrives. The raw update is erased as soon as it is handled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.application.deliveries import handling
from bot.application.leases import Leases
from bot.clock import Clock
from bot.domain.inbox import InboxItem
from bot.storage.ports import InboxStore

log = logging.getLogger(__name__)
Handler = Callable[[InboxItem], Awaitable[None]]
MAX_ATTEMPTS = 3  # an update whose handler keeps crashing the process is set aside
LANES_PER_PROCESS = 32  # sharing a database: more busy lanes than this are left to others
KEEP_HANDLED = timedelta(days=1)  # a handled update's id is remembered this long
PRUNE_EVERY = 3600.0  # seconds between two prunings of handled rows


class InboxProcessor:
    def __init__(self, storage: InboxStore, clock: Clock, channel: str,
                 handle: Handler, idle_poll: float = 1.0, leases: Leases | None = None) -> None:
        self._storage = storage
        self._clock = clock
        self._channel = channel
        self._handle = handle
        self._idle_poll = idle_poll
        self._leases = leases  # None: no other process shares this database
        self._wake = asyncio.Event()
        self._lanes: dict[str, asyncio.Queue[InboxItem]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._queued: set[int] = set()  # ids in a lane's queue or being handled
        self._held: set[str] = set()  # lanes whose lease this process holds
        self._stopping = False

    def use_leases(self, leases: Leases) -> None:
        """Share the inbox with other processes on the same database."""
        self._leases = leases

    def wake(self) -> None:
        self._wake.set()

    def _lease_name(self, lane: str) -> str:
        return f"lane:{self._channel}:{lane}"

    def _busy_enough(self) -> bool:
        """Sharing the inbox, a process with many busy lanes leaves new ones to the others
        (otherwise the process that polls, woken first, would take every lane of a burst)."""
        return self._leases is not None and self._leases.shared \
            and len(self._lanes) >= LANES_PER_PROCESS

    async def _hold(self, lane: str) -> bool:
        """Take or renew the lane's lease (always True when no other process shares)."""
        if self._leases is None:
            return True
        if await self._leases.take(self._lease_name(lane)):
            self._held.add(lane)
            return True
        self._held.discard(lane)
        return False

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`; then lets each lane finish the update it is handling."""
        keeper = asyncio.create_task(self._keep_leases(stop)) if self._leases else None
        loop = asyncio.get_running_loop()
        pruned_at = loop.time()
        try:
            while not stop.is_set():
                self._wake.clear()
                await self._queue_new()
                if loop.time() - pruned_at > PRUNE_EVERY:
                    pruned_at = loop.time()
                    await self._prune()
                waiters = [asyncio.ensure_future(stop.wait()),
                           asyncio.ensure_future(self._wake.wait())]
                await asyncio.wait(waiters, timeout=self._idle_poll,
                                   return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
        finally:
            if keeper is not None:
                keeper.cancel()
            await self._drain()

    async def _keep_leases(self, stop: asyncio.Event) -> None:
        """Renew the lanes being handled; give back the idle ones."""
        assert self._leases is not None
        period = self._leases.length.total_seconds() / 3
        while not stop.is_set():
            await asyncio.sleep(period)
            for lane in list(self._held):
                if lane in self._lanes:
                    await self._hold(lane)
                else:
                    self._held.discard(lane)
                    await self._leases.release(self._lease_name(lane))

    async def _queue_new(self) -> None:
        elsewhere: set[str] = set()  # lanes another process holds (this round)
        for item in await self._storage.waiting_updates(self._channel):
            if item.id in self._queued or item.lane in elsewhere:
                continue
            if item.lane not in self._held and (self._busy_enough()
                                                or not await self._hold(item.lane)):
                elsewhere.add(item.lane)
                continue
            self._queued.add(item.id)
            if item.attempts >= MAX_ATTEMPTS:
                log.error("update %s failed %d times: set aside", item.external_id,
                          item.attempts)
                await self._storage.update_handled(item.id, self._clock.now())
                self._queued.discard(item.id)
                continue
            queue = self._lanes.setdefault(item.lane, asyncio.Queue())
            queue.put_nowait(item)
            worker = self._workers.get(item.lane)
            if worker is None or worker.done():
                self._workers[item.lane] = asyncio.create_task(self._lane(item.lane, queue))

    async def _lane(self, lane: str, queue: asyncio.Queue[InboxItem]) -> None:
        while not queue.empty() and not self._stopping:
            item = queue.get_nowait()
            if not await self._hold(lane):  # another process took the lane over
                self._give_up(lane, queue, item)
                return
            if not await self._storage.update_attempted(item.id):
                self._queued.discard(item.id)  # the lane's previous holder handled it
                continue
            try:
                with handling(self._storage, item.id):
                    await self._handle(item)
            except Exception:  # the handler apologises itself; this is a last resort
                log.exception("handling update %s failed", item.external_id)
            await self._storage.update_handled(item.id, self._clock.now())
            self._queued.discard(item.id)
        if queue.empty() and self._lanes.get(lane) is queue:
            del self._lanes[lane]

    def _give_up(self, lane: str, queue: asyncio.Queue[InboxItem], item: InboxItem) -> None:
        """Forget a lost lane's queued updates: the process that holds it handles them."""
        self._queued.discard(item.id)
        while not queue.empty():
            self._queued.discard(queue.get_nowait().id)
        if self._lanes.get(lane) is queue:
            del self._lanes[lane]

    async def _drain(self, timeout: float = 3.0) -> None:
        """Stop taking new updates; the ones being handled finish (or resume next start)."""
        self._stopping = True
        running = [task for task in self._workers.values() if not task.done()]
        if running:
            _done, late = await asyncio.wait(running, timeout=timeout)
            for task in late:
                task.cancel()
        await self._prune()

    async def _prune(self) -> None:
        await self._storage.prune_inbox(self._channel, self._clock.now() - KEEP_HANDLED)
