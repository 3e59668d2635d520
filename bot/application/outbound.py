"""The one way out: a reply to a person, routed by the channel they came through.

Each channel registers one `Outbound`; the application never calls a platform directly,
so a person who wrote from the terminal (or, later, the web) gets their check-ins,
reminders and "still waiting" messages there, and never crashes a Telegram-only path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.domain.errors import NoRoute, PersonUnreachable, RetryLater
from bot.domain.messages import Reply
from bot.domain.people import Person

Progress = Callable[[int], Awaitable[None]]


class Outbound(Protocol):
    """One channel's way to send a reply to one of its people."""

    async def send(self, person: Person, reply: Reply, *, skip_parts: int = 0,
                   progress: Progress | None = None) -> None:
        """Send `reply`; a reply of several calls (text, then a file) reports each part
        accepted through `progress(n)` and skips the first `skip_parts` (already sent)."""


class Router:
    """Picks the Outbound of the person's channel."""

    def __init__(self) -> None:
        self._routes: dict[str, Outbound] = {}

    def register(self, channel: str, outbound: Outbound) -> None:
        self._routes[channel] = outbound

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self._routes)

    def can_reach(self, person: Person) -> bool:
        return person.ref.channel in self._routes

    async def send(self, person: Person, reply: Reply, *, skip_parts: int = 0,
                   progress: Progress | None = None) -> None:
        outbound = self._routes.get(person.ref.channel)
        if outbound is None:
            raise NoRoute(person.ref.channel)
        await outbound.send(person, reply, skip_parts=skip_parts, progress=progress)

__all__ = ["NoRoute", "Outbound", "PersonUnreachable", "Progress", "RetryLater", "Router"]
