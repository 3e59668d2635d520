"""Exactly once, as near as a network call allows: the delivery journal of an update.

An update from the inbox is handled at least once: a crash before it is marked handled
handles it again after the restart. What it already sent must not go out twice, so every
send caused by an update (a relay into the workers' topic, a reply to the person) is
named by a key that is the same however often the update is handled — the relayed
message's id, the reply's position — and written to the journal right after the platform
accepted it. Handling the update again skips what the journal holds.

The window that remains is one call wide: a crash after the platform accepted a send and
before its key was written (a few milliseconds) sends that one message again.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class DeliveryJournal(Protocol):
    async def delivered(self, inbox_id: int, key: str) -> bool: ...

    async def record_delivery(self, inbox_id: int, key: str) -> None: ...


class _Handling:
    def __init__(self, journal: DeliveryJournal, inbox_id: int) -> None:
        self.journal = journal
        self.inbox_id = inbox_id
        self.counters: dict[str, int] = {}

    def next_key(self, prefix: str) -> str:
        number = self.counters.get(prefix, 0)
        self.counters[prefix] = number + 1
        return f"{prefix}:{number}"


_CURRENT: contextvars.ContextVar[_Handling | None] = contextvars.ContextVar(
    "passerelle_current_update", default=None)


@contextmanager
def handling(journal: DeliveryJournal, inbox_id: int) -> Iterator[None]:
    """Everything sent inside (in this task and the tasks it starts) belongs to the update."""
    token = _CURRENT.set(_Handling(journal, inbox_id))
    try:
        yield
    finally:
        _CURRENT.reset(token)


async def once(key: str, send: Callable[[], Awaitable[object]]) -> bool:
    """Send unless the current update already did; False when skipped.

    Outside the handling of an update (a job, a test, the web point) it just sends.
    """
    current = _CURRENT.get()
    if current is None:
        await send()
        return True
    if await current.journal.delivered(current.inbox_id, key):
        return False
    await send()
    await current.journal.record_delivery(current.inbox_id, key)
    return True


async def once_in_order(prefix: str, send: Callable[[], Awaitable[object]]) -> bool:
    """`once` with the key `prefix:N`, N counting this update's sends of that kind in the
    order they happen (the same order when the update is handled again)."""
    current = _CURRENT.get()
    return await once(current.next_key(prefix) if current else prefix, send)


def update_key(key: str | None, kind: str) -> str | None:
    """A name for a row the current update adds, the same when it is handled again:
    `<inbox id>:<key>`, or `<inbox id>:<kind>:N` counting this update's rows of that kind.
    None outside the handling of an update (nothing to recognise later)."""
    current = _CURRENT.get()
    if current is None:
        return None
    return f"{current.inbox_id}:{key if key is not None else current.next_key(kind)}"
