"""The conversation engine: one event and the person's stored state in, replies out.

It knows nothing about Telegram or terminals. Crisis words are checked before anything
else, in every state, so the emergency numbers always come first.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from bot.clock import Clock
from bot.content.source import ContentSource
from bot.conversation.events import Button, Event, EventKind, Reply
from bot.conversation.person import Mode, Person
from bot.conversation.replies import Gettext, Replies
from bot.escalation.service import EscalationService
from bot.escalation.tickets import Ticket, TicketSource
from bot.followup.appointments import REMINDER
from bot.followup.outbox import OutboxItem
from bot.followup.service import FollowupService
from bot.i18n.catalogs import Catalogs
from bot.i18n.locale import format_moment
from bot.storage.ports import Storage
from bot.understanding.matcher import CHANGE_LANGUAGE, CRISIS
from bot.understanding.normalize import script_of

log = logging.getLogger(__name__)

COMMANDS = ("start", "menu", "language", "person", "checkins", "stop", "about", "help")
LONG_MESSAGE = 600
FAILURES_BEFORE_OFFER = 2
SCRIPT_LANGUAGE = {"arabic": "ar", "ethiopic": "ti", "cyrillic": "uk"}


class Engine:
    """Decides what to say. Channels call `handle` for every event they receive."""

    def __init__(
        self, content: ContentSource, storage: Storage, catalogs: Catalogs, clock: Clock,
        default_language: str = "fr", escalation: EscalationService | None = None,
        followup: FollowupService | None = None,
    ) -> None:
        self._content = content
        self._storage = storage
        self._catalogs = catalogs
        self.clock = clock
        self._clock = clock
        self._default_language = default_language
        self.escalation = escalation
        self.followup = followup
        self.replies = Replies(content, catalogs, default_language)

    # -- entry point ----------------------------------------------------------------------

    async def handle(self, event: Event) -> list[Reply]:
        """Never raises: a failure becomes a kind apology in the person's language."""
        language = self._default_language
        try:
            person = await self._storage.person(event.ref, self._clock.now())
            language = person.language or self._guess_language(event)
            person = replace(person, last_seen_at=self._clock.now())
            replies, person = await self._dispatch(event, person, language)
            if person.id >= 0:
                await self._storage.save_person(person)
            return replies
        except Exception:
            log.exception("engine failed on a %s event", event.kind.value)
            _ = self.replies.gettext(language)
            return [self.replies.text(language, _("Sorry, something went wrong on my side. "
                                           "Please try again."), self.replies.menu_row(language))]

    async def _dispatch(
        self, event: Event, person: Person, language: str
    ) -> tuple[list[Reply], Person]:
        if person.mode is not Mode.BOT and self.escalation is not None:
            ticket = await self._storage.open_ticket_of(person.id)
            if ticket is not None:
                return await self._with_ticket(event, person, ticket, language)
            person = replace(person, mode=Mode.BOT)
        if event.kind is EventKind.TEXT and self.replies.snapshot.matcher.is_crisis(event.text):
            return self.replies.crisis(language), replace(person, language=language)
        if event.kind is EventKind.COMMAND:
            return await self._command(event, person, language)
        if event.kind is EventKind.BUTTON:
            return await self._button(event.action, person, language)
        if event.kind is EventKind.MEDIA:
            return [self.replies.media(event.media, language)], replace(person, language=language)
        return await self._typed(event.text, person, language)

    # -- commands and buttons -------------------------------------------------------------

    async def _command(
        self, event: Event, person: Person, language: str
    ) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        command = event.command
        person = replace(person, language=language, pending=None)
        if command == "start" and self.followup is not None:
            if event.text.strip():
                return await self._redeem(event.text.strip(), person, language)
            participant = await self.followup.participant(person.id)
            if participant is not None and participant.consented and participant.stopped:
                return await self._consented(person, language, resumed=True)
        if command == "start":
            return [self.replies.greeting(language), self.replies.language_picker(language)], person
        if command == "stop":
            return await self._stop_checkins(person, language)
        if command == "checkins":
            return await self._show_plan(person, language)
        if command == "menu":
            return [self.replies.main_menu(language)], person
        if command == "language":
            return [self.replies.language_picker(language)], person
        if command == "person":
            return await self._person_requested(person, language, TicketSource.REQUEST)
        if command == "about":
            return [self.replies.about(language)], person
        if command == "help":
            return [self.replies.help(language)], person
        text = _("I do not know this command. Here is the menu.")
        return [self.replies.text(language, text), self.replies.main_menu(language)], person

    async def _button(
        self, action: str, person: Person, language: str
    ) -> tuple[list[Reply], Person]:
        kind, _sep, value = action.partition(":")
        library = self.replies.snapshot.library
        if kind == "lang" and value in library.languages:
            person = replace(person, language=value, pending=None)
            return [self.replies.language_set(value), self.replies.main_menu(value)], person
        person = replace(person, language=language)
        if kind == "menu":
            return [self.replies.main_menu(language)], replace(person, pending=None)
        if kind == "theme" and value in library.catalogue.themes:
            return [self.replies.theme(value, language)], person
        if kind == "topic":
            return await self._answer_or_function(value, person, language)
        if kind == "person":
            source = {"crisis": TicketSource.CRISIS, "failed": TicketSource.FAILED_MATCHES}.get(
                value, TicketSource.REQUEST)
            return await self._person_requested(person, language, source)
        if kind == "sat":
            return await self._satisfaction(value, person, language)
        if kind == "consent":
            if value == "yes":
                return await self._consented(person, language, resumed=False)
            _ = self.replies.gettext(language)
            return [self.replies.text(language, _("All right: no check-ins. You can still ask me "
                                           "anything."), self.replies.menu_row(language))], person
        if kind == "ci":
            return await self._checkin_answer(value, person, language)
        if kind == "appt":
            return await self._appointment_answer(value, person, language)
        if kind == "languages":
            return [self.replies.language_picker(language)], person
        if kind == "fb":
            return await self._feedback(value, person, language)
        if kind == "gloss":
            return [self.replies.glossary(value, language)], person
        if kind == "forget":
            return await self._forget(value, person, language)
        _ = self.replies.gettext(language)
        return [self.replies.text(language, _("This button is no longer valid. Here is the menu.")),
                self.replies.main_menu(language)], person

    async def _feedback(
        self, value: str, person: Person, language: str
    ) -> tuple[list[Reply], Person]:
        topic_id, _sep, verdict = value.rpartition(":")
        _ = self.replies.gettext(language)
        if topic_id and verdict in {"1", "0"}:
            await self._storage.record_feedback(
                person.id, topic_id, language, verdict == "1", self._clock.now()
            )
        if verdict == "0":
            text = _("Thank you. I am sorry this did not help. A person can help you.")
            return [self.replies.text(language, text, self.replies.menu_row(language))], person
        return [self.replies.text(language, _("Thank you for your answer!"),
                           self.replies.menu_row(language))], person

    async def _forget(
        self, value: str, person: Person, language: str
    ) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        if value == "yes":
            if self.escalation is not None:
                await self.escalation.forget(person)
            await self._storage.forget_person(person.id)
            text = _("Done. I have deleted everything I stored about you. "
                     "Send /start to begin again.")
            return [self.replies.text(language, text)], replace(person, id=-1)
        nothing = self.replies.text(language, _("Nothing was deleted."),
                                    self.replies.menu_row(language))
        return [nothing], replace(person, pending=None)

    # -- typed text -----------------------------------------------------------------------

    async def _typed(self, text: str, person: Person, language: str) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        person = replace(person, language=language)
        if not text.strip():
            return [self.replies.main_menu(language)], person
        if len(text) > LONG_MESSAGE:
            note = _("Your message is long. I understand short questions best. "
                     "Please write your question in a few words, or talk to a person.")
            return [self.replies.text(language, note, self.replies.menu_row(language))], person
        result = self.replies.snapshot.matcher.match(text)
        if result.topic == CHANGE_LANGUAGE and result.language:
            person = replace(person, language=result.language, pending=None, failed_matches=0)
            chosen = result.language
            return [self.replies.language_set(chosen), self.replies.main_menu(chosen)], person
        if result.topic is not None:
            person = replace(person, failed_matches=0)
            return await self._answer_or_function(result.topic, person, language)
        failures = person.failed_matches + 1
        person = replace(person, failed_matches=failures)
        replies: list[Reply] = []
        if result.alternatives:
            replies.append(self.replies.did_you_mean(result.alternatives, language))
        else:
            text_unknown = _("Sorry, I did not understand. Try other words, "
                             "choose a theme, or talk to a person.")
            replies.append(self.replies.text(language, text_unknown,
                                             self.replies.menu_row(language)))
        if failures >= FAILURES_BEFORE_OFFER:
            offer = _("I still do not understand. A person can help you.")
            replies.append(self.replies.text(language, offer, (
                (Button("💬 " + _("Talk to a person"), "person:failed"),),)))
        return replies, person

    async def _answer_or_function(
        self, topic_id: str, person: Person, language: str
    ) -> tuple[list[Reply], Person]:
        if topic_id == CRISIS:
            return self.replies.crisis(language), person
        if topic_id == "talk-to-a-person":
            return await self._person_requested(person, language, TicketSource.REQUEST)
        if topic_id == CHANGE_LANGUAGE:
            return [self.replies.language_picker(language)], person
        if topic_id == "main-menu":
            return [self.replies.main_menu(language)], person
        if topic_id == "delete-my-data":
            confirm = self.replies.confirm_forget(language)
            return [confirm], replace(person, pending="confirm-delete")
        served = self.replies.snapshot.library.served(language, topic_id)
        if served is None or served.topic.is_function:
            return [self.replies.main_menu(language)], person
        await self._storage.record_view(person.id, topic_id, served.topic.lang, self._clock.now())
        return [self.replies.answer(served, language)], person

    # -- follow-up check-ins ------------------------------------------------------------------

    async def _redeem(self, token: str, person: Person,
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
        buttons = ((Button("✅ " + _("Yes, I agree"), "consent:yes"),),
                   (Button(_("No, thank you"), "consent:no"),))
        consent = self.replies.text(language, text, buttons)
        return [consent, self.replies.language_picker(language)], replace(person,
                                                                          language=language)

    async def _consented(self, person: Person, language: str,
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

    async def _stop_checkins(self, person: Person, language: str) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        if self.followup is None or not await self.followup.stop(person.id):
            return [self.replies.text(language, _("You have no check-ins."),
                               self.replies.menu_row(language))], person
        text = _("Check-ins are stopped. I will not write to you any more. "
                 "Send /start to turn them on again.")
        return [self.replies.text(language, text, self.replies.menu_row(language))], person

    async def _show_plan(self, person: Person, language: str) -> tuple[list[Reply], Person]:
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
        return self.checkin_message(person, item.id, item.key)

    async def _reminder(self, person: Person, key: str) -> Reply | None:
        if self.followup is None:
            return None
        head, _sep, which = key.partition(":")
        appointment_id = head.removeprefix("appt-")
        appointment = await self.followup.appointment(int(appointment_id)) \
            if appointment_id.isdigit() else None
        if appointment is None or appointment.answer == "not-coming":
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
        buttons = ((Button("✅ " + _("I will come"), f"appt:{appointment.id}:yes"),
                    Button("❌ " + _("I cannot come"), f"appt:{appointment.id}:no")),
                   (Button("📄 " + _("What to bring"), "topic:documents-to-bring"),))
        return Reply("message", language, {"text": "📅 " + text}, None, buttons)

    async def _appointment_answer(self, value: str, person: Person,
                                  language: str) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        raw_id, _sep, answer = value.partition(":")
        appointment = None
        if self.followup is not None and raw_id.isdigit() and answer in {"yes", "no"}:
            appointment = await self.followup.answer_appointment(person.id, int(raw_id),
                                                                 answer == "yes")
        if appointment is None:
            invalid = _("This button is no longer valid. Here is the menu.")
            return [self.replies.text(language, invalid),
                    self.replies.main_menu(language)], person
        if self.escalation is not None:
            when = format_moment(appointment.starts_at, self.escalation.settings.workers_language)
            mark = "✅ coming" if answer == "yes" else "❌ cannot come"
            await self.escalation.tell_workers(person, f"📅 {when}: {mark}")
        if answer == "yes":
            text = _("Thank you! See you then.")
            return [self.replies.text(language, text, self.replies.menu_row(language))], person
        text = _("Thank you for telling us. I told your social worker. "
                 "They will propose another date.")
        return [self.replies.text(language, text, self.replies.menu_row(language))], person

    async def _checkin_answer(self, value: str, person: Person,
                              language: str) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        parts = value.split(":")
        result = None
        if self.followup is not None and len(parts) == 3 and all(parts[:2]) and \
                parts[0].isdigit() and parts[1].isdigit():
            result = await self.followup.answer(person.id, int(parts[0]), int(parts[1]), parts[2])
        if result is None:
            invalid = _("This button is no longer valid. Here is the menu.")
            return [self.replies.text(language, invalid),
                    self.replies.main_menu(language)], person
        checkin, following = result
        answer = parts[2]
        if answer == "help" and self.escalation is not None:
            replies, person = await self._person_requested(person, language,
                                                           TicketSource.CHECKIN)
            ticket = await self._storage.open_ticket_of(person.id)
            if ticket is not None and ticket.asking:
                await self.escalation.answer_about(ticket, person, f"check-in {checkin.key}: "
                                                   "needs help now")
                return [self.replies.ticket_confirmation(language, self._expected_answer())], person
            return replies, person
        if answer in {"question", "help"}:
            text = _("Ask your question in your own words, or choose a theme.")
            return [self.replies.text(language, text), self.replies.main_menu(language)], person
        if following is not None:
            next_question = self.checkin_message(person, int(parts[0]), checkin.key, following)
            if next_question is not None:
                return [next_question], person
        return [self.replies.text(language, "🙏 " + _("Thank you! See you next time."),
                           self.replies.menu_row(language))], person

    # -- talking to a person ----------------------------------------------------------------

    async def _person_requested(
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

    async def _with_ticket(
        self, event: Event, person: Person, ticket: Ticket, language: str
    ) -> tuple[list[Reply], Person]:
        """A worker owns the conversation: relay everything, answer only what is asked."""
        assert self.escalation is not None
        person = replace(person, language=language)
        escalation = self.escalation
        if event.kind is EventKind.TEXT and self.replies.snapshot.matcher.is_crisis(event.text):
            await escalation.make_urgent(ticket, person, "crisis words in the last message")
            if event.message_ref:
                await escalation.relay(ticket, person, event.message_ref)
            return self.replies.crisis(language), person
        leaving = (event.kind is EventKind.COMMAND and event.command in {"menu", "start"}) or (
            event.kind is EventKind.BUTTON and event.action in {"leave", "menu"})
        if leaving:
            await escalation.person_left(ticket, person)
            _ = self.replies.gettext(language)
            text = _("You left the conversation with the social worker. Here is the menu.")
            return [self.replies.text(language, text), self.replies.main_menu(language)], replace(
                person, mode=Mode.BOT)
        if event.kind is EventKind.BUTTON and event.action.startswith("about:"):
            about = event.action.partition(":")[2] or None
            await escalation.answer_about(ticket, person, None if about == "skip" else about)
            return [self.replies.ticket_confirmation(language, self._expected_answer())], person
        if event.kind is EventKind.COMMAND or event.kind is EventKind.BUTTON:
            if event.command == "person" or event.action.startswith("person"):
                return await self._person_requested(person, language, TicketSource.REQUEST)
            if event.kind is EventKind.COMMAND:
                return await self._command(event, person, language)
            return await self._button(event.action, person, language)
        if event.message_ref is None:
            return [], person
        if ticket.asking:
            await escalation.answer_about(ticket, person, "own-words", event.message_ref)
            return [self.replies.ticket_confirmation(language, self._expected_answer())], person
        await escalation.relay(ticket, person, event.message_ref)
        return [], person

    def _expected_answer(self) -> datetime | None:
        return self.escalation.expected_answer() if self.escalation else None

    def checkin_message(self, person: Person, item_id: int, key: str,
                        question_index: int = 0) -> Reply | None:
        """One check-in question for `person` (used by the outbox's deliverer)."""
        plan = self.followup.plan if self.followup else None
        return self.replies.checkin_message(plan, person.language or self._default_language,
                                            item_id, key, question_index)

    def closed_by_worker(self, ticket: Ticket, language: str) -> list[Reply]:
        return self.replies.closed_by_worker(ticket, language)

    def still_waiting(self, language: str) -> list[Reply]:
        return self.replies.still_waiting(language)

    def template(self, topic_id: str, language: str) -> Reply | None:
        return self.replies.template(topic_id, language)

    def command_descriptions(self, language: str) -> list[tuple[str, str]]:
        return self.replies.command_descriptions(language)

    async def _satisfaction(
        self, value: str, person: Person, language: str
    ) -> tuple[list[Reply], Person]:
        ticket_id, _sep, score = value.partition(":")
        if self.escalation is not None and ticket_id.isdigit() and score.isdigit():
            await self.escalation.rate(int(ticket_id), person, int(score))
        _ = self.replies.gettext(language)
        return [self.replies.text(language, _("Thank you for your answer!"),
                           self.replies.menu_row(language))], person

    def worker_gettext(self) -> Gettext:
        """Translations for texts shown to the workers (their configured language)."""
        language = self.escalation.settings.workers_language if self.escalation else "fr"
        return self.replies.gettext(language)

    def _guess_language(self, event: Event) -> str:
        languages = self.replies.snapshot.library.languages
        hint = (event.language_hint or "").split("-")[0].lower()
        if event.kind is EventKind.TEXT:
            by_script = SCRIPT_LANGUAGE.get(script_of(event.text))
            if by_script is not None and by_script in languages:
                return by_script
        if hint in languages:
            return hint
        for code, language in languages.items():
            if hint and hint in language.telegram_codes:
                return code
        return self._default_language

    def languages(self) -> list[str]:
        return sorted(self.replies.snapshot.library.languages)
