"""What Passerelle says: every reply the engine can send, built from content and catalogs.

The engine decides *which* reply; this module decides *how it reads* (texts in the
person's language, buttons, pictograms). Nothing here touches storage.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import __version__
from bot.content.library import ServedTopic
from bot.content.model import THEMES, Topic
from bot.content.source import ContentSource, Snapshot
from bot.domain.actions import Act, encode
from bot.domain.messages import Button, Reply
from bot.domain.tickets import Ticket
from bot.followup.schedule import CheckinPlan
from bot.i18n.catalogs import Catalogs
from bot.i18n.catalogs import noop as _noop
from bot.i18n.locale import format_day, format_moment, native_name
from bot.understanding.matcher import CRISIS
from bot.understanding.written_language import written_language

Gettext = Callable[[str], str]
THEME_EMOJI = {"rights": "📜", "appointments": "📅", "rules": "📋"}



THEME_NAMES = {"rights": _noop("Rights"), "appointments": _noop("Appointments"),
               "rules": _noop("Rules")}


class Replies:
    """Builds Reply objects for one content snapshot at a time (content can reload)."""

    def __init__(self, content: ContentSource, catalogs: Catalogs,
                 default_language: str = "fr") -> None:
        self._content = content
        self._catalogs = catalogs
        self._default_language = default_language

    def checkin_message(self, plan: CheckinPlan | None, language: str, item_id: int,
                        key: str, question_index: int = 0) -> Reply | None:
        """One check-in question with one-tap answers, in the person's language."""
        checkin = plan.checkin(key) if plan is not None else None
        if plan is None or checkin is None or question_index >= len(checkin.questions):
            return None
        text, text_lang = plan.question(checkin.questions[question_index],
                                        self.snapshot.library.chain(language))
        _ = self.gettext(language)
        def tap(answer: object) -> str:
            return encode(Act.CHECKIN, item_id, question_index, answer)

        faces = tuple(Button(face, tap(score))
                      for score, face in enumerate(("😞", "🙁", "😐", "🙂", "😄"), start=1))
        buttons = (faces, (Button("❓ " + _("I have a question"), tap("question")),),
                   (Button("🆘 " + _("I need help now"), tap("help")),))
        return Reply("message", text_lang, {"text": text}, None, buttons)

    def ask_about(self, language: str, recent: list[str]) -> Reply:
        _ = self.gettext(language)
        library = self.snapshot.library
        buttons: list[tuple[Button, ...]] = []
        for topic_id in recent[:2]:
            served = library.served(language, topic_id)
            if served is not None and not served.topic.is_function:
                buttons.append((Button(served.topic.title, encode(Act.ABOUT, topic_id)),))
        buttons.append(tuple(
            Button(f"{THEME_EMOJI[theme]} {_(THEME_NAMES[theme])}", encode(Act.ABOUT, theme))
            for theme in THEMES))
        buttons.append((Button("⏭ " + _("Skip"), encode(Act.ABOUT, "skip")),))
        buttons.extend(self.leave_row(language))
        text = _("A social worker can answer you here. What is it about? "
                 "Choose below, or write it in your own words.")
        return self.text(language, "💬 " + text, tuple(buttons))


    def ticket_confirmation(self, language: str, when: datetime | None) -> Reply:
        """What happens next: a worker answers here (now, or from `when` if closed)."""
        _ = self.gettext(language)
        if when is None:
            text = _("Thank you. A social worker will answer you here, in this chat. "
                     "You do not need to repeat your question. You can add messages, "
                     "photos or voice messages.")
        else:
            text = _("Thank you. Your request is saved. The office is closed now. "
                     "A social worker will answer you here from {when}. "
                     "In danger, call 112.").format(when=format_moment(when, language))
        return self.text(language, "✅ " + text, self.leave_row(language))


    def leave_row(self, language: str) -> tuple[tuple[Button, ...], ...]:
        _ = self.gettext(language)
        return ((Button("↩️ " + _("Back to the menu"), encode(Act.LEAVE)),),)


    def closed_by_worker(self, ticket: Ticket, language: str) -> list[Reply]:
        """What the person sees when the worker closes: a one-tap satisfaction question."""
        _ = self.gettext(language)
        buttons = (tuple(Button(face, encode(Act.SATISFACTION, ticket.id, score))
                         for face, score in (("😞", 1), ("😐", 2), ("🙂", 3))),
                   (Button("🏠 " + _("Menu"), encode(Act.MENU)),))
        text = _("The social worker has closed the conversation. How was it for you?")
        return [self.text(language, text, buttons)]


    def still_waiting(self, language: str) -> list[Reply]:
        _ = self.gettext(language)
        text = _("A social worker has not answered yet. We have not forgotten you. "
                 "Thank you for your patience.")
        return [self.text(language, "⏳ " + text, self.leave_row(language))]


    def template(self, topic_id: str, language: str, office: str | None = None,
                 details: tuple[str, ...] | list[str] = ()) -> Reply | None:
        """A prepared answer from the content, in the person's language (worker /template),
        with the person's office's local answer and details."""
        served = self.snapshot.library.served(language, topic_id, office)
        if served is None or served.topic.is_function:
            return None
        return self.answer(served, language, details)


    def title(self, topic_id: str, language: str) -> str:
        served = self.snapshot.library.served(language, topic_id)
        return served.topic.title if served else topic_id


    @property
    def snapshot(self) -> Snapshot:
        return self._content.current


    def gettext(self, language: str) -> Gettext:
        return self._catalogs.get(language).gettext


    def text(
        self, language: str, text: str, buttons: tuple[tuple[Button, ...], ...] = ()
    ) -> Reply:
        return Reply("message", language, {"text": text}, None, buttons)


    def menu_row(self, language: str) -> tuple[tuple[Button, ...], ...]:
        _ = self.gettext(language)
        return ((Button("🏠 " + _("Menu"), encode(Act.MENU)),
                 Button("💬 " + _("Talk to a person"), encode(Act.PERSON))),)


    def greeting(self, language: str, first_contact: bool = False) -> Reply:
        """The welcome; on first contact with what is kept and why, said once."""
        _ = self.gettext(language)
        text = _("Hello! I am Passerelle. I answer your questions about your rights, "
                 "your appointments and the rules in Belgium.")
        if first_contact:
            text += "\n\n🔒 " + _(
                "To answer you I keep your chat number, your language, dates and the "
                "answers you open; never your name or the text of your messages. "
                "/privacy says more, /mydata shows it, /forget deletes it.")
        return self.text(language, text)


    def language_picker(self, language: str, offered: tuple[str, ...] = ()) -> Reply:
        """Every language, or those the person's office `offered` (and their current one)."""
        _ = self.gettext(language)
        library = self.snapshot.library
        codes = [c for c in library.languages if not offered or c in offered or c == language]
        ordered = sorted(codes, key=lambda code: (code != language, code))
        buttons = tuple(
            (Button(("✓ " if code == language else "") + native_name(code),
                    encode(Act.LANG, code)),)
            for code in ordered
        )
        return self.text(language, "🌐 " + _("Choose your language:"), buttons)


    def language_set(self, language: str) -> Reply:
        _ = self.gettext(language)
        text = _("Your language is now {language}.")  # the 🌐 button is on every menu
        return self.text(language, text.format(language=native_name(language)))

    def language_offer(self, language: str, written: str) -> Reply:
        """One tap to switch to the language the person just wrote in (`written`); the
        question is in the chosen `language`, the button names `written` in itself."""
        _ = self.gettext(language)
        name = native_name(written)
        text = "🌐 " + _("Answer in {language}?").format(language=name)
        return self.text(language, text, ((Button(name, encode(Act.LANG, written)),),))

    def switch_offer(self, typed: str, language: str) -> list[Reply]:
        """The language offer, when `typed` is clearly in another served language than the
        chosen one (bot.understanding.written_language); otherwise nothing."""
        written = written_language(typed, self.snapshot.library.languages)
        if written is None or written == language:
            return []
        return [self.language_offer(language, written)]


    def main_menu(self, language: str) -> Reply:
        _ = self.gettext(language)
        buttons = (
            *((Button(f"{THEME_EMOJI.get(theme, '')} {_(THEME_NAMES[theme])}".strip(),
                      encode(Act.THEME, theme)),)
              for theme in THEMES if theme in self.snapshot.library.catalogue.themes),
            (Button("💬 " + _("Talk to a person"), encode(Act.PERSON)),
             Button("🌐 " + _("Language"), encode(Act.LANGUAGES))),
            *(((Button("🏢 " + _("Office"), encode(Act.OFFICE)),),)
              if self.snapshot.library.offices.several else ()),
        )
        text = _("What is your question about? Choose a theme, or type your question.")
        return self.text(language, text, buttons)


    def theme(self, theme: str, language: str) -> Reply:
        _ = self.gettext(language)
        library = self.snapshot.library
        buttons: list[tuple[Button, ...]] = []
        for topic_id in library.theme_topics(theme):
            served = library.served(language, topic_id)
            if served is not None:
                buttons.append((self.topic_button(served),))
        buttons.append((Button("🏠 " + _("Menu"), encode(Act.MENU)),))
        title = f"{THEME_EMOJI.get(theme, '')} {_(THEME_NAMES[theme])}".strip()
        return self.text(language, f"{title}\n" + _("Choose a topic:"), tuple(buttons))


    def topic_button(self, served: ServedTopic) -> Button:
        emoji = self.snapshot.library.pictogram_emoji.get(served.topic.pictogram, "")
        return Button(f"{emoji} {served.topic.title}".strip(), encode(Act.TOPIC, served.topic.id))


    def answer(self, served: ServedTopic, language: str,
               office: tuple[str, ...] | list[str] = ()) -> Reply:
        """`office`: the person's office details shown under the answer (hours, address)."""
        _ = self.gettext(language)
        library = self.snapshot.library
        topic = served.topic
        notices: list[str] = []
        if served.is_fallback:
            notices.append(_("This answer is not yet in your language. Here it is in {language}.")
                           .format(language=native_name(topic.lang)))
        elif library.is_outdated(topic):
            notices.append(_("This translation may be older than the French version."))
        buttons: list[tuple[Button, ...]] = [(
            Button("👍", encode(Act.FEEDBACK, topic.id, 1)),
            Button("👎", encode(Act.FEEDBACK, topic.id, 0)))]
        for related_id in topic.related[:3]:
            related = library.served(language, related_id)
            if related is not None and not related.topic.is_function:
                buttons.append((self.topic_button(related),))
        glossary = [library.glossary_entry(topic.lang, g) for g in topic.glossary[:3]]
        terms = tuple(Button(f"❓ {entry.term}", encode(Act.GLOSSARY, entry.id))
                      for entry in glossary if entry is not None)
        if terms:
            buttons.append(terms)
        buttons.extend(self.menu_row(language))
        context = {
            "title": topic.title,
            "body": topic.body,
            **self._provenance(topic, language),
            "source": topic.source or "",
            "source_label": _("Official source"),
            "helped": _("Did this help?"),
            "notices": notices,
            "office": list(office),
        }
        return Reply("answer", topic.lang if served.is_fallback else language, context,
                     topic.pictogram or None, tuple(buttons))


    def glossary(self, entry_id: str, language: str) -> Reply:
        entry = self.snapshot.library.glossary_entry(language, entry_id)
        if entry is None:
            return self.main_menu(language)
        return Reply("glossary", language, {"term": entry.term, "means": entry.means}, None,
                     self.menu_row(language))


    def did_you_mean(self, alternatives: tuple[str, ...], language: str) -> Reply:
        _ = self.gettext(language)
        library = self.snapshot.library
        buttons: list[tuple[Button, ...]] = []
        for topic_id in alternatives[:3]:
            served = library.served(language, topic_id)
            if served is None:
                continue
            if served.topic.is_function:
                buttons.append((Button(served.topic.title, encode(Act.TOPIC, topic_id)),))
            else:
                buttons.append((self.topic_button(served),))
        buttons.extend(self.menu_row(language))
        return self.text(language, _("Did you mean:"), tuple(buttons))


    def crisis(self, language: str, category: str | None = None) -> list[Reply]:
        """The emergency answer that fits the danger: the category's own content
        (crisis-medical, crisis-poisoning, …) when there is one, else the general one."""
        _ = self.gettext(language)
        library = self.snapshot.library
        served = (library.served(language, f"crisis-{category}") if category else None) or \
            library.served(language, CRISIS)
        body = served.topic.body if served else ""
        numbers = (_("Emergency: call 112. Suicide line: 1813 (Flanders), "
                     "0800 32 123 (Wallonia and Brussels). Free, day and night.")
                   if category in {None, "suicide"}
                   else _("Emergency: call 112. Free, day and night."))
        context = {
            "numbers": numbers,
            "body": body,
            "offer": _("Do you want to talk to a person?"),
        }
        buttons = ((Button("💬 " + _("Talk to a person"), encode(Act.PERSON, "crisis")),),
                   (Button("🏠 " + _("Menu"), encode(Act.MENU)),))
        return [Reply("crisis", language, context, None, buttons)]

    def crisis_check(self, language: str, category: str, ordinary_topic: str | None) -> Reply:
        """The one question asked when the crisis model is unsure: danger now, yes or no?
        112 is on the screen before any tap. "Yes" gives the category's crisis reply; "no"
        gives the answer the message would have had (or the menu)."""
        _ = self.gettext(language)
        question = "⚠️ " + _("Are you or someone near you in danger right now?")
        numbers = _("Emergency: call 112. Free, day and night.")
        no = (encode(Act.TOPIC, ordinary_topic) if ordinary_topic is not None
              else encode(Act.MENU))
        buttons = ((Button("🆘 " + _("Yes, danger now"), encode(Act.TOPIC, f"crisis-{category}")),),
                   (Button(_("No, I have a question"), no),))
        return self.text(language, f"{question}\n{numbers}", buttons)

    def talk_to_person(self, language: str) -> Reply:
        _ = self.gettext(language)
        text = _("A social worker cannot be reached in this chat yet. Call or visit your "
                 "CPAS. In danger, call 112.")
        return self.text(language, "💬 " + text, ((Button("🏠 " + _("Menu"), encode(Act.MENU)),),))


    def confirm_forget(self, language: str) -> Reply:
        _ = self.gettext(language)
        served = self.snapshot.library.served(language, "delete-my-data")
        explanation = served.topic.body if served and served.topic.body else ""
        question = _("Do you want me to forget you? I will delete your language and history.")
        buttons = ((Button("🗑 " + _("Yes, delete"), encode(Act.FORGET, "yes")),
                    Button(_("No"), encode(Act.FORGET, "no"))),)
        return Reply("confirm", language, {"body": explanation, "question": question},
                     None, buttons)


    def _provenance(self, topic: Topic, language: str) -> dict[str, str]:
        """Never claim a check that did not happen: a person's review date when there is
        one, else the official site and the day its page was seen."""
        _ = self.gettext(language)
        if topic.checked is not None:
            return {"checked": format_day(topic.checked, language),
                    "checked_label": _("Checked by a social worker on")}
        if topic.source_seen is not None and topic.source_site:
            return {"checked": f"{topic.source_site}, {format_day(topic.source_seen, language)}",
                    "checked_label": _("Information from")}
        return {"checked": "", "checked_label": ""}

    def about(self, language: str) -> Reply:
        _ = self.gettext(language)
        library = self.snapshot.library
        reviewed, seen = library.latest_checked, library.latest_seen
        text = _("Passerelle {version}: free, open-source information point for newcomers "
                 "in Belgium. Content version {content}, information from official pages "
                 "seen up to {date}. "
                 "I store your chat number, language, dates and the answers you viewed; "
                 "never the text of your messages.").format(
            version=__version__, content=library.version,
            date=format_day(seen, language) if seen else "-")
        if reviewed is None:
            text += " " + _("The answers are drafts: no social worker has reviewed them yet.")
        return self.text(language, "ℹ️ " + text, self.menu_row(language))


    def help(self, language: str) -> Reply:
        _ = self.gettext(language)
        text = _("Type your question in your own words, or use the buttons. "
                 "Commands: /menu, /language, /person, /about.")
        return self.text(language, text, self.menu_row(language))


    def media(self, media: str, language: str) -> Reply:
        _ = self.gettext(language)
        if media in {"voice", "audio", "video_note"}:
            text = _("I cannot listen to voice messages. Please use the buttons or type a few "
                     "words. A person can help you too.")
        elif media == "location":
            text = _("Thank you. I do not use locations. Please use the buttons or type "
                     "your question.")
        else:
            text = _("I can only read text. Please use the buttons or type your question.")
        return self.text(language, text, self.menu_row(language))


    def command_descriptions(self, language: str) -> list[tuple[str, str]]:
        """The commands and their descriptions, for a channel's command menu."""
        _ = self.gettext(language)
        return [
            ("start", _("Start again")),
            ("menu", _("Main menu")),
            ("language", _("Change language")),
            ("person", _("Talk to a person")),
            ("checkins", _("My check-ins")),
            *((("office", _("Choose my office")),) if self.snapshot.library.offices.several
              else ()),
            ("stop", _("Stop check-ins")),
            ("about", _("About Passerelle")),
            ("privacy", _("What I keep and why")),
            ("mydata", _("See what I store about you")),
            ("forget", _("Delete my data")),
            ("help", _("Help")),
        ]
