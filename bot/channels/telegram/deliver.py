"""The Telegram way out for the application: render a reply, send it, and translate Bot
API errors once, here: 403 → the person is unreachable, 429 → retry after, network →
retry. Every other module sees only the application's errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.application.outbound import PersonUnreachable, Progress, RetryLater
from bot.channels.telegram.sender import TelegramSender
from bot.domain.messages import Reply
from bot.domain.people import Person
from bot.render.renderer import Renderer


@asynccontextmanager
async def bot_api_errors() -> AsyncIterator[None]:
    """Bot API exceptions → the application's PersonUnreachable / RetryLater."""
    try:
        yield
    except Forbidden as error:
        raise PersonUnreachable() from error
    except RetryAfter as error:
        raise RetryLater(float(error.retry_after)) from error  # type: ignore[arg-type]
    except (TimedOut, NetworkError) as error:
        raise RetryLater(5.0) from error


class TelegramOutbound:
    """Implements the application's Outbound port for people on Telegram."""

    def __init__(self, sender: TelegramSender) -> None:
        self._sender = sender
        self._renderer = Renderer("html")

    async def send(self, person: Person, reply: Reply, *, skip_parts: int = 0,
                   progress: Progress | None = None) -> None:
        async with bot_api_errors():
            await self._sender.send(int(person.ref.address), self._renderer.render(reply),
                                    skip_parts=skip_parts, progress=progress)
