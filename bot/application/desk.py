"""The workers' desk: what a social worker's message, command or button means.

Channel-agnostic, like the newcomer engine: the channel hands in a `WorkerEvent` (already
authenticated: the worker is a member of the workers' group) and carries out the
`DeskAction`s that come back. Everything that reaches a newcomer goes through the
`Router`, by the newcomer's own channel, so a person on the web (or in a terminal) gets
their worker's answers, templates and appointment messages the same way.

Texts for the workers come from the catalogs in the workers' language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import partial

from bot.application.deliveries import once_in_order
from bot.application.outbound import NoRoute, PersonUnreachable, Router
from bot.conversation.engine import Engine
from bot.domain.actions import number
from bot.domain.errors import TicketError
from bot.domain.messages import Reply
from bot.domain.people import Person
from bot.domain.text import scrub
from bot.domain.tickets import Ticket, pseudonym
from bot.escalation.service import EscalationService
from bot.followup.appointments import parse_appointment
from bot.followup.service import FollowupService
from bot.i18n.catalogs import noop as _noop
from bot.i18n.locale import format_moment
from bot.offices.directory import OfficeDirectory

log = logging.getLogger(__name__)
COMMANDS = ("close", "note", "template", "lang", "urgent", "appointment", "checkins",
            "enddate", "enrol", "enroll", "followups")


class ActionKind(StrEnum):
    SAY = "say"  # post `text` back where the worker wrote
    RELAY = "relay"  # copy the worker's own message to `person`, signed `signature`
    ENROL_LINK = "enrol-link"  # show a one-time link (and its QR code) for `token`
    STATUS = "status"  # a short status line in the person's thread (e.g. "✋ Marie")


@dataclass(frozen=True)
class DeskAction:
    kind: ActionKind
    text: str = ""
    person: Person | None = None
    ticket: Ticket | None = None
    signature: str = ""
    token: str = ""


@dataclass(frozen=True)
class WorkerEvent:
    """One thing a worker did in the workers' space (a message, a command)."""

    worker: str  # the first name the platform gives (signature may be a role instead)
    thread: str | None  # the newcomer's thread, None outside any (the general topic)
    text: str  # the message, or the command line with its arguments ("/close")
    message_ref: str | None = None  # the platform's id of the worker's message
    group: str | None = None  # the workers' group it came from (None: the only one)


def parse_command(text: str) -> tuple[str, str] | None:
    """`/Close@PasserelleBot  now` → ("close", "now"); None when it is not a command."""
    if not text.startswith("/"):
        return None
    head, _sep, argument = text[1:].partition(" ")
    return head.split("@")[0].lower(), argument.strip()


