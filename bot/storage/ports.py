"""What the engine needs from storage, as Protocols: SQLite today, PostgreSQL later."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.conversation.person import Person, PersonRef
from bot.escalation.tickets import Ticket, TicketSource


class PersonStore(Protocol):
    async def person(self, ref: PersonRef, now: datetime) -> Person:
        """The stored person for `ref`, created on first contact."""

    async def save_person(self, person: Person) -> None: ...

    async def forget_person(self, person_id: int) -> None:
        """Delete the person and everything linked to them (delete-my-data)."""


class ActivityStore(Protocol):
    async def record_view(self, person_id: int, topic_id: str, lang: str, at: datetime) -> None: ...

    async def record_feedback(
        self, person_id: int, topic_id: str, lang: str, helpful: bool, at: datetime
    ) -> None: ...

    async def recent_views(self, person_id: int, limit: int = 5) -> list[str]: ...


class MediaCache(Protocol):
    """Channel-side ids of uploaded images (Telegram file_id), to upload each once."""

    async def remote_id(self, channel: str, asset: str, fingerprint: str) -> str | None: ...

    async def remember_remote_id(
        self, channel: str, asset: str, fingerprint: str, remote_id: str
    ) -> None: ...

    async def forget_remote_id(self, channel: str, asset: str) -> None: ...


class TicketStore(Protocol):
    """Tickets, the workers' thread of each person, and links between relayed messages."""

    async def create_ticket(
        self, person_id: int, source: TicketSource, urgent: bool, at: datetime
    ) -> Ticket: ...

    async def open_ticket_of(self, person_id: int) -> Ticket | None: ...

    async def ticket(self, ticket_id: int) -> Ticket | None: ...

    async def save_ticket(self, ticket: Ticket) -> None: ...

    async def open_tickets(self) -> list[Ticket]: ...

    async def thread_of(self, person_id: int) -> str | None: ...

    async def remember_thread(self, person_id: int, thread_id: str, at: datetime) -> None: ...

    async def person_of_thread(self, thread_id: str) -> int | None: ...

    async def link_relay(self, ticket_id: int, direction: str, source: str, copy: str,
                         at: datetime) -> None: ...

    async def person_by_id(self, person_id: int) -> Person | None: ...


class Storage(PersonStore, ActivityStore, MediaCache, TicketStore, Protocol):
    """Everything at once: what bootstrap hands to the engine and the channels."""

    async def close(self) -> None: ...
