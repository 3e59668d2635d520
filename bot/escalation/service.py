"""The ticket lifecycle: bot → waiting for a person → with a person → closed → bot.

Every state change is written to the database before anything is sent, so a restart at
any point resumes where it was. Worker actions arrive already authenticated by the
channel (membership of the workers' group); this service checks the ticket itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.conversation.person import Mode, Person
from bot.escalation.office_hours import OfficeHours
from bot.escalation.ports import TicketBrief, WorkerDesk
from bot.escalation.tickets import Ticket, TicketSource, TicketStatus, pseudonym
from bot.storage.ports import Storage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EscalationSettings:
    reannounce_after: timedelta = timedelta(minutes=30)
    tell_person_after: timedelta = timedelta(minutes=60)
    signature: str = "first_name"  # or "role": sign with `role_label` instead of a name
    role_label: str = "Social worker"
    workers_language: str = "fr"

    @classmethod
    def from_config(cls, config: dict[str, object] | None) -> EscalationSettings:
        config = config or {}
        return cls(
            reannounce_after=timedelta(minutes=float(str(config.get("reannounce_minutes", 30)))),
            tell_person_after=timedelta(minutes=float(str(config.get("tell_person_minutes", 60)))),
            signature=str(config.get("signature", "first_name")),
            role_label=str(config.get("role_label", "Social worker")),
            workers_language=str(config.get("workers_language", "fr")),
        )


class TicketError(Exception):
    """A worker action on a ticket that does not allow it (closed, unknown)."""


class EscalationService:
    def __init__(
        self, storage: Storage, desk: WorkerDesk, office_hours: OfficeHours, clock: Clock,
        settings: EscalationSettings | None = None,
    ) -> None:
        self._storage = storage
        self._desk = desk
        self.office_hours = office_hours
        self._clock = clock
        self.settings = settings or EscalationSettings()

    # -- the newcomer's side ----------------------------------------------------------------

    async def open(self, person: Person, source: TicketSource, urgent: bool,
                   recent_titles: tuple[str, ...]) -> Ticket:
        """Open a ticket (or reuse the open one) and tell the workers at once."""
        now = self._clock.now()
        ticket = await self._storage.open_ticket_of(person.id)
        if ticket is None:
            ticket = await self._storage.create_ticket(person.id, source, urgent, now)
        elif urgent and not ticket.urgent:
            ticket = replace(ticket, urgent=True)
        ticket = replace(ticket, announced_at=now)
        await self._storage.save_ticket(ticket)
        await self._set_mode(person, Mode.WAITING_FOR_PERSON
                             if ticket.status is TicketStatus.OPEN else Mode.WITH_PERSON)
        await self._desk.announce(ticket, person, self._brief(ticket, person, recent_titles))
        return ticket

    async def answer_about(self, ticket: Ticket, person: Person, about: str | None,
                           message_ref: str | None = None) -> Ticket:
        """The optional answer to "what is it about?" (a topic, or the person's own words)."""
        ticket = replace(ticket, asking=False, about=about)
        await self._storage.save_ticket(ticket)
        if message_ref is not None:
            await self.relay(ticket, person, message_ref)
        elif about is not None:
            await self._desk.notify(ticket, person, f"📌 {about}")
        return ticket

    async def relay(self, ticket: Ticket, person: Person, message_ref: str) -> None:
        await self._desk.relay_from_person(ticket, person, message_ref)

    async def person_left(self, ticket: Ticket, person: Person) -> Ticket:
        ticket = replace(ticket, status=TicketStatus.CLOSED, closed_at=self._clock.now(),
                         closed_by="person")
        await self._storage.save_ticket(ticket)
        await self._set_mode(person, Mode.BOT)
        await self._desk.notify(ticket, person, "↩️ The person went back to the menu.")
        return ticket

    async def make_urgent(self, ticket: Ticket, person: Person, reason: str) -> Ticket:
        ticket = replace(ticket, urgent=True)
        await self._storage.save_ticket(ticket)
        await self._desk.notify(ticket, person, f"🆘 URGENT: {reason}")
        return ticket

    async def rate(self, ticket_id: int, person: Person, score: int) -> None:
        ticket = await self._storage.ticket(ticket_id)
        if ticket is None or ticket.person_id != person.id or not 1 <= score <= 3:
            return
        await self._storage.save_ticket(replace(ticket, satisfaction=score))

    # -- the workers' side -------------------------------------------------------------------

    async def ticket(self, ticket_id: int) -> Ticket | None:
        return await self._storage.ticket(ticket_id)

    async def thread_of(self, ticket: Ticket) -> str | None:
        return await self._storage.thread_of(ticket.person_id)

    async def for_thread(self, thread_id: str) -> tuple[Ticket | None, Person | None]:
        """The person whose thread this is, and their open ticket (if any)."""
        person_id = await self._storage.person_of_thread(thread_id)
        if person_id is None:
            return None, None
        person = await self._storage.person_by_id(person_id)
        ticket = await self._storage.open_ticket_of(person_id)
        return ticket, person

    async def claim(self, ticket_id: int, worker: str) -> tuple[Ticket, Person]:
        ticket, person = await self._open(ticket_id)
        ticket = replace(ticket, status=TicketStatus.CLAIMED, worker=worker,
                         claimed_at=ticket.claimed_at or self._clock.now())
        await self._storage.save_ticket(ticket)
        await self._set_mode(person, Mode.WITH_PERSON)
        return ticket, person

    async def close(self, ticket_id: int, worker: str) -> tuple[Ticket, Person]:
        ticket, person = await self._open(ticket_id)
        ticket = replace(ticket, status=TicketStatus.CLOSED, closed_at=self._clock.now(),
                         closed_by="worker", worker=ticket.worker or worker)
        await self._storage.save_ticket(ticket)
        await self._set_mode(person, Mode.BOT)
        return ticket, person

    async def worker_wrote(self, ticket_id: int, worker: str) -> tuple[Ticket, Person]:
        """A worker answered in the thread: they own the conversation from now on."""
        ticket, person = await self._open(ticket_id)
        if ticket.status is TicketStatus.OPEN:
            ticket, person = await self.claim(ticket_id, worker)
        return ticket, person

    async def mark_blocked(self, ticket: Ticket, person: Person) -> None:
        await self._storage.save_ticket(replace(ticket, person_blocked=True))
        await self._desk.notify(ticket, person, "⛔ This person has blocked the bot: "
                                "messages cannot reach them.")

    async def forget(self, person: Person) -> None:
        """Before a person's data is deleted: their workers' thread goes too."""
        if await self._storage.thread_of(person.id) is not None:
            await self._desk.forget(person)

    async def tell_workers(self, person: Person, text: str) -> None:
        """A line in the person's thread, outside any ticket (e.g. appointment answers)."""
        await self._desk.notify(None, person, text)

    def signature(self, worker_first_name: str) -> str:
        if self.settings.signature == "role":
            return self.settings.role_label
        return worker_first_name

    # -- waiting ---------------------------------------------------------------------------

    async def waiting_too_long(self) -> list[tuple[Ticket, Person, str]]:
        """Tickets to re-announce ('workers') or whose person to reassure ('person').

        Only time within office hours counts, so nothing is re-announced at night.
        """
        now = self._clock.now()
        if not self.office_hours.is_open(now):
            return []
        due: list[tuple[Ticket, Person, str]] = []
        for ticket in await self._storage.open_tickets():
            if ticket.status is not TicketStatus.OPEN or ticket.person_blocked:
                continue
            person = await self._storage.person_by_id(ticket.person_id)
            if person is None:
                continue
            since = max(ticket.announced_at or ticket.created_at,
                        self.office_hours.next_opening(ticket.created_at))
            if now - since >= self.settings.reannounce_after:
                ticket = replace(ticket, announced_at=now)
                await self._storage.save_ticket(ticket)
                recent = await self._storage.recent_views(person.id)
                await self._desk.announce(ticket, person, replace(
                    self._brief(ticket, person, tuple(recent)), reannounced=True))
                due.append((ticket, person, "workers"))
            told = ticket.person_told_at or self.office_hours.next_opening(ticket.created_at)
            if now - told >= self.settings.tell_person_after:
                ticket = replace(ticket, person_told_at=now)
                await self._storage.save_ticket(ticket)
                due.append((ticket, person, "person"))
        return due

    def expected_answer(self) -> datetime | None:
        """None while the office is open; else when a worker will next be in."""
        now = self._clock.now()
        return None if self.office_hours.is_open(now) else self.office_hours.next_opening(now)

    # -- helpers ---------------------------------------------------------------------------

    async def _open(self, ticket_id: int) -> tuple[Ticket, Person]:
        ticket = await self._storage.ticket(ticket_id)
        if ticket is None or not ticket.is_open:
            raise TicketError(f"ticket {ticket_id} is not open")
        person = await self._storage.person_by_id(ticket.person_id)
        if person is None:
            raise TicketError(f"ticket {ticket_id} has no person")
        return ticket, person

    async def _set_mode(self, person: Person, mode: Mode) -> None:
        current = await self._storage.person_by_id(person.id)
        if current is not None and current.mode is not mode:
            await self._storage.save_person(replace(current, mode=mode))

    def _brief(self, ticket: Ticket, person: Person, recent: tuple[str, ...]) -> TicketBrief:
        return TicketBrief(
            pseudonym=pseudonym(person.id), language=person.language or "?",
            recent_topics=recent, about=ticket.about, urgent=ticket.urgent,
            source=ticket.source.value)
