"""The workers' forum supergroups on Telegram: Update → WorkerEvent → the desk → Bot API.

Only members of the workers' group a message or button comes from can act (getChatMember,
cached for a minute); the desk then refuses a person of another office. What a
message or button means is decided by the application's WorkersDesk; this module only
translates, checks membership, copies a worker's message to a person on Telegram and
renders the desk's answers.
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
import time
from functools import partial

import segno
from telegram import Bot, CallbackQuery, Message, Update, User
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.application.deliveries import once
from bot.application.desk import ActionKind, DeskAction, WorkerEvent, WorkersDesk
from bot.application.outbound import PersonUnreachable
from bot.channels.telegram.deliver import bot_api_errors
from bot.channels.telegram.desk import TelegramDesk
from bot.channels.telegram.sender import (
    CHANNEL,
    MAX_CAPTION,
    answer_query,
    split_text,
    visible_length,
)
from bot.domain.people import Person
from bot.domain.text import scrub

log = logging.getLogger(__name__)
MEMBERSHIP_TTL = 60.0
MEMBER_STATUSES = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR,
                   ChatMemberStatus.OWNER}


class WorkersGroup:
    def __init__(self, bot: Bot, desk: TelegramDesk, workers: WorkersDesk) -> None:
        self._bot = bot
        self._desk = desk
        self._workers = workers
        self._members: dict[tuple[int, int], tuple[bool, float]] = {}

    @property
    def chat_id(self) -> int | None:
        """The deployment's own workers' group (single office), if any."""
        return self._desk.chat_id

    def groups(self) -> frozenset[int]:
        """Every office's workers' groups (read from the content each time: it reloads)."""
        return self._desk.offices.all_groups()

    def is_group(self, chat_id: int) -> bool:
        return chat_id in self.groups()

    async def is_member(self, user: User | None, chat_id: int | None = None) -> bool:
        """Plain members count, not only administrators; cached briefly, never forever."""
        chat = self.chat_id if chat_id is None else chat_id
        if user is None or user.is_bot or chat is None or not self.is_group(chat):
            return False
        cached = self._members.get((chat, user.id))
        if cached is not None and time.monotonic() - cached[1] < MEMBERSHIP_TTL:
            return cached[0]
        try:
            member = await self._bot.get_chat_member(chat, user.id)
            allowed = member.status in MEMBER_STATUSES or bool(
                getattr(member, "is_member", False))
        except TelegramError:
            allowed = False
        self._members[(chat, user.id)] = (allowed, time.monotonic())
        return allowed

    async def on_message(self, update: Update) -> None:
        message = update.effective_message
        if message is None:
            return
        if not await self.is_member(message.from_user, message.chat.id):
            log.warning("message in the workers' group from a non-member refused")
            return
        thread = message.message_thread_id
        event = WorkerEvent(
            worker=message.from_user.first_name if message.from_user else "",
            thread=str(thread) if thread is not None else None,
            text=scrub(message.text or ""), message_ref=str(message.message_id),
            group=str(message.chat.id))
        await self._carry_out(await self._workers.handle(event), message)

    async def on_button(self, update: Update) -> None:
        """Membership is checked on every press (cached a minute); forged data (`w:close:²`,
        ids past 2**63, another topic's ticket) is refused with an alert; the button never
        keeps spinning, even when carrying the action out fails."""
        query = update.callback_query
        if query is None:
            return
        answered = False
        try:
            answered = await self._button(update, query)
        finally:
            if not answered:
                with contextlib.suppress(TelegramError):
                    await query.answer()

    async def _button(self, update: Update, query: CallbackQuery) -> bool:
        """True once the query is answered."""
        message = query.message
        kind, _sep, raw_id = (query.data or "").removeprefix("w:").partition(":")
        ticket = None
        if (isinstance(message, Message) and self.is_group(message.chat.id)
                and await self.is_member(query.from_user, message.chat.id)):
            thread = message.message_thread_id
            ticket = await self._workers.ticket_in_thread(
                raw_id, str(thread) if thread is not None else None, str(message.chat.id))
        if ticket is None or kind not in {"claim", "close"} or not isinstance(message, Message):
            log.warning("refused a workers' button from user %s",
                        query.from_user.id if query.from_user else "?")
            await answer_query(query, self._workers.refused(), show_alert=True)
            return True
        await answer_query(query)
        name = query.from_user.first_name if query.from_user else ""
        actions = await (self._workers.claim(ticket.id, name) if kind == "claim"
                         else self._workers.close(ticket.id, name))
        await self._carry_out(actions, message)
        return True

    # -- carrying out the desk's decisions --------------------------------------------------

    async def _carry_out(self, actions: list[DeskAction], message: Message) -> None:
        for position, action in enumerate(actions):  # handled again: not sent twice
            await once(f"desk:{position}:{action.kind.value}",
                       partial(self._carry_out_one, action, message))

    async def _carry_out_one(self, action: DeskAction, message: Message) -> None:
        if action.kind is ActionKind.SAY:
            await self._reply(message, action.text)
        elif action.kind is ActionKind.STATUS and action.person is not None:
            await self._desk.notify(action.ticket, action.person, action.text)
        elif action.kind is ActionKind.ENROL_LINK:
            await self._enrol_link(message, action.token)
        elif action.kind is ActionKind.RELAY and action.person is not None:
            await self._relay(message, action)

    async def _relay(self, message: Message, action: DeskAction) -> None:
        """The worker's own message to the person: copied on Telegram (photos, voice…),
        as signed text through the person's channel elsewhere."""
        person = action.person
        assert person is not None
        try:
            if person.ref.channel == CHANNEL:
                async with bot_api_errors():
                    await self._copy_to(person, message, action.signature)
            else:
                text = message.text or message.caption or "📎"
                reply = self._workers.signed(person, action.signature, text)
                await self._workers.send_to_person(action.ticket, person, [reply])
        except PersonUnreachable:
            await self._workers.person_unreachable(action.ticket, person)

    async def _copy_to(self, person: Person, message: Message, name: str) -> None:
        chat = int(person.ref.address)
        signature = f"👤 <b>{html.escape(name)}</b>"
        if message.text:  # a long answer goes in several messages (Telegram's 4096)
            for part in split_text(f"{signature}: {html.escape(scrub(message.text))}"):
                await self._bot.send_message(chat, part, parse_mode=ParseMode.HTML)
            return
        caption = signature + (f": {html.escape(scrub(message.caption))}"
                               if message.caption else "")
        if visible_length(caption) > MAX_CAPTION:  # the words apart, the file signed
            for part in split_text(caption):
                await self._bot.send_message(chat, part, parse_mode=ParseMode.HTML)
            caption = signature
        await self._bot.copy_message(chat, message.chat.id, message.message_id, caption=caption,
                                     parse_mode=ParseMode.HTML)

    async def _enrol_link(self, message: Message, token: str) -> None:
        link = f"https://t.me/{self._bot.username}?start={token}"
        image = io.BytesIO()
        segno.make(link, error="m").save(image, kind="png", scale=8, border=4)
        await self._bot.send_photo(message.chat.id, image.getvalue(), filename="passerelle.png",
                                   caption=html.escape(self._workers.enrol_caption(link)),
                                   parse_mode=ParseMode.HTML,
                                   message_thread_id=message.message_thread_id)

    async def _reply(self, message: Message, text: str) -> None:
        try:
            await message.reply_text(html.escape(text), parse_mode=ParseMode.HTML)
        except BadRequest:
            log.warning("could not answer in the workers' group")
