"""The follow-up part of a conversation: enrolment by link, consent, check-in answers,
appointment reminders and their answers. The Engine holds one and calls it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.conversation.escalation_flow import EscalationFlow
from bot.conversation.flow import Context, Part
from bot.domain.actions import Act, encode, number
from bot.domain.followup import Appointment, OutboxItem
from bot.domain.messages import Button, Reply
from bot.domain.people import Person
from bot.domain.tickets import TicketSource
from bot.followup.appointments import REMINDER
from bot.followup.calendar import appointment_ics
from bot.i18n.catalogs import noop as _noop
from bot.i18n.locale import format_moment

if TYPE_CHECKING:
    pass

NOTICE = "notice"  # a one-off message to the person (e.g. "we have not forgotten you")


class FollowupFlow(Part):
    """Check-ins and appointments, from the newcomer's side."""

    def __init__(self, context: Context, tickets: EscalationFlow) -> None:
        super().__init__(context)
        self._tickets = tickets  # a check-in answered "I need help" opens a ticket

    async def redeem(self, token: str, person: Person,
                      language: str) -> tuple[list[Reply], Person]:
        assert self.followup is not None
        _ = self.replies.gettext(language)
        if not await self.followup.redeem(token, person.id):
            text = _("This link does not work any more (it was already used, or it is too "
                     "old). Ask your social worker for a new one.")
            return [self.replies.text(language, text, self.replies.menu_row(language))], person
        participant = await self.followup.participant(person.id)
        plan = self.followup.plan
        count = len(plan.checkins) if plan else 0
        worker = participant.worker if participant and participant.worker else _("your CPAS")
        text = _("Hello! {worker} invites you to short check-ins after your programme: "
                 "{count} times in the coming year, a question with buttons. "
                 "I store your chat number, your language, the dates and your answers. "
                 "Only the social workers of your CPAS see them. "
                 "You can stop at any time with /stop. Do you agree?").format(
            worker=worker, count=count)
        buttons = ((Button("✅ " + _("Yes, I agree"), encode(Act.CONSENT, "yes")),),
                   (Button(_("No, thank you"), encode(Act.CONSENT, "no")),))
        consent = self.replies.text(language, text, buttons)
        return [consent, self.replies.language_picker(language)], replace(person,
                                                                          language=language)

    async def consented(self, person: Person, language: str,
                         resumed: bool) -> tuple[list[Reply], Person]:
        assert self.followup is not None
        _ = self.replies.gettext(language)
        first = await self.followup.consent(person.id)
        if first is None:
            text = _("Thank you. There are no more check-ins planned for you.")
        else:
            text = _("Thank you! Your next check-in: {date}. Send /checkins to see your plan, "
                     "/stop to stop.").format(date=format_moment(first, language))
        if resumed:
            text = _("Check-ins are on again.") + " " + text
        return [self.replies.text(language, "✅ " + text, self.replies.menu_row(language))], person

    async def stop_checkins(self, person: Person, language: str) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        if self.followup is None or not await self.followup.stop(person.id):
            return [self.replies.text(language, _("You have no check-ins."),
                               self.replies.menu_row(language))], person
        text = _("Check-ins are stopped. I will not write to you any more. "
                 "Send /start to turn them on again.")
        return [self.replies.text(language, text, self.replies.menu_row(language))], person

    async def show_plan(self, person: Person, language: str) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        upcoming = await self.followup.next_checkin(person.id) if self.followup else None
        if upcoming is None:
            text = _("You have no check-ins planned.")
        else:
            text = _("Your next check-in: {date}.").format(date=format_moment(upcoming, language))
        return [self.replies.text(language, "🗓 " + text, self.replies.menu_row(language))], person

    async def outbox_message(self, person: Person, item: OutboxItem) -> Reply | None:
        """The message of a due outbox row: a check-in question or an appointment reminder."""
        if item.kind == REMINDER:
            return await self._reminder(person, item.key)
        if item.kind == NOTICE:
            language = person.language or self._default_language
            return self.replies.still_waiting(language)[0]
        return self.checkin_message(person, item.id, item.key)

    async def _reminder(self, person: Person, key: str) -> Reply | None:
        if self.followup is None:
            return None
        head, _sep, which = key.partition(":")
        appointment_id = number(head.removeprefix("appt-"))
        appointment = await self.followup.appointment(appointment_id) \
            if appointment_id is not None else None
        if appointment is None or appointment.answer in {"not-coming", "cancelled"}:
            return None
        language = person.language or self._default_language
        _ = self.replies.gettext(language)
        when = format_moment(appointment.starts_at, language)
        if which == "confirm":
            text = _("New appointment: {date}, {place}. I will remind you the day before and "
                     "2 hours before.")
        else:
            text = _("Reminder: your appointment is on {date}, {place}.")
        text = text.format(date=when, place=appointment.place)
        if appointment.worker:
            text += " " + _("With: {worker}.").format(worker=appointment.worker)
        answer = appointment.id
        buttons = ((Button("✅ " + _("I will come"), encode(Act.APPOINTMENT, answer, "yes")),
                    Button("❌ " + _("I cannot come"), encode(Act.APPOINTMENT, answer, "no"))),
                   (Button("📄 " + _("What to bring"), encode(Act.TOPIC, "documents-to-bring")),))
        attachment = None
        if which == "confirm":
            ics = appointment_ics(appointment, _("Appointment"), self._clock.now())
            attachment = (f"appointment-{appointment.id}.ics", ics)
        return Reply("message", language, {"text": "📅 " + text}, None, buttons, attachment)

    def appointment_cancelled(self, appointment: Appointment, language: str) -> Reply:
        _ = self.replies.gettext(language)
        text = _("Your appointment on {date} is cancelled. Your social worker will "
                 "contact you.").format(date=format_moment(appointment.starts_at, language))
        return self.replies.text(language, "📅 " + text, self.replies.menu_row(language))

    async def appointment_answer(self, value: str, person: Person,
                                  language: str) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        raw_id, _sep, answer = value.partition(":")
        appointment_id = number(raw_id)
        appointment = None
        if self.followup is not None and appointment_id is not None and answer in {"yes", "no"}:
            appointment = await self.followup.answer_appointment(person.id, appointment_id,
                                                                 answer == "yes")
        if appointment is None:
            invalid = _("This button is no longer valid. Here is the menu.")
            return [self.replies.text(language, invalid),
                    self.replies.main_menu(language)], person
        if self.escalation is not None:
            when = format_moment(appointment.starts_at, self.escalation.settings.workers_language)
            mark = ("✅ " + self.escalation.worker_text(_noop("coming")) if answer == "yes"
                    else "❌ " + self.escalation.worker_text(_noop("cannot come")))
            await self.escalation.tell_workers(person, f"📅 {when}: {mark}")
        if answer == "yes":
            text = _("Thank you! See you then.")
            return [self.replies.text(language, text, self.replies.menu_row(language))], person
        text = _("Thank you for telling us. I told your social worker. "
                 "They will propose another date.")
        return [self.replies.text(language, text, self.replies.menu_row(language))], person

    async def checkin_answer(self, value: str, person: Person,
                              language: str) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        parts = value.split(":")
        item_id, question = (number(parts[0]), number(parts[1])) if len(parts) == 3 \
            else (None, None)
        result = None
        if self.followup is not None and item_id is not None and question is not None:
            result = await self.followup.answer(person.id, item_id, question, parts[2])
        if result is None:
            invalid = _("This button is no longer valid. Here is the menu.")
            return [self.replies.text(language, invalid),
                    self.replies.main_menu(language)], person
        checkin, following = result
        answer = parts[2]
        if answer == "help" and self.escalation is not None:
            replies, person = await self._tickets.person_requested(person, language,
                                                           TicketSource.CHECKIN)
            ticket = await self._storage.open_ticket_of(person.id)
            if ticket is not None and ticket.asking:
                await self.escalation.answer_about(ticket, person, f"check-in {checkin.key}: "
                                                   "needs help now")
                expected = self._tickets.expected_answer(person)
                return [self.replies.ticket_confirmation(language, expected)], person
            return replies, person
        if answer in {"question", "help"}:
            text = _("Ask your question in your own words, or choose a theme.")
            return [self.replies.text(language, text), self.replies.main_menu(language)], person
        if following is not None:
            next_question = self.checkin_message(person, item_id or 0, checkin.key, following)
            if next_question is not None:
                return [next_question], person
        return [self.replies.text(language, "🙏 " + _("Thank you! See you next time."),
                           self.replies.menu_row(language))], person

    def checkin_message(self, person: Person, item_id: int, key: str,
                        question_index: int = 0) -> Reply | None:
        """One check-in question for `person` (used by the outbox's deliverer)."""
        plan = self.followup.plan if self.followup else None
        return self.replies.checkin_message(plan, person.language or self._default_language,
                                            item_id, key, question_index)
