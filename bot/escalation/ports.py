"""What escalation needs from the workers' side, as a Protocol (Telegram forum today)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.people import Person
from bot.domain.tickets import Ticket


@dataclass(frozen=True)
class TicketBrief:
    """What the workers see first: never a name or phone number."""

    pseudonym: str
    language: str
    recent_topics: tuple[str, ...]
    about: str | None
    urgent: bool
    source: str
    reannounced: bool = False


class WorkerDesk(Protocol):
    async def announce(self, ticket: Ticket, person: Person, brief: TicketBrief) -> None:
        """Post the ticket in the person's thread (creating the thread when needed)."""

    async def relay_from_person(self, ticket: Ticket, person: Person, message_ref: str) -> None:
        """Copy one message of the person into their thread."""

    async def notify(self, ticket: Ticket | None, person: Person, text: str) -> None:
        """An information line for the workers in the person's thread."""

    async def forget(self, person: Person, thread: str, group: str | None = None) -> None:
        """The person asked to be forgotten: remove their thread and what it holds (the
        thread id is given: by then the person's rows are gone). `group` is the thread's
        workers' group when there are several (only given then)."""
