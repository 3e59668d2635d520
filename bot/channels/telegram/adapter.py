"""python-telegram-bot handlers: Update → engine Event → rendered replies → Bot API.

Nothing here decides what to say; it only translates. Message text is never logged
unless PASSERELLE_LOG_MESSAGE_TEXT is set.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand, Update
from telegram.error import Forbidden
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.telegram.sender import CHANNEL, TelegramSender
from bot.channels.telegram.workers import WorkersGroup
from bot.config import Settings
from bot.content.source import ContentSource
from bot.conversation.engine import COMMANDS, Engine
from bot.conversation.events import Event, EventKind
from bot.conversation.person import PersonRef
from bot.followup.dispatcher import Dispatcher
from bot.render.renderer import Renderer
from bot.storage.ports import Storage

log = logging.getLogger(__name__)
WAITING_CHECK_SECONDS = 60
DISPATCH_SECONDS = 15
MEDIA_KINDS = ("photo", "voice", "audio", "video", "video_note", "document", "sticker",
               "location", "venue", "contact", "animation", "poll", "dice")


class TelegramChannel:
    """Owns the PTB Application and turns its updates into engine calls."""

    def __init__(
        self, settings: Settings, engine: Engine, storage: Storage, content: ContentSource
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
            .rate_limiter(AIORateLimiter(max_retries=3))
            .post_init(self._post_init)
            .post_shutdown(self._post_shutdown)
        )
        self._waiting: asyncio.Task[None] | None = None
        self._dispatching: asyncio.Task[None] | None = None
        self.dispatcher: Dispatcher | None = None
        if settings.telegram_base_file_url:
            builder = builder.base_file_url(settings.telegram_base_file_url)
        self.application: Application = builder.build()  # type: ignore[type-arg]
        self.sender = TelegramSender(
            self.application.bot, storage, content.current.library.pictograms)
        self.workers: WorkersGroup | None = None
        private = filters.ChatType.PRIVATE
        app = self.application
        if settings.workers_chat_id is not None:
            workers_chat = filters.Chat(chat_id=settings.workers_chat_id)
            app.add_handler(MessageHandler(workers_chat, self._on_workers_message))
            app.add_handler(CallbackQueryHandler(self._on_workers_button, pattern=r"^w:"))
        app.add_handler(MessageHandler(private & filters.COMMAND, self._on_command))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(MessageHandler(private & filters.TEXT, self._on_text))
        app.add_handler(MessageHandler(private & ~filters.TEXT, self._on_media))
        app.add_error_handler(self._on_error)

    async def _post_init(self, application: Application) -> None:  # type: ignore[type-arg]
        """Register the command menu in every served language (setMyCommands)."""
        loop = asyncio.get_running_loop()
        if self.workers is not None and self._waiting is None:
            self._waiting = loop.create_task(self._watch_waiting())
        if self.dispatcher is not None and self._dispatching is None:
            await self.dispatcher.recover()
            self._dispatching = loop.create_task(self._dispatch_loop())
        bot = application.bot
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
        head, _sep, argument = message.text[1:].partition(" ")
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
            await update.callback_query.answer()

    async def _on_button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        chat = update.effective_chat
        if chat is None or chat.type != "private":
            await query.answer()
            return
        await query.answer()
        await self._handle(update, Event(
            self._ref(update), EventKind.BUTTON, action=query.data or "",
            language_hint=self._hint(update)))

    async def _on_text(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        text = message.text if message and message.text else ""
        if self._settings.log_message_text:
            log.info("text from %s: %r", update.effective_chat.id if update.effective_chat else "?",
                     text)
        await self._handle(update, Event(
            self._ref(update), EventKind.TEXT, text=text, language_hint=self._hint(update),
            message_ref=str(message.message_id) if message else None))

    async def _on_media(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        kind = next((k for k in MEDIA_KINDS if message is not None and getattr(message, k, None)),
                    "other")
        await self._handle(update, Event(
            self._ref(update), EventKind.MEDIA, media=kind, language_hint=self._hint(update),
            message_ref=str(message.message_id) if message else None))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram handler failed: %s", type(context.error).__name__,
                  exc_info=context.error)

    async def _post_shutdown(self, _application: Application) -> None:  # type: ignore[type-arg]
        for task in (self._waiting, self._dispatching):
            if task is not None:
                task.cancel()
        self._waiting = self._dispatching = None

    async def _dispatch_loop(self) -> None:
        """Send due check-ins and reminders from the outbox, every few seconds."""
        assert self.dispatcher is not None
        while True:
            try:
                await self.dispatcher.run_once()
            except Exception:  # keep dispatching: the rows stay in the outbox
                log.exception("dispatching the outbox failed")
            await asyncio.sleep(DISPATCH_SECONDS)

    async def _watch_waiting(self) -> None:
        while True:
            await asyncio.sleep(WAITING_CHECK_SECONDS)
            try:
                await self.check_waiting()
            except Exception:  # keep watching: one failure must not stop reminders
                log.exception("checking waiting tickets failed")

    async def check_waiting(self) -> None:
        """Re-announce tickets waiting too long; reassure their people."""
        escalation = self._engine.escalation
        if escalation is None or self.workers is None:
            return
        for ticket, person, who in await escalation.waiting_too_long():
            if who != "person":
                continue
            try:
                for reply in self._engine.still_waiting(person.language or "fr"):
                    await self.sender.send(int(person.ref.address), self._renderer.render(reply))
            except Forbidden:
                await escalation.mark_blocked(ticket, person)

    # -- helpers --------------------------------------------------------------------------

    async def _handle(self, update: Update, event: Event) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        self.sender.use_pictograms(self._content.current.library.pictograms)
        for reply in await self._engine.handle(event):
            await self.sender.send(chat.id, self._renderer.render(reply))

    @staticmethod
    def _ref(update: Update) -> PersonRef:
        chat = update.effective_chat
        return PersonRef(CHANNEL, str(chat.id if chat else 0))

    @staticmethod
    def _hint(update: Update) -> str | None:
        user = update.effective_user
        return user.language_code if user else None

    def run(self) -> None:
        """Long-poll Telegram until interrupted (blocking; PTB calls post_init)."""
        self.application.run_polling(allowed_updates=Update.ALL_TYPES)

    async def start(self, poll_timeout: int = 1) -> None:
        """Start polling inside an already running event loop (tests, embedding)."""
        await self.application.initialize()
        await self._post_init(self.application)
        await self.application.start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)

    async def stop(self) -> None:
        await self._post_shutdown(self.application)
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
