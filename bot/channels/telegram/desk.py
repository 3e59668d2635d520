"""The workers' side on Telegram: one forum topic per newcomer in a workers' supergroup.

With several offices each office has its own group(s); every post goes to the group of
the person (`bot.offices.routing.group_for`), and the topic remembers its group.

Messages are copied (copyMessage), never re-typed, so photos and voice notes arrive as
they were and Passerelle stores no message text, only the ids linking copies.
"""

from __future__ import annotations

import html
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.clock import Clock
from bot.domain.people import Person
from bot.domain.tickets import Ticket
from bot.escalation.ports import TicketBrief
from bot.i18n.catalogs import Catalogs
from bot.i18n.locale import native_name
from bot.offices.directory import OfficeDirectory
from bot.offices.model import Offices
from bot.offices.routing import group_for
from bot.storage.ports import Storage

log = logging.getLogger(__name__)
_NO_OFFICES = Offices()
THREAD_GONE = ("thread not found", "topic_deleted", "topic deleted", "topic_closed")


def thread_gone(error: BadRequest) -> bool:
    return any(marker in str(error.message).lower() for marker in THREAD_GONE)


class TelegramDesk:
    """Implements the WorkerDesk port with forum supergroups (one per office, or more)."""

    def __init__(self, bot: Bot, workers_chat_id: int | None, storage: Storage, clock: Clock,
                 catalogs: Catalogs, workers_language: str,
                 offices: OfficeDirectory | None = None) -> None:
        self._bot = bot
        self.offices = offices or OfficeDirectory(lambda: _NO_OFFICES, workers_chat_id)
        self.chat_id = workers_chat_id  # the deployment's own group (single office), if any
        self._storage = storage
        self._clock = clock
        self._gettext = catalogs.get(workers_language).gettext

    async def group(self, person: Person) -> int:
        """The person's workers' group (see bot.offices.routing)."""
        return await group_for(person, self.offices, self._storage)

    async def thread(self, person: Person, *, fresh: bool = False) -> tuple[int, int]:
        """(group, forum topic) of the person, the topic created on first use, again if it
        was deleted, and in the new group when the person changed office."""
        chat = await self.group(person)
        known = None if fresh else await self._storage.thread_group(person.id)
        if known is not None:
            stored = int(known[1]) if known[1] is not None else self.offices.default_group
            if stored == chat:
                return chat, int(known[0])
        from bot.domain.tickets import pseudonym

        language = (person.language or "?").upper()
        topic = await self._bot.create_forum_topic(chat, f"{pseudonym(person.id)} · "
                                                   f"{language}")
        single = chat == self.offices.default_group and not self.offices.several
        await self._storage.remember_thread(person.id, str(topic.message_thread_id),
                                            self._clock.now(), None if single else str(chat))
        return chat, topic.message_thread_id

    async def announce(self, ticket: Ticket, person: Person, brief: TicketBrief) -> None:
        _ = self._gettext
        lines = [("🆘 " if brief.urgent else "🔔 ") + "<b>" + html.escape(
            (_("Still waiting") if brief.reannounced else _("New request")) +
            f" #{ticket.id}") + "</b>"]
        language = native_name(brief.language) if brief.language != "?" else "?"
        language_label, about_label, viewed_label = (
            _("Language"), _("About"), _("Viewed recently"))
        lines.append(html.escape(f"{language_label}: {language} ({brief.language})"))
        if brief.about:
            lines.append(html.escape(f"{about_label}: {brief.about}"))
        if brief.recent_topics:
            lines.append(html.escape(f"{viewed_label}: " + ", ".join(brief.recent_topics)))
        if brief.urgent:
            lines.append("<b>" + html.escape(_("Urgent: crisis words or emergency.")) + "</b>")
        lines.append(html.escape(_("Write in this topic to answer; /note for internal notes, "
                                   "/template NAME, /lang, /urgent, /close.")))
        markup = InlineKeyboardMarkup([[
            InlineKeyboardButton("✋ " + _("Claim"), callback_data=f"w:claim:{ticket.id}"),
            InlineKeyboardButton("✔️ " + _("Close"), callback_data=f"w:close:{ticket.id}"),
        ]])
        await self._post(person, "\n".join(lines), markup)

    async def notify(self, ticket: Ticket | None, person: Person, text: str) -> None:
        await self._post(person, html.escape(text), None)

    async def forget(self, person: Person, thread: str, group: str | None = None) -> None:
        chat = int(group) if group is not None else self.offices.default_group
        if chat is None:
            return
        try:
            await self._bot.delete_forum_topic(chat, int(thread))
        except BadRequest as error:
            log.warning("could not delete a forgotten person's topic: %s", error.message)

    async def relay_from_person(self, ticket: Ticket, person: Person, message_ref: str) -> None:
        for fresh in (False, True):
            chat, thread = await self.thread(person, fresh=fresh)
            try:
                copy = await self._bot.copy_message(
                    chat, int(person.ref.address), int(message_ref),
                    message_thread_id=thread)
            except BadRequest as error:
                if fresh or not thread_gone(error):
                    raise
                log.warning("workers' topic of ticket %s was deleted: recreating it", ticket.id)
                continue
            await self._storage.link_relay(ticket.id, "to-workers", message_ref,
                                           str(copy.message_id), self._clock.now())
            return

    async def _post(self, person: Person, text: str, markup: InlineKeyboardMarkup | None) -> None:
        for fresh in (False, True):
            chat, thread = await self.thread(person, fresh=fresh)
            try:
                await self._bot.send_message(chat, text, parse_mode=ParseMode.HTML,
                                             message_thread_id=thread, reply_markup=markup)
                return
            except BadRequest as error:
                if fresh or not thread_gone(error):
                    raise
                log.warning("a workers' topic was deleted: recreating it")
