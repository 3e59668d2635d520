"""The ticket lifecycle: bot → waiting for a person → with a person → closed → bot.

Every state change is written to the database before anything is sent, so a restart at
any point resumes where it was. Each worker action is one unit of work of targeted,
state-guarded updates (a Close is never undone by a copy read earlier), and what goes to
the workers' desk is sent only after the commit, outside the database lock. Worker
actions arrive already authenticated by the channel (membership of the workers' group);
this service checks the ticket itself.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.application.deliveries import once
from bot.application.metrics import NO_METRICS, Metrics
from bot.clock import Clock
from bot.domain.errors import TicketError
from bot.domain.people import Person
from bot.domain.tickets import Ticket, TicketSource, TicketStatus, pseudonym
from bot.escalation.office_hours import OfficeHours
from bot.escalation.ports import TicketBrief, WorkerDesk
from bot.i18n.catalogs import noop as _noop
from bot.storage.ports import Storage

log = logging.getLogger(__name__)


def _digest(reference: str) -> str:
    """A journal key never holds what a channel uses as a reference (the web's is text)."""
    return hashlib.sha256(reference.encode("utf-8", "replace")).hexdigest()[:16]


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


class EscalationService:
    def __init__(
        self, storage: Storage, desk: WorkerDesk, office_hours: OfficeHours, clock: Clock,
        settings: EscalationSettings | None = None,
        gettext: Callable[[str], str] | None = None,
        hours_of: Callable[[Person | None], OfficeHours] | None = None,
    ) -> None:
        self._storage = storage
        self._desk = desk
        self.office_hours = office_hours
        # each person's office has its own hours and closed days (bot.offices)
        self.hours_of: Callable[[Person | None], OfficeHours] = hours_of or (
            lambda _person: self.office_hours)
        self._clock = clock
        self.settings = settings or EscalationSettings()
        self._gettext: Callable[[str], str] = gettext or (lambda text: text)
        self.metrics: Metrics = NO_METRICS

    # -- the newcomer's side ----------------------------------------------------------------

    async def open(self, person: Person, source: TicketSource, urgent: bool,
                   recent_titles: tuple[str, ...]) -> Ticket:
        """Open a ticket (or reuse the open one) and tell the workers at once."""
        now = self._clock.now()
        async with self._storage.unit_of_work():
            ticket = await self._storage.open_ticket_of(person.id)
            if ticket is None:
                ticket = await self._storage.create_ticket(person.id, source, urgent, now)
            await self._storage.ticket_announced(ticket.id, now, urgent)
            ticket = replace(ticket, announced_at=now, urgent=ticket.urgent or urgent)
            brief = self._brief(ticket, person, recent_titles)
            await self._effect(lambda: self._desk.announce(ticket, person, brief),
                               f"announce:{ticket.id}")
        return ticket

    async def answer_about(self, ticket: Ticket, person: Person, about: str | None,
                           message_ref: str | None = None) -> Ticket:
        """The optional answer to "what is it about?" (a topic, or the person's own words)."""
        async with self._storage.unit_of_work():
            await self._storage.set_ticket_about(ticket.id, about)
            ticket = replace(ticket, asking=False, about=about)
            if message_ref is not None:
                await self.relay(ticket, person, message_ref)
            elif about is not None:
                await self._effect(lambda: self._desk.notify(ticket, person, f"📌 {about}"),
                                   f"about:{ticket.id}")
        return ticket

    async def relay(self, ticket: Ticket, person: Person, message_ref: str) -> None:
        await self._effect(lambda: self._desk.relay_from_person(ticket, person, message_ref),
                           f"relay:{ticket.id}:{_digest(message_ref)}")

    async def person_left(self, ticket: Ticket, person: Person) -> Ticket:
        now = self._clock.now()
        async with self._storage.unit_of_work():
            await self._storage.close_ticket(ticket.id, "person", None, now)
            ticket = replace(ticket, status=TicketStatus.CLOSED, closed_at=now,
                             closed_by="person")
            text = self.worker_text(_noop("↩️ The person went back to the menu."))
            await self._effect(lambda: self._desk.notify(ticket, person, text))
        return ticket

    async def make_urgent(self, ticket: Ticket, person: Person, reason: str) -> Ticket:
        async with self._storage.unit_of_work():
            await self._storage.make_ticket_urgent(ticket.id)
            ticket = replace(ticket, urgent=True)
            text = "🆘 " + self.worker_text(_noop("URGENT: {reason}")).format(
                reason=self.worker_text(reason))
            await self._effect(lambda: self._desk.notify(ticket, person, text))
        return ticket

    async def rate(self, ticket_id: int, person: Person, score: int) -> bool:
        """Only the person's own ticket, with a score the buttons offer (True if kept)."""
        ticket = await self._storage.ticket(ticket_id)
        if (ticket is None or ticket.person_id != person.id
                or ticket.status is not TicketStatus.CLOSED or not 1 <= score <= 3):
            return False
        return await self._storage.rate_ticket(ticket_id, score)

    # -- the workers' side -------------------------------------------------------------------

    async def ticket(self, ticket_id: int) -> Ticket | None:
        return await self._storage.ticket(ticket_id)

    async def thread_of(self, ticket: Ticket) -> str | None:
        return await self._storage.thread_of(ticket.person_id)

    async def thread_and_group(self, ticket: Ticket) -> tuple[str, str | None] | None:
        """The ticket's person's thread and its workers' group (None: the single one)."""
        return await self._storage.thread_group(ticket.person_id)

    async def person(self, person_id: int) -> Person | None:
        return await self._storage.person_by_id(person_id)

    async def for_thread(self, thread_id: str, group: str | None = None,
                         default_group: str | None = None,
                         ) -> tuple[Ticket | None, Person | None]:
        """The person whose thread this is (in `group`: topic ids repeat across groups),
        and their open ticket (if any)."""
        person_id = await self._storage.person_of_thread(thread_id, group, default_group)
        if person_id is None:
            return None, None
        person = await self._storage.person_by_id(person_id)
        ticket = await self._storage.open_ticket_of(person_id)
        return ticket, person

    async def claim(self, ticket_id: int, worker: str) -> tuple[Ticket, Person]:
        async with self._storage.unit_of_work():
            ticket, person = await self._open(ticket_id)
            now = self._clock.now()
            if not await self._storage.claim_ticket(ticket_id, worker, now):
                raise TicketError(f"ticket {ticket_id} is no longer open")
        if ticket.claimed_at is None:
            self.metrics.ticket_waited((now - ticket.created_at).total_seconds())
        return replace(ticket, status=TicketStatus.CLAIMED, worker=worker,
                       claimed_at=ticket.claimed_at or now), person

    async def close(self, ticket_id: int, worker: str) -> tuple[Ticket, Person]:
        async with self._storage.unit_of_work():
            ticket, person = await self._open(ticket_id)
            now = self._clock.now()
            if not await self._storage.close_ticket(ticket_id, "worker", worker, now):
                raise TicketError(f"ticket {ticket_id} is already closed")
        return replace(ticket, status=TicketStatus.CLOSED, closed_at=now, closed_by="worker",
                       worker=ticket.worker or worker), person

    async def worker_wrote(self, ticket_id: int, worker: str) -> tuple[Ticket, Person]:
        """A worker answered in the thread: they own the conversation from now on."""
        async with self._storage.unit_of_work():
            ticket, person = await self._open(ticket_id)
            if ticket.status is TicketStatus.OPEN:
                ticket, person = await self.claim(ticket_id, worker)
        return ticket, person

    async def mark_blocked(self, ticket: Ticket, person: Person) -> None:
        async with self._storage.unit_of_work():
            await self._storage.mark_ticket_blocked(ticket.id)
            text = "⛔ " + self.worker_text(
                _noop("This person has blocked the bot: messages cannot reach them."))
            await self._effect(lambda: self._desk.notify(ticket, person, text))

    async def forget(self, person: Person) -> None:
        """Before a person's data is deleted: their workers' thread goes too.

        The thread id is read now (the row is about to go) and the topic deleted after
        the commit; if the process dies in between, the topic stays and is listed in the log.
        """
        where = await self._storage.thread_group(person.id)
        if where is not None:
            thread, group = where
            if group is None:
                await self._effect(lambda: self._desk.forget(person, thread))
            else:  # in one office's group among several
                await self._effect(lambda: self._desk.forget(person, thread, group=group))

    async def tell_workers(self, person: Person, text: str) -> None:
        """A line in the person's thread, outside any ticket (e.g. appointment answers)."""
        await self._effect(lambda: self._desk.notify(None, person, text))

    def signature(self, worker_first_name: str) -> str:
        if self.settings.signature == "role":
            return self.settings.role_label
        return worker_first_name

    # -- waiting ---------------------------------------------------------------------------

    async def waiting_too_long(self) -> list[tuple[Ticket, Person, str]]:
        """Tickets to re-announce ('workers') or whose person to reassure ('person').

        Only time within the person's office hours counts, so nothing is re-announced at
        night or on the office's closed days.
        """
        now = self._clock.now()
        due: list[tuple[Ticket, Person, str]] = []
        for ticket in await self._storage.open_tickets():
            if ticket.status is not TicketStatus.OPEN or ticket.person_blocked:
                continue
            async with self._storage.unit_of_work():  # one ticket at a time, state-guarded
                due.extend(await self._check_waiting(ticket, now))
        return due

    async def _check_waiting(self, ticket: Ticket,
                             now: datetime) -> list[tuple[Ticket, Person, str]]:
        person = await self._storage.person_by_id(ticket.person_id)
        hours = self.hours_of(person)
        if person is None or not hours.is_open(now):
            return []
        due: list[tuple[Ticket, Person, str]] = []
        since = max(ticket.announced_at or ticket.created_at,
                    hours.next_opening(ticket.created_at))
        if (now - since >= self.settings.reannounce_after
                and await self._storage.ticket_announced(ticket.id, now, False)):
            ticket = replace(ticket, announced_at=now)
            recent = await self._storage.recent_views(person.id)
            brief = replace(self._brief(ticket, person, tuple(recent)), reannounced=True)
            announced = ticket
            await self._effect(lambda: self._desk.announce(announced, person, brief))  # a job
            due.append((ticket, person, "workers"))
        told = ticket.person_told_at or hours.next_opening(ticket.created_at)
        if (now - told >= self.settings.tell_person_after
                and await self._storage.ticket_person_told(ticket.id, now)):
            ticket = replace(ticket, person_told_at=now)
            due.append((ticket, person, "person"))
        return due

    def expected_answer(self, person: Person | None = None) -> datetime | None:
        """None while the person's office is open; else when a worker will next be in."""
        now = self._clock.now()
        hours = self.hours_of(person)
        return None if hours.is_open(now) else hours.next_opening(now)

    # -- helpers ---------------------------------------------------------------------------

    async def _open(self, ticket_id: int) -> tuple[Ticket, Person]:
        ticket = await self._storage.ticket(ticket_id)
        if ticket is None or not ticket.is_open:
            raise TicketError(f"ticket {ticket_id} is not open")
        person = await self._storage.person_by_id(ticket.person_id)
        if person is None:
            raise TicketError(f"ticket {ticket_id} has no person")
        return ticket, person

    async def _effect(self, send: Callable[[], Awaitable[None]], key: str | None = None) -> None:
        """A call to the workers' desk: after the commit when inside a unit of work; with a
        `key`, at most once for the update being handled (bot.application.deliveries).
        A queued desk (bot.application.workers_queue) writes its row now, in the unit of
        work, named by `key` so handling the update again adds none."""
        enqueue_under = getattr(self._desk, "enqueue_under", None)
        if enqueue_under is not None:
            await enqueue_under(key, send)
            return

        async def call() -> None:
            if key is None:
                await send()
            else:
                await once(key, send)

        if not self._storage.after_commit(call):
            await call()

    def worker_text(self, text: str) -> str:
        """A text for the workers, in the workers' language."""
        return self._gettext(text)

    def _brief(self, ticket: Ticket, person: Person, recent: tuple[str, ...]) -> TicketBrief:
        return TicketBrief(
            pseudonym=pseudonym(person.id), language=person.language or "?",
            recent_topics=recent, about=ticket.about, urgent=ticket.urgent,
            source=ticket.source.value)
