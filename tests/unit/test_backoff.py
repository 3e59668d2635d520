"""Telegram's faults become the application's: 429 → RetryLater(retry_after), a 5xx or a
network error → RetryLater, 403 → PersonUnreachable; the bot of the channel retries a 429
itself after retry_after (its rate limiter), and the dispatcher postpones by at least it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import telegram
from telegram.ext import AIORateLimiter, ExtBot

from bot.application.outbound import PersonUnreachable, RetryLater
from bot.channels.telegram.deliver import TelegramOutbound
from bot.channels.telegram.sender import TelegramSender
from bot.domain.messages import Reply
from bot.domain.people import Mode, Person, PersonRef
from tests.databases import fresh_storage
from tests.fakes.botapi_server import TEST_TOKEN, FakeBotApi

CHAT = 424242
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PERSON = Person(1, PersonRef("telegram", str(CHAT)), "fr", Mode.BOT, 0, None, NOW, NOW)
REPLY = Reply("message", "fr", {"text": "Rappel : rendez-vous demain."}, None, ())


async def test_faults_become_retry_later_or_unreachable(
    fake_botapi: FakeBotApi, fake_bot: telegram.Bot,
) -> None:
    fake_botapi.register_chat(CHAT)
    storage = await fresh_storage()
    outbound = TelegramOutbound(TelegramSender(fake_bot, storage, {}))
    try:
        fake_botapi.fail_next("sendMessage", retry_after=7,
                              description="Too Many Requests: retry after 7")
        with pytest.raises(RetryLater) as wait:
            await outbound.send(PERSON, REPLY)
        assert wait.value.seconds == 7, "Telegram's retry_after, not a guess"
        fake_botapi.fail_next("sendMessage", status=502, description="Bad Gateway",
                              retry_after=None)
        with pytest.raises(RetryLater):
            await outbound.send(PERSON, REPLY)
        fake_botapi.fail_next("sendMessage", status=403, retry_after=None,
                              description="Forbidden: bot was blocked by the user")
        with pytest.raises(PersonUnreachable):
            await outbound.send(PERSON, REPLY)
        assert fake_botapi.sent(CHAT) == [], "nothing half-sent"
        await outbound.send(PERSON, REPLY)
        assert len(fake_botapi.sent(CHAT)) == 1
    finally:
        await storage.close()


async def test_the_channels_bot_waits_retry_after_and_sends_again(
    fake_botapi: FakeBotApi,
) -> None:
    """The bot the channel builds (AIORateLimiter, 3 retries): a 429 is waited out."""
    fake_botapi.register_chat(CHAT)
    bot = ExtBot(TEST_TOKEN, base_url=fake_botapi.base_url,
                 base_file_url=fake_botapi.base_file_url,
                 rate_limiter=AIORateLimiter(max_retries=3))
    storage = await fresh_storage()
    try:
        async with bot:
            outbound = TelegramOutbound(TelegramSender(bot, storage, {}))
            fake_botapi.fail_next("sendMessage", retry_after=1)
            await outbound.send(PERSON, REPLY)
        assert len(fake_botapi.sent(CHAT)) == 1
        failed = [c for c in fake_botapi.calls if c.response.get("error_code") == 429]
        assert len(failed) == 1, "one 429, then the same message accepted"
    finally:
        await storage.close()