class WorkersDesk:
    def __init__(self, engine: Engine, escalation: EscalationService,
                 followup: FollowupService | None, router: Router,
                 offices: OfficeDirectory | None = None) -> None:
        self._offices = offices  # None: one office, one group (no office to check)
        self._engine = engine
        self._escalation = escalation
        self._followup = followup
        self._router = router
        self._ = engine.worker_gettext()
        self._language = escalation.settings.workers_language

    # -- messages and commands -----------------------------------------------------------

    async def handle(self, event: WorkerEvent) -> list[DeskAction]:
        command = parse_command(event.text)
        if command is not None and command[0] in {"enrol", "enroll"}:
            return await self._enrol(event, command[1])
        if command is not None and command[0] == "followups":
            return await self._followups(event.group)
        if event.thread is None:
            return []
        ticket, person = await self._escalation.for_thread(event.thread, event.group,
                                                           self._default_group())
        if person is None:
            return []
        if not self._serves(event.group, person):
            log.warning("a worker's message about a person of another office refused")
            return [self._say(_noop("This person belongs to another office: not allowed."))]
        if command is not None:
            return await self._command(event, command[0], command[1], ticket, person)
        if ticket is None:
            return [self._say(_noop("This person has no open request: the message was not "
                                    "sent."))]
        name = self._escalation.signature(event.worker)
        ticket, person = await self._escalation.worker_wrote(ticket.id, name)
        return [DeskAction(ActionKind.RELAY, person=person, ticket=ticket, signature=name)]

    async def _command(self, event: WorkerEvent, command: str, argument: str,
                       ticket: Ticket | None, person: Person) -> list[DeskAction]:
        language = self._person_language(person)
        if command == "note":
            return [DeskAction(ActionKind.SAY, "📝 " + self._(
                "Note kept for the workers; not sent."))]
        if command == "lang":
            return [DeskAction(ActionKind.SAY, f"🌐 {language}")]
        if command == "appointment":
            return await self._appointment(event, argument, person)
        if command in {"checkins", "enddate"}:
            return await self._plan(command, argument, person)
        if ticket is None:
            return [self._say(_noop("This person has no open request."))]
        if command == "close":
            return await self.close(ticket.id, event.worker)
        if command == "urgent":
            await self._escalation.make_urgent(ticket, person, _noop("marked by a worker"))
            return []
        if command == "template":
            reply = self._engine.template(argument, language, person)
            if reply is None:
                return [self._say(_noop("Unknown template. Use a topic id, for example "
                                        "/template rental-deposit"))]
            await self.send_to_person(ticket, person, [reply])
            return [DeskAction(ActionKind.SAY, "✓ " + self._(
                "Template sent in the person's language."))]
        return [self._say(_noop("Commands: /close, /note, /template NAME, /lang, /urgent, "
                                "/appointment, /checkins, /enddate."))]

    async def _plan(self, command: str, argument: str, person: Person) -> list[DeskAction]:
        """`/checkins` shows the person's plan; `/enddate YYYY-MM-DD` moves the end date."""
        if self._followup is None:
            return []
        if command == "enddate":
            try:
                end = date.fromisoformat(argument)
            except ValueError:
                return [self._say(_noop("Write: /enddate YYYY-MM-DD"))]
            await self._followup.change_end(person.id, end)
        pending = await self._followup.pending(person.id)
        if not pending:
            return [DeskAction(ActionKind.SAY, "🗓 " + self._(
                "No check-ins or reminders planned."))]
        lines = [f"{item.key}: {format_moment(item.due_at, self._language)}" for item in pending]
        return [DeskAction(ActionKind.SAY, "🗓 " + "\n".join(lines))]

    async def _appointment(self, event: WorkerEvent, argument: str,
                           person: Person) -> list[DeskAction]:
        """`/appointment 2026-12-03 14:30 place` (or `cancel N`): the outbox does the rest."""
        followup = self._followup
        words = argument.split()
        cancel = number(words[1]) if len(words) == 2 and words[0] == "cancel" else None
        if followup is not None and cancel is not None:
            cancelled = await followup.cancel_appointment(person.id, cancel)
            if cancelled is None:
                return [self._say(_noop("Unknown appointment."))]
            reply = self._engine.appointment_cancelled(cancelled, self._person_language(person))
            await self.send_to_person(None, person, [reply])
            return [DeskAction(ActionKind.SAY, "📅 " + self._(
                "Appointment cancelled; the person is told."))]
        parsed = parse_appointment(argument)
        if parsed is None or followup is None:
            return [self._say(_noop("Write: /appointment YYYY-MM-DD HH:MM place"))]
        starts_at, place = parsed
        worker = self._escalation.signature(event.worker)
        appointment, planned = await followup.add_appointment(person.id, starts_at, place,
                                                              worker)
        when = ", ".join(format_moment(due, self._language) for due in planned)
        return [DeskAction(ActionKind.SAY, f"📅 #{appointment.id} " + self._(
            "Appointment saved. Messages planned: {when}").format(when=when))]

    async def _followups(self, group: str | None = None) -> list[DeskAction]:
        """Who is due, overdue, or asked for help (only the people of this group's office)."""
        rows = await self._followup.overview() if self._followup else []
        if self._offices is not None and group is not None:
            rows = [row for row in rows if self._serves(group, await self._person(row[0]))]
        if not rows:
            return [self._say(_noop("No participants are followed up."))]
        overdue_label, answer_label = self._("overdue"), self._("last answer")
        lines = []
        for person_id, due, overdue, answer in rows:
            flag = "🆘 " if answer == "help" else ("⏰ " if overdue else "")
            when = format_moment(due, self._language) if due else "-"
            lines.append(f"{flag}{pseudonym(person_id)} · {when} · {overdue_label}: {overdue}"
                         f" · {answer_label}: {answer or '-'}")
        return [DeskAction(ActionKind.SAY, "\n".join(lines))]

    async def _enrol(self, event: WorkerEvent, argument: str) -> list[DeskAction]:
        """`/enrol YYYY-MM-DD [first name] [office]`: a one-time link for a participant."""
        parts = argument.split(maxsplit=2)
        try:
            end = date.fromisoformat(parts[0])
        except (IndexError, ValueError):
            return [self._say(_noop("Write: /enrol YYYY-MM-DD (the end date of the "
                                    "programme), then optionally your first name and "
                                    "office."))]
        if self._followup is None:
            return []
        worker = parts[1] if len(parts) > 1 else (event.worker or None)
        office = parts[2] if len(parts) > 2 else None
        if self._offices is not None and event.group is not None:  # only their own office
            own = [o.id for o in self._offices.offices_of_group(int(event.group))]
            office = office if office in own else (own[0] if own else office)
        token = await self._followup.create_token(end, worker, office)
        return [DeskAction(ActionKind.ENROL_LINK, token=token)]

    def enrol_caption(self, link: str) -> str:
        return self._("One-time link for the participant (valid 30 days): {link}").format(
            link=link)

    # -- buttons ---------------------------------------------------------------------------

    async def ticket_in_thread(self, raw_id: str, thread: str | None,
                               group: str | None = None) -> Ticket | None:
        """A button's ticket, only if it belongs to the thread (of the group) it was
        pressed in and to that group's office: forged callback data cannot reach another
        person's ticket, nor a worker of one office another office's."""
        ticket_id = number(raw_id)
        if ticket_id is None:
            return None
        ticket = await self._escalation.ticket(ticket_id)
        if ticket is None or thread is None:
            return None
        if group is None:
            return ticket if await self._escalation.thread_of(ticket) == thread else None
        where = await self._escalation.thread_and_group(ticket)
        if where is None or where[0] != thread or (where[1] or self._default_group()) != group:
            return None
        person = await self._person(ticket.person_id)
        return ticket if self._serves(group, person) else None

    # -- offices -----------------------------------------------------------------------------

    def _default_group(self) -> str | None:
        default = self._offices.default_group if self._offices is not None else None
        return None if default is None else str(default)

    def _serves(self, group: str | None, person: Person | None) -> bool:
        """Workers of `group` act only for people of their office."""
        if self._offices is None or group is None:
            return person is not None
        return person is not None and self._offices.serves(int(group), person)

    async def _person(self, person_id: int) -> Person | None:
        return await self._escalation.person(person_id)

    async def claim(self, ticket_id: int, worker: str) -> list[DeskAction]:
        name = self._escalation.signature(worker)
        try:
            ticket, person = await self._escalation.claim(ticket_id, name)
        except TicketError:
            return [self._say(_noop("This request is already closed."))]
        return [DeskAction(ActionKind.STATUS, f"✋ {name}", person=person, ticket=ticket)]

    async def close(self, ticket_id: int, worker: str) -> list[DeskAction]:
        try:
            ticket, person = await self._escalation.close(
                ticket_id, self._escalation.signature(worker))
        except TicketError:
            return [self._say(_noop("This request is already closed."))]
        replies = self._engine.closed_by_worker(ticket, self._person_language(person))
        await self.send_to_person(ticket, person, replies)
        return [DeskAction(ActionKind.STATUS, "✔️ " + self._("Closed."), person=person,
                           ticket=ticket)]

    def refused(self) -> str:
        return self._("Not allowed.")

    # -- reaching the newcomer --------------------------------------------------------------

    async def send_to_person(self, ticket: Ticket | None, person: Person,
                             replies: list[Reply]) -> bool:
        """Through the person's own channel; a person who blocked the bot is recorded."""
        try:
            for reply in replies:  # handled again after a crash: not sent twice
                await once_in_order("to-person", partial(self._router.send, person, reply))
        except (PersonUnreachable, NoRoute):
            await self.person_unreachable(ticket, person)
            return False
        return True

    async def person_unreachable(self, ticket: Ticket | None, person: Person) -> None:
        if ticket is not None:
            await self._escalation.mark_blocked(ticket, person)
        else:
            log.info("person %s cannot be reached", person.id)

    def signed(self, person: Person, signature: str, text: str) -> Reply:
        """A worker's words for a person whose channel cannot copy the original message."""
        return self._engine.replies.text(self._person_language(person),
                                         scrub(f"👤 {signature}: {text}"))

    def _person_language(self, person: Person) -> str:
        return person.language or self._engine.default_language

    def _say(self, message: str) -> DeskAction:
        return DeskAction(ActionKind.SAY, self._(message))
