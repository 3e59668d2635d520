"""What the engine needs from storage, as Protocols: SQLite today, PostgreSQL later."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.conversation.person import Person, PersonRef
from bot.escalation.tickets import Ticket, TicketSource
from bot.followup.outbox import OutboxItem, Participant


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


class FollowupStore(Protocol):
    """Enrolment tokens, participants, the outbox and check-in answers."""

    async def add_token(self, token_hash: str, programme_end: str, worker: str | None,
                        office: str | None, at: datetime, expires: datetime) -> None: ...

    async def use_token(self, token_hash: str, at: datetime) -> tuple[str, str | None,
                                                                       str | None] | None: ...

    async def save_participant(self, participant: Participant) -> None: ...

    async def participant(self, person_id: int) -> Participant | None: ...

    async def schedule(self, person_id: int, kind: str, key: str, due: datetime) -> None: ...

    async def cancel_pending(self, person_id: int, kind: str | None = None) -> int: ...

    async def claim_due(self, now: datetime, claim: str, limit: int) -> list[OutboxItem]: ...

    async def release_claims(self, older_than: datetime) -> int: ...

    async def mark_sent(self, item_id: int, at: datetime) -> None: ...

    async def postpone(self, item_id: int, due: datetime, failed_attempt: bool) -> None: ...

    async def mark_failed(self, item_id: int) -> None: ...

    async def outbox_item(self, item_id: int) -> OutboxItem | None: ...

    async def pending_items(self, person_id: int) -> list[OutboxItem]: ...

    async def record_answer(self, person_id: int, checkin: str, question: str, answer: str,
                            at: datetime) -> None: ...


class Storage(PersonStore, ActivityStore, MediaCache, TicketStore, FollowupStore, Protocol):
    """Everything at once: what bootstrap hands to the engine and the channels."""

    async def close(self) -> None: ...
