"""What the engine needs from storage, as Protocols: SQLite today, PostgreSQL later."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from bot.domain.followup import Appointment, OutboxItem, Participant
from bot.domain.inbox import InboxItem
from bot.domain.people import Person, PersonRef
from bot.domain.privacy import StoredData
from bot.domain.tickets import Ticket, TicketSource


class PersonStore(Protocol):
    async def person(self, ref: PersonRef, now: datetime) -> Person:
        """The stored person for `ref`, created on first contact."""

    async def save_person(self, person: Person) -> None: ...

    async def forget_person(self, person_id: int) -> None:
        """Delete the person and everything linked to them (delete-my-data)."""

    async def person_data(self, person_id: int) -> StoredData:
        """Everything stored about the person, table by table (/mydata)."""

    async def purge_before(self, cutoff: datetime) -> dict[str, int]:
        """Retention: delete interaction data older than `cutoff` (rows per table)."""

    async def pseudonymise_closed_tickets(self, cutoff: datetime) -> int:
        """Retention: closed tickets older than `cutoff` keep only countable facts, with no
        link to the person (ticket_history); returns how many."""

    async def note_first_contact(self, person_id: int, now: datetime) -> bool:
        """True the first time only: the person is told what Passerelle keeps, once."""


class ActivityStore(Protocol):
    async def record_view(self, person_id: int, topic_id: str, lang: str, at: datetime) -> None: ...

    async def record_feedback(
        self, person_id: int, topic_id: str, lang: str, helpful: bool, at: datetime
    ) -> None: ...

    async def recent_views(self, person_id: int, limit: int = 5) -> list[str]: ...

    async def has_viewed(self, person_id: int, topic_id: str) -> bool:
        """Whether this person was shown this answer (feedback is refused otherwise)."""

    async def offer_language_once(self, person_id: int, language: str, at: datetime) -> bool:
        """True the first time the switch to `language` is offered to this person; False
        after that (an offer not taken is a no, and is not made again)."""


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

    # Targeted changes, each guarded by the state it expects (True when it applied):
    async def ticket_announced(self, ticket_id: int, at: datetime, urgent: bool) -> bool: ...

    async def make_ticket_urgent(self, ticket_id: int) -> bool: ...

    async def set_ticket_about(self, ticket_id: int, about: str | None) -> bool: ...

    async def claim_ticket(self, ticket_id: int, worker: str, at: datetime) -> bool: ...

    async def close_ticket(self, ticket_id: int, by: str, worker: str | None,
                           at: datetime) -> bool: ...

    async def mark_ticket_blocked(self, ticket_id: int) -> bool: ...

    async def rate_ticket(self, ticket_id: int, score: int) -> bool: ...

    async def ticket_person_told(self, ticket_id: int, at: datetime) -> bool: ...

    async def open_tickets(self) -> list[Ticket]: ...

    async def thread_of(self, person_id: int) -> str | None: ...

    async def remember_thread(self, person_id: int, thread_id: str, at: datetime,
                              group: str | None = None) -> None: ...

    async def person_of_thread(self, thread_id: str, group: str | None = None,
                               default_group: str | None = None) -> int | None:
        """Whose thread `thread_id` of workers' group `group` is (a thread without a group
        is in `default_group`); without `group`, any group's."""

    async def thread_group(self, person_id: int) -> tuple[str, str | None] | None:
        """The person's thread and the workers' group it is in (None: the single one)."""

    async def threads_per_group(self, groups: list[str]) -> dict[str, int]:
        """How many people each of `groups` holds (to give a new person the least busy)."""

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

    async def stop_participant(self, person_id: int) -> None: ...

    async def schedule(self, person_id: int, kind: str, key: str, due: datetime,
                       payload: dict[str, object] | None = None) -> None: ...

    async def cancel_pending(self, person_id: int, kind: str | None = None) -> int: ...

    async def cancel_keys(self, person_id: int, kind: str, key_prefix: str) -> int: ...

    async def claim_next(self, now: datetime, claim: str, lease_until: datetime,
                         busy_people: tuple[int, ...] = (),
                         channels: tuple[str, ...] = ("telegram",)) -> OutboxItem | None: ...

    async def next_due_at(self, channels: tuple[str, ...] = ("telegram",)) -> datetime | None: ...

    async def release_expired(self, now: datetime) -> int: ...

    async def release_claim(self, claim: str) -> int: ...

    async def record_part(self, item_id: int, claim: str, parts_done: int) -> bool: ...

    async def mark_sent(self, item_id: int, at: datetime) -> None: ...

    async def postpone(self, item_id: int, due: datetime, failed_attempt: bool) -> None: ...

    async def mark_failed(self, item_id: int) -> None: ...

    async def outbox_item(self, item_id: int) -> OutboxItem | None: ...

    async def pending_items(self, person_id: int) -> list[OutboxItem]: ...

    async def record_answer(self, person_id: int, checkin: str, question: str, answer: str,
                            at: datetime) -> None: ...

    async def answers_since(self, since: datetime) -> list[tuple[int, str, str, str, str]]: ...

    async def add_appointment(self, person_id: int, starts_at: datetime, place: str,
                              worker: str | None, at: datetime) -> Appointment: ...

    async def appointment(self, appointment_id: int) -> Appointment | None: ...

    async def same_appointment(self, person_id: int, starts_at: datetime,
                               place: str) -> Appointment | None: ...

    async def answer_appointment(self, appointment_id: int, answer: str) -> None: ...

    async def followup_overview(self, now: datetime) -> list[tuple[int, str | None, int,
                                                                    str]]: ...


class InboxStore(Protocol):
    """Updates made durable before the channel acknowledges them, handled from here."""

    async def receive(self, channel: str, updates: list[tuple[int, str, str]],
                      at: datetime) -> int: ...

    async def last_received(self, channel: str) -> int | None: ...

    async def waiting_updates(self, channel: str, limit: int = 500) -> list[InboxItem]: ...

    async def update_attempted(self, inbox_id: int) -> bool:
        """Count one more try; False if the update was handled meanwhile (elsewhere)."""

    async def update_handled(self, inbox_id: int, at: datetime) -> bool: ...

    async def prune_inbox(self, channel: str, handled_before: datetime) -> int: ...

    async def delivered(self, inbox_id: int, key: str) -> bool: ...

    async def record_delivery(self, inbox_id: int, key: str) -> None: ...


class LeaseStore(Protocol):
    """Named, expiring leases: which process does a piece of shared work right now."""

    async def take_lease(self, name: str, owner: str, now: datetime,
                         until: datetime) -> bool: ...

    async def release_lease(self, name: str, owner: str) -> None: ...

    async def release_leases(self, owner: str) -> int: ...


class UnitOfWork(Protocol):
    """A use case's statements commit together or not at all; effects wait for the commit."""

    def unit_of_work(self) -> AbstractAsyncContextManager[None]: ...

    def after_commit(self, effect: Callable[[], Awaitable[None]]) -> bool: ...

    @property
    def in_unit_of_work(self) -> bool: ...


class Storage(PersonStore, ActivityStore, MediaCache, TicketStore, FollowupStore, InboxStore,
              LeaseStore,
              UnitOfWork, Protocol):
    """Everything at once: what bootstrap hands to the engine and the channels."""

    async def close(self) -> None: ...
