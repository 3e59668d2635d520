"""The "talk to a person" part of a conversation: opening a ticket, relaying while a worker
owns it, leaving, and the satisfaction question. The Engine holds one and calls it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.conversation.danger import crisis_anywhere
from bot.conversation.flow import BotTurn, Context, Part
from bot.domain.actions import Act, number, parse
from bot.domain.messages import Event, EventKind, Reply
from bot.domain.people import Mode, Person
from bot.domain.tickets import Ticket, TicketSource
from bot.i18n.catalogs import noop as _noop


class EscalationFlow(Part):
    """Tickets from the newcomer's side; the workers' side is the application's desk."""

    def __init__(self, context: Context, bot: BotTurn) -> None:
        super().__init__(context)
        self._bot = bot

    async def person_requested(
        self, person: Person, language: str, source: TicketSource
    ) -> tuple[list[Reply], Person]:
        """Open a ticket at once (even outside office hours) and ask what it is about."""
        if self.escalation is None:
            return [self.replies.talk_to_person(language)], person
        recent = await self._storage.recent_views(person.id, limit=3)
        titles = tuple(self.replies.title(topic_id, self.escalation.settings.workers_language)
                       for topic_id in recent)
        person = replace(person, language=language, pending=None, failed_matches=0)
        await self._storage.save_person(person)
        urgent = source in {TicketSource.CRISIS, TicketSource.CHECKIN}  # "I need help now"
        ticket = await self.escalation.open(person, source, urgent, titles)
        mode = Mode.WAITING_FOR_PERSON if ticket.status.value == "open" else Mode.WITH_PERSON
        person = replace(person, mode=mode)
        if not ticket.asking:
            _ = self.replies.gettext(language)
            return [self.replies.text(language, _("You are already waiting for a social worker. "
                                           "Write here: they will see your messages."),
                               self.replies.leave_row(language))], person
        return [self.replies.ask_about(language, recent)], person

    async def with_ticket(
        self, event: Event, person: Person, ticket: Ticket, language: str
    ) -> tuple[list[Reply], Person]:
        """A worker owns the conversation: relay everything, answer only what is asked."""
        assert self.escalation is not None
        person = replace(person, language=language)
        escalation = self.escalation
        action = parse(event.action) if event.kind is EventKind.BUTTON else None
        signal = (crisis_anywhere(self.replies.snapshot.matcher, event.text)
                  if event.kind in {EventKind.TEXT, EventKind.MEDIA} and event.text else None)
        if signal is not None:  # the worker is alerted, the person gets the numbers at once
            await escalation.make_urgent(ticket, person, _noop("crisis words in the last message"))
            if event.message_ref:
                await escalation.relay(ticket, person, event.message_ref)
            return self.replies.crisis(language, signal.category), person
        leaving = (event.kind is EventKind.COMMAND and event.command in {"menu", "start"}) or (
            event.kind is EventKind.BUTTON and action is not None
            and action.kind in {Act.LEAVE, Act.MENU})
        if leaving:
            await escalation.person_left(ticket, person)
            _ = self.replies.gettext(language)
            text = _("You left the conversation with the social worker. Here is the menu.")
            return [self.replies.text(language, text), self.replies.main_menu(language)], replace(
                person, mode=Mode.BOT)
        if action is not None and action.kind is Act.ABOUT:
            about = action.arg(0) or None
            await escalation.answer_about(ticket, person, None if about == "skip" else about)
            expected = self.expected_answer(person)
            return [self.replies.ticket_confirmation(language, expected)], person
        if event.kind is EventKind.COMMAND or event.kind is EventKind.BUTTON:
            if event.command == "person" or (action is not None and action.kind is Act.PERSON):
                return await self.person_requested(person, language, TicketSource.REQUEST)
            if event.kind is EventKind.COMMAND:
                return await self._bot.command(event, person, language)
            return await self._bot.button(event.action, person, language)
        if event.message_ref is None:
            return [], person
        if ticket.asking:
            await escalation.answer_about(ticket, person, "own-words", event.message_ref)
            expected = self.expected_answer(person)
            return [self.replies.ticket_confirmation(language, expected)], person
        await escalation.relay(ticket, person, event.message_ref)
        return [], person

    def expected_answer(self, person: Person | None = None) -> datetime | None:
        """When the person's office next answers (None: open now)."""
        return self.escalation.expected_answer(person) if self.escalation else None

    async def satisfaction(
        self, value: str, person: Person, language: str
    ) -> tuple[list[Reply], Person] | None:
        """A forged or stale rating (another person's ticket, no such score) is refused."""
        raw_ticket, _sep, raw_score = value.partition(":")
        ticket_id, score = number(raw_ticket), number(raw_score)
        if self.escalation is None or ticket_id is None or score is None or \
                not await self.escalation.rate(ticket_id, person, score):
            return None
        _ = self.replies.gettext(language)
        return [self.replies.text(language, _("Thank you for your answer!"),
                           self.replies.menu_row(language))], person

