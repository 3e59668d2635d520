"""Named leases: several Passerelle processes on one database share the work, once each.

Why: on PostgreSQL several processes may run at once. One person's lane of the inbox, the
Telegram long poll and each periodic job must be done by one process at a time, and taken
over when that process dies. A lease is a row with an owner and an end (`leases`); the
holder renews it while it works. A process killed with kill -9 stops renewing, and once
its leases run out (`length`, 10 s) another process takes the work over.

Who owns: PASSERELLE_INSTANCE names a process for good, so after a crash it holds at once
what it held before (systemd's `passerelle@1`, `passerelle@2`). Without it, SQLite's one
process is "local" (the same after every restart), and a process on PostgreSQL gets a
name of its own each start.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from bot.clock import Clock
from bot.storage.ports import LeaseStore

LENGTH = timedelta(seconds=10)
SINGLE_PROCESS_OWNER = "local"


def owner_name(instance: str | None, shared_database: bool) -> str:
    """This process's name in `leases` (see the module's docstring)."""
    if instance:
        return instance
    if not shared_database:
        return SINGLE_PROCESS_OWNER
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leases:
    """Take, renew and give back named leases for this process."""

    def __init__(self, store: LeaseStore, clock: Clock, owner: str,
                 length: timedelta = LENGTH, shared: bool = True) -> None:
        self._store = store
        self._clock = clock
        self.owner = owner
        self.length = length
        self.shared = shared  # False: no other process can share the database (SQLite)

    async def take(self, name: str, length: timedelta | None = None) -> bool:
        """Hold `name` (again) for `length`; False while another process holds it."""
        now = self._clock.now()
        return await self._store.take_lease(name, self.owner, now, now + (length or self.length))

    async def release(self, name: str) -> None:
        await self._store.release_lease(name, self.owner)

    async def release_all(self) -> int:
        """A process that stops cleanly gives everything back at once."""
        return await self._store.release_leases(self.owner)
