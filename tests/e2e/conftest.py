"""A running Passerelle Telegram channel talking to the loopback Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio

from bot.bootstrap import Passerelle, build, telegram_channel
from bot.channels.telegram.adapter import TelegramChannel
from bot.clock import Clock, ManualClock
from bot.config import Settings
from bot.content.source import ContentSource
from tests.databases import database_settings
from tests.fakes.botapi_server import TEST_TOKEN, FakeBotApi

NEWCOMER = 6001
WORKERS = -1001234
WORKER = 9001
MONDAY_10H = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Brussels


@dataclass
class RunningBot:
    api: FakeBotApi
    settings: Settings
    content: ContentSource
    app: Passerelle
    channel: TelegramChannel
    clock: Clock | None = None

    async def restart(self) -> None:
        """Stop everything and start again on the same database file (a deploy or crash)."""
        await self.stop()
        self.app, self.channel = await _start(self.settings, self.content, self.clock)

    async def start_again(self) -> None:
        """Start after `stop()` on the same database (messages may have arrived meanwhile)."""
        self.app, self.channel = await _start(self.settings, self.content, self.clock)

    async def stop(self) -> None:
        await self.channel.stop()
        await self.app.close()


async def _start(settings: Settings, content: ContentSource,
                 clock: Clock | None) -> tuple[Passerelle, TelegramChannel]:
    app = await build(settings, content=content, clock=clock)
    channel = telegram_channel(app)
    await channel.start()
    return app, channel


def settings_for(api: FakeBotApi, db: Path, **changes: object) -> Settings:
    """Settings for a bot on the loopback Bot API, on a fresh database: the SQLite file
    `db`, or a new PostgreSQL schema when the suite runs on PostgreSQL."""
    base = Settings(telegram_token=TEST_TOKEN, telegram_base_url=api.base_url,
                    telegram_base_file_url=api.base_file_url)
    return replace(base, **{**database_settings(db), **changes})  # type: ignore[arg-type]


async def start_bot(api: FakeBotApi, db: Path, content: ContentSource, *,
                    clock: Clock | None = None, **changes: object) -> RunningBot:
    settings = settings_for(api, db, **changes)
    app, channel = await _start(settings, content, clock)
    return RunningBot(api, settings, content, app, channel, clock)


@pytest_asyncio.fixture
async def clock() -> ManualClock:
    return ManualClock(MONDAY_10H)


@pytest_asyncio.fixture
async def desk(fake_botapi: FakeBotApi, tmp_path: Path, content_source: ContentSource,
               clock: ManualClock) -> AsyncIterator[RunningBot]:
    fake_botapi.register_chat(WORKERS, type="supergroup", title="CPAS workers", is_forum=True)
    fake_botapi.members[(WORKERS, WORKER)] = "member"
    running = await start_bot(
        fake_botapi, tmp_path / "passerelle.sqlite3", content_source, clock=clock,
        workers_chat_id=WORKERS,
        extra={"escalation": {"reannounce_minutes": 30, "tell_person_minutes": 45}})
    try:
        yield running
    finally:
        await running.stop()


@pytest_asyncio.fixture
async def bot(fake_botapi: FakeBotApi, tmp_path: Path,
              content_source: ContentSource) -> AsyncIterator[RunningBot]:
    running = await start_bot(fake_botapi, tmp_path / "passerelle.sqlite3", content_source)
    try:
        yield running
    finally:
        await running.stop()
