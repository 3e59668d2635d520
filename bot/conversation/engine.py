"""The conversation engine: one event and the person's stored state in, replies out.

It knows nothing about Telegram or terminals. Crisis words are checked before anything
else, in every state, so the emergency numbers always come first.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.application.metrics import NO_METRICS, Metrics
from bot.clock import Clock
from bot.content.source import ContentSource
from bot.conversation.danger import crisis_anywhere, crisis_beyond
from bot.conversation.escalation_flow import EscalationFlow
from bot.conversation.flow import Context, Result
from bot.conversation.followup_flow import FollowupFlow
from bot.conversation.language_offer import offer_once
from bot.conversation.office_flow import LINK_PREFIX, PENDING, OfficeFlow
from bot.conversation.privacy import my_data_text
from bot.conversation.replies import Gettext, Replies
from bot.domain.actions import Act, Action, encode, parse
from bot.domain.errors import StorageUnavailable
from bot.domain.followup import Appointment, OutboxItem
from bot.domain.messages import Button, Event, EventKind, Reply
from bot.domain.people import Mode, Person
from bot.domain.privacy import StoredData
from bot.domain.text import scrub
from bot.domain.tickets import Ticket, TicketSource
from bot.escalation.service import EscalationService
from bot.followup.service import FollowupService
from bot.i18n.catalogs import Catalogs
from bot.offices.directory import OfficeDirectory
from bot.storage.ports import Storage
from bot.understanding.crisis import is_crisis_reply
from bot.understanding.matcher import CHANGE_LANGUAGE, CRISIS, MatchResult
from bot.understanding.normalize import script_of

log = logging.getLogger(__name__)
ButtonHandler = Callable[[Action, Person, str], Awaitable[Result | None]]

COMMANDS = ("start", "menu", "language", "person", "checkins", "stop", "about", "help",
            "mydata", "forget", "privacy", "office")
LONG_MESSAGE = 600
FAILURES_BEFORE_OFFER = 2
SCRIPT_LANGUAGE = {"arabic": "ar", "ethiopic": "ti", "cyrillic": "uk"}


class Engine:
    """Decides what to say. Channels call `handle` for every event they receive.

    Talking to a person and follow-up are parts it holds (`tickets`, `follow`), built on one
    shared `Context`; they hand commands and buttons back through `command`/`button`.
    """

    def __init__(
        self, content: ContentSource, storage: Storage, catalogs: Catalogs, clock: Clock,
        default_language: str = "fr", escalation: EscalationService | None = None,
        followup: FollowupService | None = None,
    ) -> None:
        self._content = content
        self._storage = storage
        self._catalogs = catalogs
        self._clock = clock
        self._default_language = default_language
        self.replies = Replies(content, catalogs, default_language)
        self._context = Context(self.replies, storage, clock, default_language,
                                escalation, followup,
                                OfficeDirectory(lambda: content.current.library.offices))
        self.tickets = EscalationFlow(self._context, self)
        self.follow = FollowupFlow(self._context, self.tickets)
        self.office = OfficeFlow(self._context)
        self._buttons = self._button_table()
        self.metrics: Metrics = NO_METRICS  # the runtime sets Prometheus's when configured

    @property
    def escalation(self) -> EscalationService | None:
        return self._context.escalation

    @escalation.setter
    def escalation(self, service: EscalationService | None) -> None:
        self._context.escalation = service

    @property
    def followup(self) -> FollowupService | None:
        return self._context.followup

    @followup.setter
    def followup(self, service: FollowupService | None) -> None:
        self._context.followup = service

    @property
    def offices(self) -> OfficeDirectory:
        """The deployment's offices (bootstrap adds the configured workers' group, hours)."""
        return self.office.offices

    @offices.setter
    def offices(self, directory: OfficeDirectory) -> None:
        self._context.offices = directory

    # -- entry point ----------------------------------------------------------------------

    async def handle(self, event: Event) -> list[Reply]:
        """Never raises: a failure becomes a kind apology in the person's language."""
        language = self._default_language
        event = replace(event, text=scrub(event.text), command=scrub(event.command),
                        action=scrub(event.action))
        try:
            async with self._storage.unit_of_work():  # all of it, or none of it
                person = await self._storage.person(event.ref, self._clock.now())
                language = person.language or self._guess_language(event)
                person = replace(person, last_seen_at=self._clock.now())
                if event.office is not None:  # the web point's /o/<office>/
                    person = self.office.set(event.office, person) or person
                self.metrics.update_in(event.ref.channel, language)
                replies, person = await self._dispatch(event, person, language)
                if person.id >= 0:
                    await self._storage.save_person(person)
            self.metrics.replies_out(event.ref.channel, person.language or language,
                                     len(replies))
            return replies
        except Exception as error:
            if isinstance(error, StorageUnavailable):  # disk full, locked: said, not traced
                log.error("the database cannot save now (%s): nothing was saved", error)
            else:
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
                return await self.tickets.with_ticket(event, person, ticket, language)
            person = replace(person, mode=Mode.BOT)
        result = None
        if event.kind is EventKind.TEXT:  # matched once: crisis words win in every state
            result = self.replies.snapshot.matcher.match(event.text)
            self._observe(result, language)
            if result.topic == CRISIS or result.crisis is not None:
                category = result.crisis.category if result.crisis else None
                return self.replies.crisis(language, category), replace(person, language=language)
            late = crisis_beyond(self.replies.snapshot.matcher, event.text)  # a long message
            if late is not None:
                self._observe_crisis(late.category, language)
                return (self.replies.crisis(language, late.category),
                        replace(person, language=language))
            if result.crisis_check is not None:  # the model is unsure: ask, one tap
                return ([self.replies.crisis_check(language, result.crisis_check.category,
                                                   result.topic)],
                        replace(person, language=language))
        if event.kind is EventKind.MEDIA and event.text:  # a caption can be a cry for help
            signal = crisis_anywhere(self.replies.snapshot.matcher, event.text)
            if signal is not None:
                self._observe_crisis(signal.category, language)
                return (self.replies.crisis(language, signal.category),
                        replace(person, language=language))
        if event.kind is EventKind.COMMAND:
            return await self.command(event, person, language)
        if event.kind is EventKind.BUTTON:
            return await self.button(event.action, person, language)
        if event.kind is EventKind.MEDIA:
            return [self.replies.media(event.media, language)], replace(person, language=language)
        assert result is not None
        return await self._typed(event.text, result, person, language)

    def _observe(self, result: MatchResult, language: str) -> None:
        """Count what typed text became (never the text)."""
        if result.topic == CRISIS or result.crisis is not None:
            self._observe_crisis(result.crisis.category if result.crisis else None, language)
        elif result.crisis_check is not None:  # asked "in danger now?" instead of answering
            self.metrics.understood("crisis_check", language)
        elif result.topic is not None:
            self.metrics.understood("match", language)
        else:
            self.metrics.understood("did_you_mean" if result.alternatives else "out_of_scope",
                                    language)

    def _observe_crisis(self, category: object, language: str) -> None:
        self.metrics.understood("crisis", language)
        self.metrics.crisis(str(getattr(category, "value", category or "general")))

    # -- commands and buttons -------------------------------------------------------------

    async def command(
        self, event: Event, person: Person, language: str
    ) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        command = event.command
        person = replace(person, language=language, pending=None)
        if command == "start" and event.text.strip().startswith(LINK_PREFIX):
            person = self.office.from_link(event.text.strip(), person) or person
            return [await self._greeting(person, language),
                    self._language_picker(person, language)], person
        if command == "start" and self.followup is not None:
            if event.text.strip():
                return await self._redeem(event.text.strip(), person, language)
            participant = await self.followup.participant(person.id)
            if participant is not None and participant.consented and participant.stopped:
                return await self.follow.consented(person, language, resumed=True)
        if command == "start":
            return [await self._greeting(person, language),
                    self._language_picker(person, language)], person
        if command == "office":
            return self.office.ask(person, language)
        if command == "stop":
            return await self.follow.stop_checkins(person, language)
        if command == "checkins":
            return await self.follow.show_plan(person, language)
        if command == "menu":
            return [self.replies.main_menu(language)], person
        if command == "language":
            return [self._language_picker(person, language)], person
        if command == "person":
            return await self.tickets.person_requested(person, language, TicketSource.REQUEST)
        if command in {"about", "privacy"}:
            return [self.replies.about(language)], person
        if command == "mydata":
            return [self._my_data(await self._storage.person_data(person.id), language)], person
        if command == "forget":
            return await self._answer_or_function("delete-my-data", person, language)
        if command == "help":
            return [self.replies.help(language)], person
        text = _("I do not know this command. Here is the menu.")
        return [self.replies.text(language, text), self.replies.main_menu(language)], person

    async def _greeting(self, person: Person, language: str) -> Reply:
        """The welcome, with what is kept and why the first time only (stored per person)."""
        first = person.id >= 0 and await self._storage.note_first_contact(
            person.id, self._clock.now())
        return self.replies.greeting(language, first_contact=first)

    async def button(
        self, data: str, person: Person, language: str
    ) -> tuple[list[Reply], Person]:
        """Route a pressed button by its parsed action (one table, no string matching)."""
        action = parse(data)
        library = self.replies.snapshot.library
        if action is not None and action.kind is Act.LANG and action.arg(0) in library.languages:
            code = action.arg(0)
            person = replace(person, language=code, pending=None)
            return self._language_chosen(person, code)
        person = replace(person, language=language)
        if person.pending == PENDING:  # another button than an office: asked once only
            person = replace(person, pending=None)
        handler = self._buttons.get(action.kind) if action is not None else None
        if action is not None and handler is not None:
            result = await handler(action, person, language)
            if result is not None:
                return result
        _ = self.replies.gettext(language)
        return [self.replies.text(language, _("This button is no longer valid. Here is the menu.")),
                self.replies.main_menu(language)], person

    def _button_table(self) -> dict[Act, ButtonHandler]:
        return {
            Act.MENU: self._menu_button, Act.THEME: self._theme_button,
            Act.TOPIC: self._topic_button,
            Act.PERSON: self._person_button,
            Act.SATISFACTION: lambda a, p, lang: self.tickets.satisfaction(a.value, p, lang),
            Act.CONSENT: self._consent_button,
            Act.CHECKIN: lambda a, p, lang: self.follow.checkin_answer(a.value, p, lang),
            Act.APPOINTMENT: lambda a, p, lang: self.follow.appointment_answer(a.value, p, lang),
            Act.LANGUAGES: self._languages_button,
            Act.FEEDBACK: lambda a, p, lang: self._feedback(a.value, p, lang),
            Act.GLOSSARY: self._glossary_button,
            Act.FORGET: lambda a, p, lang: self._forget(a.arg(0), p, lang),
            Act.OFFICE: self._office_button,
        }

    async def _menu_button(self, action: Action, person: Person, language: str) -> Result:
        return [self.replies.main_menu(language)], replace(person, pending=None)

    async def _theme_button(self, action: Action, person: Person,
                            language: str) -> Result | None:
        if action.arg(0) not in self.replies.snapshot.library.catalogue.themes:
            return None
        return [self.replies.theme(action.arg(0), language)], person

    async def _topic_button(self, action: Action, person: Person,
                            language: str) -> Result | None:
        topic_id = action.arg(0)
        known = self.replies.snapshot.library.served(language, topic_id) is not None
        if not known and topic_id != CRISIS and not is_crisis_reply(topic_id):
            return None  # a topic removed since the button was sent, or forged
        return await self._answer_or_function(topic_id, person, language)

    async def _person_button(self, action: Action, person: Person, language: str) -> Result:
        source = {"crisis": TicketSource.CRISIS, "failed": TicketSource.FAILED_MATCHES}.get(
            action.arg(0), TicketSource.REQUEST)
        return await self.tickets.person_requested(person, language, source)

    async def _consent_button(self, action: Action, person: Person, language: str) -> Result:
        if action.arg(0) == "yes":
            return await self.follow.consented(person, language, resumed=False)
        _ = self.replies.gettext(language)
        text = _("All right: no check-ins. You can still ask me anything.")
        return [self.replies.text(language, text, self.replies.menu_row(language))], person

    async def _languages_button(self, action: Action, person: Person, language: str) -> Result:
        return [self._language_picker(person, language)], person

    async def _office_button(self, action: Action, person: Person,
                             language: str) -> Result | None:
        if not action.arg(0):
            return self.office.ask(person, language)
        return self.office.choose(action.arg(0), person, language)

    def _language_picker(self, person: Person, language: str) -> Reply:
        return self.replies.language_picker(language, self.office.offered(person))

    def _language_chosen(self, person: Person, code: str) -> Result:
        """The language is set; then the office question, once, when there are several."""
        asked = self.office.ask_once(person, code)
        if asked is not None:
            return [self.replies.language_set(code), *asked[0]], asked[1]
        return [self.replies.language_set(code), self.replies.main_menu(code)], person

    async def _redeem(self, token: str, person: Person, language: str) -> Result:
        """An enrolment link: the person also joins the office the worker enrolled them in."""
        replies, person = await self.follow.redeem(token, person, language)
        participant = await self.followup.participant(person.id) if self.followup else None
        if participant is not None and participant.office:
            person = self.office.set(participant.office, person) or person
        return replies, person

    async def _glossary_button(self, action: Action, person: Person, language: str) -> Result:
        return [self.replies.glossary(action.arg(0), language)], person

    async def _feedback(
        self, value: str, person: Person, language: str
    ) -> tuple[list[Reply], Person] | None:
        """👍/👎 only for an answer this person was shown: a forged topic, or an old button
        pressed after "delete my data" (the views went with the person), is refused."""
        topic_id, _sep, verdict = value.rpartition(":")
        _ = self.replies.gettext(language)
        library = self.replies.snapshot.library
        if (verdict not in {"1", "0"} or library.served(language, topic_id) is None
                or not await self._storage.has_viewed(person.id, topic_id)):
            return None
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

    async def _typed(self, text: str, result: MatchResult, person: Person,
                     language: str) -> tuple[list[Reply], Person]:
        _ = self.replies.gettext(language)
        person = replace(person, language=language)
        if not text.strip():
            return [self.replies.main_menu(language)], person
        by_postcode = self.office.typed(text, person, language)
        if by_postcode is not None:
            return by_postcode
        if person.pending == PENDING:  # a question instead of an office: asked once only
            person = replace(person, pending=None)
        if len(text) > LONG_MESSAGE:
            note = _("Your message is long. I understand short questions best. "
                     "Please write your question in a few words, or talk to a person.")
            return [self.replies.text(language, note, self.replies.menu_row(language))], person
        if result.topic == CHANGE_LANGUAGE and result.language:
            person = replace(person, language=result.language, pending=None, failed_matches=0)
            return self._language_chosen(person, result.language)
        if result.topic is not None:
            person = replace(person, failed_matches=0)
            answered, person = await self._answer_or_function(result.topic, person, language)
            return answered + await self._switch_offer(text, person, language), person
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
                (Button("💬 " + _("Talk to a person"), encode(Act.PERSON, "failed")),),)))
        return replies + await self._switch_offer(text, person, language), person

    async def _switch_offer(self, text: str, person: Person, language: str) -> list[Reply]:
        """The one-tap language switch, made once per person and language: an offer not
        taken is remembered as a no (bot.conversation.language_offer)."""
        return await offer_once(self.replies, self._storage, text, person, language,
                                self._clock.now())

    async def _answer_or_function(
        self, topic_id: str, person: Person, language: str
    ) -> tuple[list[Reply], Person]:
        if topic_id == CRISIS or is_crisis_reply(topic_id):
            category = topic_id.removeprefix("crisis-") if topic_id != CRISIS else None
            self.metrics.crisis(category or "general")  # "🆘 Yes, danger now" was tapped
            return self.replies.crisis(language, category), person
        if topic_id == "talk-to-a-person":
            return await self.tickets.person_requested(person, language, TicketSource.REQUEST)
        if topic_id == CHANGE_LANGUAGE:
            return [self._language_picker(person, language)], person
        if topic_id == "main-menu":
            return [self.replies.main_menu(language)], person
        if topic_id == "delete-my-data":
            confirm = self.replies.confirm_forget(language)
            return [confirm], replace(person, pending="confirm-delete")
        office = self.office.office_id(person)
        served = self.replies.snapshot.library.served(language, topic_id, office)
        if served is None or served.topic.is_function:
            return [self.replies.main_menu(language)], person
        await self._storage.record_view(person.id, topic_id, served.topic.lang, self._clock.now())
        details = self.office.answer_lines(topic_id, person, language)
        return [self.replies.answer(served, language, details)], person

    def _my_data(self, data: StoredData, language: str) -> Reply:
        """Exactly what the database holds about the person, in plain words."""
        text = my_data_text(data, language, self.replies.gettext(language),
                            lambda topic_id: self.replies.title(topic_id, language))
        return self.replies.text(language, text, self.replies.menu_row(language))

    @property
    def default_language(self) -> str:
        return self._default_language

    # -- what the application and the channels ask of the conversation -----------------------

    async def outbox_message(self, person: Person, item: OutboxItem) -> Reply | None:
        return await self.follow.outbox_message(person, item)

    def checkin_message(self, person: Person, item_id: int, key: str,
                        question_index: int = 0) -> Reply | None:
        return self.follow.checkin_message(person, item_id, key, question_index)

    def appointment_cancelled(self, appointment: Appointment, language: str) -> Reply:
        return self.follow.appointment_cancelled(appointment, language)

    def closed_by_worker(self, ticket: Ticket, language: str) -> list[Reply]:
        return self.replies.closed_by_worker(ticket, language)

    def still_waiting(self, language: str) -> list[Reply]:
        return self.replies.still_waiting(language)

    def template(self, topic_id: str, language: str,
                 person: Person | None = None) -> Reply | None:
        """A worker's /template: with the person's office's local answer and details."""
        if person is None:
            return self.replies.template(topic_id, language)
        return self.replies.template(topic_id, language, self.office.office_id(person),
                                     self.office.answer_lines(topic_id, person, language))

    def command_descriptions(self, language: str) -> list[tuple[str, str]]:
        return self.replies.command_descriptions(language)

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
