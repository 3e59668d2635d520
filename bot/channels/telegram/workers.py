"""Handlers for the workers' forum supergroup: relay answers, commands, Claim/Close buttons.

Only members of the workers' group can act (getChatMember, cached for a minute). A
button's ticket id is always looked up again and must belong to the topic the button was
pressed in, so forged callback data cannot touch another ticket.
"""

from __future__ import annotations

import html
import io
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date

import segno
from telegram import Bot, Message, Update, User
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.channels.telegram.desk import TelegramDesk
from bot.channels.telegram.sender import TelegramSender
from bot.conversation.engine import Engine
from bot.conversation.events import Reply
from bot.conversation.person import Person
from bot.escalation.service import EscalationService, TicketError
from bot.escalation.tickets import Ticket, pseudonym
from bot.followup.appointments import parse_appointment
from bot.i18n.catalogs import noop as _noop
from bot.i18n.locale import format_moment
from bot.render.renderer import Renderer

log = logging.getLogger(__name__)
MEMBERSHIP_TTL = 60.0
MEMBER_STATUSES = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR,
                   ChatMemberStatus.OWNER}


class WorkersGroup:
    def __init__(self, bot: Bot, desk: TelegramDesk, escalation: EscalationService,
                 engine: Engine, sender: TelegramSender) -> None:
        self._bot = bot
        self._desk = desk
        self._escalation = escalation
        self._engine = engine
        self._sender = sender
        self._renderer = Renderer("html")
        self._members: dict[int, tuple[bool, float]] = {}
        self._gettext = engine.worker_gettext()

    @property
    def chat_id(self) -> int:
        return self._desk.chat_id

    async def is_member(self, user: User | None) -> bool:
        """Plain members count, not only administrators; cached briefly."""
        if user is None or user.is_bot:
            return False
        cached = self._members.get(user.id)
        if cached is not None and time.monotonic() - cached[1] < MEMBERSHIP_TTL:
            return cached[0]
        try:
            member = await self._bot.get_chat_member(self.chat_id, user.id)
            allowed = member.status in MEMBER_STATUSES or bool(
                getattr(member, "is_member", False))
        except TelegramError:
            allowed = False
        self._members[user.id] = (allowed, time.monotonic())
        return allowed

    # -- messages in a topic --------------------------------------------------------------

    async def on_message(self, update: Update) -> None:
        message = update.effective_message
        if message is None:
            return
        if not await self.is_member(message.from_user):
            log.warning("message in the workers' group from a non-member refused")
            return
        text = message.text or ""
        if text.startswith(("/enrol", "/enroll")):
            await self._enrol(message, text)
            return
        if text.startswith("/followups"):
            await self._followups(message)
            return
        if message.message_thread_id is None:
            return
        ticket, person = await self._escalation.for_thread(str(message.message_thread_id))
        if person is None:
            return
        text = message.text or ""
        if text.startswith("/"):
            await self._command(message, text, ticket, person)
            return
        if ticket is None:
            await self._reply(message, self._gettext(
                "This person has no open request: the message was not sent."))
            return
        name = self._escalation.signature(message.from_user.first_name
                                          if message.from_user else "")
        ticket, person = await self._escalation.worker_wrote(ticket.id, name)
        await self._deliver(ticket, person, lambda: self._relay_to_person(message, person, name))

    async def _command(self, message: Message, text: str, ticket: Ticket | None,
                       person: Person) -> None:
        _ = self._gettext
        command, _sep, argument = text[1:].partition(" ")
        command = command.split("@")[0].lower()
        argument = argument.strip()
        language = person.language or "fr"
        if command == "note":
            await self._reply(message, "📝 " + _("Note kept for the workers; not sent."))
            return
        if command == "lang":
            await self._reply(message, f"🌐 {language}")
            return
        if command == "appointment":
            await self._appointment(message, argument, person)
            return
        if command in {"checkins", "enddate"}:
            await self._plan(message, command, argument, person)
            return
        if ticket is None:
            await self._reply(message, _("This person has no open request."))
            return
        if command == "close":
            await self._close(ticket.id, message.from_user, message)
        elif command == "urgent":
            await self._escalation.make_urgent(ticket, person, _noop("marked by a worker"))
        elif command == "template":
            reply = self._engine.template(argument, language)
            if reply is None:
                await self._reply(message, _("Unknown template. Use a topic id, for example "
                                             "/template rental-deposit"))
                return
            await self._deliver(ticket, person, lambda: self._sender.send(
                int(person.ref.address), self._renderer.render(reply)))
            await self._reply(message, "✓ " + _("Template sent in the person's language."))
        else:
            await self._reply(message, _("Commands: /close, /note, /template NAME, /lang, "
                                         "/urgent, /appointment, /checkins, /enddate."))

    async def _plan(self, message: Message, command: str, argument: str,
                    person: Person) -> None:
        """`/checkins` shows the person's plan; `/enddate YYYY-MM-DD` moves the end date."""
        _ = self._gettext
        followup = self._engine.followup
        if followup is None:
            return
        if command == "enddate":
            try:
                end = date.fromisoformat(argument)
            except ValueError:
                await self._reply(message, _("Write: /enddate YYYY-MM-DD"))
                return
            await followup.change_end(person.id, end)
        language = self._escalation.settings.workers_language
        pending = await followup.pending(person.id)
        if not pending:
            await self._reply(message, "🗓 " + _("No check-ins or reminders planned."))
            return
        lines = [f"{item.key}: {format_moment(item.due_at, language)}" for item in pending]
        await self._reply(message, "🗓 " + "\n".join(lines))

    async def _appointment(self, message: Message, argument: str, person: Person) -> None:
        """`/appointment 2026-12-03 14:30 place`: confirmation and reminders for the person."""
        _ = self._gettext
        followup = self._engine.followup
        words = argument.split()
        if followup is not None and len(words) == 2 and words[0] == "cancel" and \
                words[1].isdigit():
            cancelled = await followup.cancel_appointment(person.id, int(words[1]))
            if cancelled is None:
                await self._reply(message, _("Unknown appointment."))
                return
            reply = self._engine.appointment_cancelled(cancelled, person.language or "fr")
            await self._deliver_reply(person, reply)
            await self._reply(message, "📅 " + _("Appointment cancelled; the person is told."))
            return
        parsed = parse_appointment(argument)
        if parsed is None or followup is None:
            await self._reply(message, _("Write: /appointment YYYY-MM-DD HH:MM place"))
            return
        starts_at, place = parsed
        worker = self._escalation.signature(message.from_user.first_name
                                            if message.from_user else "")
        appointment, planned = await followup.add_appointment(person.id, starts_at, place,
                                                              worker)
        language = self._escalation.settings.workers_language
        when = ", ".join(format_moment(due, language) for due in planned)
        await self._reply(message, f"📅 #{appointment.id} " + _(
            "Appointment saved. Messages planned: {when}").format(when=when))

    async def _followups(self, message: Message) -> None:
        """Who is due, overdue, or asked for help."""
        _ = self._gettext
        followup = self._engine.followup
        rows = await followup.overview() if followup else []
        if not rows:
            await self._reply(message, _("No participants are followed up."))
            return
        language = self._escalation.settings.workers_language
        overdue_label, answer_label = _("overdue"), _("last answer")
        lines = []
        for person_id, due, overdue, answer in rows:
            flag = "🆘 " if answer == "help" else ("⏰ " if overdue else "")
            when = format_moment(due, language) if due else "-"
            lines.append(f"{flag}{pseudonym(person_id)} · {when} · {overdue_label}: {overdue}"
                         f" · {answer_label}: {answer or '-'}")
        await self._reply(message, "\n".join(lines))

    async def _enrol(self, message: Message, text: str) -> None:
        """`/enrol YYYY-MM-DD [first name] [office]`: a one-time link and its QR code."""
        _ = self._gettext
        followup = self._engine.followup
        parts = text.split(maxsplit=3)
        try:
            end = date.fromisoformat(parts[1])
        except (IndexError, ValueError):
            await self._reply(message, _("Write: /enrol YYYY-MM-DD (the end date of the "
                                         "programme), then optionally your first name and "
                                         "office."))
            return
        if followup is None:
            return
        worker = parts[2] if len(parts) > 2 else (
            message.from_user.first_name if message.from_user else None)
        office = parts[3] if len(parts) > 3 else None
        token = await followup.create_token(end, worker, office)
        link = f"https://t.me/{self._bot.username}?start={token}"
        image = io.BytesIO()
        segno.make(link, error="m").save(image, kind="png", scale=8, border=4)
        caption = _("One-time link for the participant (valid 30 days): {link}").format(
            link=link)
        await self._bot.send_photo(self.chat_id, image.getvalue(), filename="passerelle.png",
                                   caption=html.escape(caption), parse_mode=ParseMode.HTML,
                                   message_thread_id=message.message_thread_id)

    # -- buttons --------------------------------------------------------------------------

    async def on_button(self, update: Update) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        allowed = (
            isinstance(message, Message) and message.chat.id == self.chat_id
            and await self.is_member(query.from_user)
        )
        kind, _sep, raw_id = (query.data or "").removeprefix("w:").partition(":")
        ticket = await self._escalation_ticket(raw_id)
        if allowed and ticket is not None and isinstance(message, Message):
            thread = await self._desk_thread_of(ticket)
            allowed = thread is not None and str(message.message_thread_id) == thread
        if not allowed or ticket is None:
            log.warning("refused a workers' button from user %s",
                        query.from_user.id if query.from_user else "?")
            await query.answer(self._gettext("Not allowed."), show_alert=True)
            return
        await query.answer()
        if kind == "claim":
            try:
                name = self._escalation.signature(query.from_user.first_name)
                ticket, person = await self._escalation.claim(ticket.id, name)
            except TicketError:
                return
            await self._desk.notify(ticket, person, f"✋ {name}")
        elif kind == "close" and isinstance(message, Message):
            await self._close(ticket.id, query.from_user, message)

    async def _close(self, ticket_id: int, user: User | None, where: Message) -> None:
        try:
            ticket, person = await self._escalation.close(
                ticket_id, self._escalation.signature(user.first_name if user else ""))
        except TicketError:
            await self._reply(where, self._gettext("This request is already closed."))
            return
        await self._desk.notify(ticket, person, "✔️ " + self._gettext("Closed."))
        replies = self._engine.closed_by_worker(ticket, person.language or "fr")

        async def send() -> None:
            for reply in replies:
                await self._sender.send(int(person.ref.address), self._renderer.render(reply))

        await self._deliver(ticket, person, send)

    # -- helpers --------------------------------------------------------------------------

    async def _relay_to_person(self, message: Message, person: Person, name: str) -> None:
        chat = int(person.ref.address)
        signature = f"👤 <b>{html.escape(name)}</b>"
        if message.text:
            await self._bot.send_message(chat, f"{signature}: {html.escape(message.text)}",
                                         parse_mode=ParseMode.HTML)
            return
        caption = signature + (f": {html.escape(message.caption)}" if message.caption else "")
        await self._bot.copy_message(chat, self.chat_id, message.message_id, caption=caption,
                                     parse_mode=ParseMode.HTML)

    async def _deliver_reply(self, person: Person, reply: Reply) -> None:
        """A message to the person outside any ticket; a blocked person is only logged."""
        try:
            await self._sender.send(int(person.ref.address), self._renderer.render(reply))
        except Forbidden:
            log.info("person %s has blocked the bot", person.id)

    async def _deliver(self, ticket: Ticket, person: Person,
                       send: Callable[[], Awaitable[None]]) -> None:
        """Send to the person; a person who blocked the bot is recorded on the ticket."""
        try:
            await send()
        except Forbidden:
            await self._escalation.mark_blocked(ticket, person)

    async def _reply(self, message: Message, text: str) -> None:
        try:
            await message.reply_text(html.escape(text), parse_mode=ParseMode.HTML)
        except BadRequest:
            log.warning("could not answer in the workers' group")

    async def _escalation_ticket(self, raw_id: str) -> Ticket | None:
        if not raw_id.isdigit():
            return None
        return await self._escalation.ticket(int(raw_id))

    async def _desk_thread_of(self, ticket: Ticket) -> str | None:
        return await self._escalation.thread_of(ticket)
