"""Deliver outbox items (check-ins) on Telegram, translating Bot API errors for the
dispatcher: 403 → the person is unreachable, 429 → retry after, network → retry."""

from __future__ import annotations

from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram.sender import TelegramSender
from bot.conversation.engine import Engine
from bot.conversation.person import Mode, Person
from bot.followup.dispatcher import PersonUnreachable, RetryLater
from bot.followup.outbox import OutboxItem
from bot.followup.service import CHECKIN
from bot.render.renderer import Renderer


class TelegramDeliverer:
    def __init__(self, engine: Engine, sender: TelegramSender) -> None:
        self._engine = engine
        self._sender = sender
        self._renderer = Renderer("html")

    async def deliver(self, person: Person, item: OutboxItem) -> bool:
        if person.mode is not Mode.BOT and item.kind == CHECKIN:
            return False  # a worker owns the conversation: the check-in waits
        reply = await self._engine.outbox_message(person, item)
        if reply is None:
            return True  # nothing to say any more (check-in removed from the plan)
        try:
            await self._sender.send(int(person.ref.address), self._renderer.render(reply))
        except Forbidden as error:
            raise PersonUnreachable() from error
        except RetryAfter as error:
            raise RetryLater(float(error.retry_after)) from error  # type: ignore[arg-type]
        except (TimedOut, NetworkError) as error:
            raise RetryLater(5.0) from error
        return True
