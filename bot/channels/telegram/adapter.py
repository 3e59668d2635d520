"""python-telegram-bot handlers: Update → engine Event → rendered replies → Bot API.

Nothing here decides what to say; it only translates. Message text is never logged
unless PASSERELLE_LOG_MESSAGE_TEXT is set.

Updates are fetched by our own long-poll loop rather than PTB's Updater: each batch is
written to the inbox *before* the next getUpdates confirms it to Telegram (PTB confirms
as soon as it has queued a batch, before any handler ran, so a crash lost it). In webhook
mode (PASSERELLE_WEBHOOK_URL, `webhook.py`) Telegram POSTs each update instead, and it is
written the same way before the 200. The application's InboxProcessor then hands each
update to PTB's handlers, in order per chat and concurrently across chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import timedelta
from functools import partial

from telegram import BotCommand, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.application.deliveries import once
from bot.application.flood import FloodGate
from bot.application.inbox import InboxProcessor
from bot.application.jobs import Jobs
from bot.application.leases import Leases
from bot.channels.telegram.groups import WorkersChats
from bot.channels.telegram.sender import CHANNEL, TelegramSender, answer_query
from bot.channels.telegram.webhook import UnusableUpdate, webhook_of
from bot.channels.telegram.workers import WorkersGroup
from bot.clock import Clock
from bot.config import Settings
from bot.content.source import ContentSource
from bot.conversation.engine import COMMANDS, Engine
from bot.domain.inbox import InboxItem
from bot.domain.messages import Event, EventKind
from bot.domain.people import PersonRef
from bot.domain.text import scrub
from bot.render.renderer import Rendered, Renderer
from bot.storage.sqlite import SqlStorage

log = logging.getLogger(__name__)
MEDIA_KINDS = ("photo", "voice", "audio", "video", "video_note", "document", "sticker",
               "location", "venue", "contact", "animation", "poll", "dice")


class TelegramChannel:
    """Owns the PTB Application and turns its updates into engine calls."""

    def __init__(
        self, settings: Settings, engine: Engine, storage: SqlStorage, content: ContentSource,
        clock: Clock,
    ) -> None:
        if not settings.telegram_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self._engine = engine
        self._content = content
        self._settings = settings
        self._renderer = Renderer("html")
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_token)
            .base_url(settings.telegram_base_url)
            .rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram_rate,
                                         max_retries=3))
            .updater(None)
        )
        self._storage = storage
        self._clock = clock
        self.jobs: Jobs | None = None
        self.inbox = InboxProcessor(storage, clock, CHANNEL, self._process)
        self.flood = FloodGate(engine, storage, clock)  # the web point's, per chat
        self.retry_pauses: tuple[float, ...] = (1.0, 4.0)  # then the reply is given up
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.poll_timeout = 25
        self._leases: Leases | None = None  # None: no other process shares the database
        self.webhook = webhook_of(settings)  # None: polling
        if settings.telegram_base_file_url:
            builder = builder.base_file_url(settings.telegram_base_file_url)
        self.application: Application = builder.build()  # type: ignore[type-arg]
        self.sender = TelegramSender(
            self.application.bot, storage, content.current.library.pictograms)
        self.workers: WorkersGroup | None = None
        # Every update type is handled or ignored on purpose: newcomers are private chats'
        # new messages (an edit is read again as text, never relayed twice); groups and
        # channels other than the workers' group, polls, reactions, business messages…
        # match no handler and are dropped without a word; the bot leaves groups it is
        # added to; an inline query gets an empty answer.
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        edited = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE & filters.TEXT
        app = self.application
        workers_chat = WorkersChats(self._workers_chats)  # every office's groups
        app.add_handler(MessageHandler(workers_chat, self._on_workers_message))
        app.add_handler(CallbackQueryHandler(self._on_workers_button, pattern=r"^w:"))
        app.add_handler(MessageHandler(private & filters.COMMAND, self._on_command))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(MessageHandler(private & filters.TEXT, self._on_text))
        app.add_handler(MessageHandler(edited & ~filters.COMMAND, self._on_text))
        app.add_handler(MessageHandler(
            private & ~filters.TEXT & ~filters.StatusUpdate.ALL, self._on_media))
        app.add_handler(ChatMemberHandler(self._on_my_membership,
                                          ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(InlineQueryHandler(self._on_inline_query))
        app.add_error_handler(self._on_error)

    async def _register_commands(self) -> None:
        """Register the command menu in every served language (setMyCommands)."""
        bot = self.application.bot
        library = self._content.current.library
        default = self._engine.command_descriptions(self._settings.default_language)
        await bot.set_my_commands([BotCommand(c, d) for c, d in default])
        for code, language in library.languages.items():
            commands = self._engine.command_descriptions(code)
            for telegram_code in language.telegram_codes:
                await bot.set_my_commands(
                    [BotCommand(c, d) for c, d in commands], language_code=telegram_code)

    # -- update → event -------------------------------------------------------------------

    async def _on_command(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        head, _sep, argument = scrub(message.text)[1:].partition(" ")
        command = head.split("@")[0].lower()
        await self._handle(update, Event(
            self._ref(update), EventKind.COMMAND, command=command if command in COMMANDS
            else f"unknown:{command}", text=argument.strip(), language_hint=self._hint(update)))

    async def _on_workers_message(self, update: Update,
                                  _context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.workers is not None:
            await self.workers.on_message(update)

    async def _on_workers_button(self, update: Update,
                                 _context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.workers is not None:
            await self.workers.on_button(update)
        elif update.callback_query is not None:
            await answer_query(update.callback_query)

    def _workers_chats(self) -> frozenset[int]:
        return self.workers.groups() if self.workers is not None else frozenset()

    async def _on_button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        chat = update.effective_chat
        if chat is None or chat.type != "private":
            await answer_query(query)
            return
        await answer_query(query)
        await self._handle(update, Event(
            self._ref(update), EventKind.BUTTON, action=query.data or "",
            language_hint=self._hint(update)))

    async def _on_text(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        text = scrub(message.text) if message and message.text else ""
        edit = update.edited_message is not None  # answered again, never relayed again
        if self._settings.log_message_text:
            log.info("text from %s: %r", update.effective_chat.id if update.effective_chat else "?",
                     text)
        await self._handle(update, Event(
            self._ref(update), EventKind.TEXT, text=text, language_hint=self._hint(update),
            message_ref=str(message.message_id) if message and not edit else None))

    async def _on_media(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        kind = next((k for k in MEDIA_KINDS if message is not None and getattr(message, k, None)),
                    "other")
        caption = message.caption if message is not None and message.caption else ""
        await self._handle(update, Event(
            self._ref(update), EventKind.MEDIA, media=kind, text=caption,
            language_hint=self._hint(update),
            message_ref=str(message.message_id) if message else None))

    async def _on_my_membership(self, update: Update,
                                _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Blocked or unblocked by a person: nothing to do (a 403 later is expected and
        quiet). Added to a group or channel that is not the workers' group: leave it."""
        change = update.my_chat_member
        if change is None:
            return
        chat, status = change.chat, change.new_chat_member.status
        if chat.type == "private":
            log.info("a person %s the bot", "blocked" if status == ChatMemberStatus.BANNED
                     else "unblocked")
            return
        joined = status in {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR}
        if joined and chat.id not in self._workers_chats():
            log.warning("added to a %s that is not a workers' group (id %s): leaving it",
                        chat.type, chat.id)
            try:
                await chat.leave()
            except (Forbidden, NetworkError, TimedOut) as error:
                log.warning("could not leave the %s: %s", chat.type, type(error).__name__)

    async def _on_inline_query(self, update: Update,
                               _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.inline_query is not None:  # inline mode is off: an empty answer, at once
            await update.inline_query.answer([], cache_time=3600, is_personal=True)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A person who blocked the bot, or a network hiccup, is no bug: no traceback."""
        error = context.error
        if isinstance(error, Forbidden):
            log.info("a reply could not be delivered: the person blocked the bot")
        elif isinstance(error, RetryAfter | TimedOut | NetworkError):
            log.warning("a reply was not sent: %s", type(error).__name__)
        else:
            log.error("telegram handler failed: %s", type(error).__name__, exc_info=error)

    # -- the inbox: durable before acknowledged ---------------------------------------------

    async def _poll(self) -> None:
        """Long-poll getUpdates; store each batch before the next call confirms it."""
        bot = self.application.bot
        offset: int | None = None
        polling = False
        while not self._stop.is_set():
            if not await self._my_turn_to_poll():
                polling = False  # another process polls; this one handles lanes and jobs
                await _pause(self._stop, 2.0)
                continue
            if not polling:  # (again) this process's turn: resume where the inbox ends
                last = await self._storage.last_received(CHANNEL)
                offset, polling = (None if last is None else last + 1), True
            try:
                updates = await bot.get_updates(offset=offset, timeout=self.poll_timeout,
                                                allowed_updates=Update.ALL_TYPES)
            except (TimedOut, NetworkError) as error:
                log.warning("getUpdates failed (%s); trying again", type(error).__name__)
                await _pause(self._stop, 1.0)
                continue
            if not updates:
                continue
            try:
                await self._receive(updates)
            except Exception:  # not confirmed to Telegram: the same batch comes again
                log.exception("could not store %d updates; trying again", len(updates))
                await _pause(self._stop, 1.0)
                continue
            offset = updates[-1].update_id + 1

    def use_leases(self, leases: Leases) -> None:
        """Share one database with other processes: one of them polls Telegram at a time
        (Telegram allows one getUpdates), and every one handles its share of the inbox."""
        self._leases = leases
        self.inbox.use_leases(leases)

    async def _my_turn_to_poll(self) -> bool:
        if self._leases is None:
            return True
        return await self._leases.take(
            f"poll:{CHANNEL}", timedelta(seconds=self.poll_timeout) + self._leases.length)

    async def accept(self, data: dict[str, object]) -> None:
        """One update Telegram pushed to the webhook: stored when this returns (then 200)."""
        try:
            update = Update.de_json(data, self.application.bot)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise UnusableUpdate(type(error).__name__) from error
        await self._receive([update])

    async def _receive(self, updates: list[Update]) -> None:
        """Into the inbox in one unit of work (an update_id seen again is stored once).
        Scrubbed: a lone surrogate in forged JSON cannot be stored as UTF-8."""
        await self._storage.receive(CHANNEL, [
            (u.update_id, _lane(u), scrub(json.dumps(u.to_dict(), ensure_ascii=False)))
            for u in updates], self._clock.now())
        self.inbox.wake()

    async def _process(self, item: InboxItem) -> None:
        update = Update.de_json(json.loads(item.payload), self.application.bot)
        await self.application.process_update(update)

    # -- helpers --------------------------------------------------------------------------

    async def _handle(self, update: Update, event: Event) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        self.sender.use_pictograms(self._content.current.library.pictograms)
        # over the limit: one kind reply, then nothing until the flood is over
        for position, reply in enumerate(await self.flood.handle(event)):
            rendered = self._renderer.render(reply)
            await once(f"reply:{position}",  # handled again after a crash: not sent twice
                       partial(self._send, chat.id, rendered))

    async def _send(self, chat_id: int, rendered: Rendered) -> None:
        """A reply survives a timeout, a network error or a 5xx answer: tried again after a
        pause (429 is the rate limiter's, a 400 or 403 is not worth repeating). A timeout
        may hide a message that did arrive: twice is better than never, for a cry for help."""
        for pause in (*self.retry_pauses, None):
            try:
                await self.sender.send(chat_id, rendered)
                return
            except BadRequest:
                raise
            except (TimedOut, NetworkError) as error:
                if pause is None:
                    raise
                log.warning("a reply failed (%s); trying again in %.0f s",
                            type(error).__name__, pause)
                await _pause(self._stop, pause)

    @staticmethod
    def _ref(update: Update) -> PersonRef:
        chat = update.effective_chat
        return PersonRef(CHANNEL, str(chat.id if chat else 0))

    @staticmethod
    def _hint(update: Update) -> str | None:
        user = update.effective_user
        return user.language_code if user else None

    async def start(self, poll_timeout: int | None = None) -> None:
        """Start polling (or register the webhook), the inbox and the jobs inside the
        running event loop. Polling first removes any webhook: Telegram refuses getUpdates
        while one is set. Pending updates are kept either way."""
        if poll_timeout is not None:
            self.poll_timeout = poll_timeout
        self._stop.clear()
        await self.application.initialize()
        await self._register_commands()
        await self.application.start()
        bot = self.application.bot
        if self.webhook is not None:
            await bot.set_webhook(self.webhook.url, secret_token=self.webhook.secret,
                                  allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
            log.info("Telegram sends updates to the webhook")
            receiving = asyncio.create_task(_pause(self._stop, None), name="telegram-webhook")
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            receiving = asyncio.create_task(self._poll(), name="telegram-poll")
        self._tasks = [receiving, asyncio.create_task(self.inbox.run(self._stop), name="inbox")]
        if self.jobs is not None:
            await self.jobs.dispatcher.recover()
            self._tasks.append(asyncio.create_task(self.jobs.run(self._stop), name="jobs"))

    async def stop(self) -> None:
        """Stop polling at once; let handlers and sends in flight finish, give back claims."""
        self._stop.set()
        poll = self._tasks[0] if self._tasks else None
        others = self._tasks[1:]
        if poll is not None:
            poll.cancel()
        for task in others:
            try:
                await asyncio.wait_for(task, timeout=4.0)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("%s did not stop in time", task.get_name())
            except Exception:
                log.exception("%s failed while stopping", task.get_name())
        if poll is not None:
            await asyncio.gather(poll, return_exceptions=True)
        self._tasks = []
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()


def _lane(update: Update) -> str:
    """Updates of one chat (one workers' topic) are handled in order; others in parallel."""
    chat = update.effective_chat
    message = update.effective_message
    thread = getattr(message, "message_thread_id", None)
    return f"{chat.id if chat else 0}:{thread or ''}"


async def _pause(stop: asyncio.Event, seconds: float | None) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
