"""A flood into one workers' group through the real stack: the loopback Bot API answers 429
(retry_after) past its limit, as Telegram does; every relay arrives exactly once, in the
person's order, and nothing is sent into the group before the retry_after has passed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.clock import ManualClock
from bot.content.source import ContentSource
from tests.e2e.conftest import NEWCOMER, WORKER, WORKERS, RunningBot, start_bot
from tests.e2e.test_telegram_escalation import open_ticket
from tests.fakes.botapi_server import Call, FakeBotApi

MESSAGES = 15  # one person: within their flood-control burst (bot.application.flood)


@pytest_asyncio.fixture
async def limited(fake_botapi: FakeBotApi, tmp_path: Path, content_source: ContentSource,
                  clock: ManualClock) -> AsyncIterator[RunningBot]:
    """Passerelle told it may send 600 a minute; the group takes 2 in 3 seconds: it must
    learn the rest from the 429 answers."""
    fake_botapi.register_chat(WORKERS, type="supergroup", title="CPAS workers", is_forum=True)
    fake_botapi.members[(WORKERS, WORKER)] = "member"
    running = await start_bot(fake_botapi, tmp_path / "passerelle.sqlite3", content_source,
                              clock=clock, workers_chat_id=WORKERS, workers_per_minute=600)
    try:
        yield running
    finally:
        await running.stop()


def relays(api: FakeBotApi) -> list[Call]:
    return [c for c in api.calls_of("copyMessage") if c.ok and c.chat_id == WORKERS]


async def test_a_flood_into_one_group_honours_429_and_relays_each_message_once(
        limited: RunningBot) -> None:
    api = limited.api
    await open_ticket(limited)
    api.limit_group(WORKERS, 2, window=3.0)
    pushed = [api.push_text(NEWCOMER, f"message {n}")["message"]["message_id"]
              for n in range(MESSAGES)]
    for _ in range(600):  # at most 60 s
        if len(relays(api)) >= MESSAGES:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)  # a second copy of any of them would arrive by now
    copied = [c.params["message_id"] for c in relays(api)]
    assert copied == pushed  # every relay once, in the person's order
    assert api.rate_limited, "the group's limit was never reached: nothing was tested"
    assert api.too_early == [], "sent into the group before its retry_after had passed"
    assert not api.violations
