"""A running Passerelle Telegram channel talking to the loopback Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio

from bot.bootstrap import Passerelle, build
from bot.channels.telegram.adapter import TelegramChannel
from bot.config import Settings
from bot.content.source import ContentSource
from tests.fakes.botapi_server import TEST_TOKEN, FakeBotApi


@dataclass
class RunningBot:
    api: FakeBotApi
    settings: Settings
    content: ContentSource
    app: Passerelle
    channel: TelegramChannel

    async def restart(self) -> None:
        """Stop everything and start again on the same database file (a deploy or crash)."""
        await self.channel.stop()
        await self.app.close()
        self.app = await build(self.settings, content=self.content)
        self.channel = TelegramChannel(self.settings, self.app.engine, self.app.storage,
                                       self.content)
        await self.channel.start()


def settings_for(api: FakeBotApi, db: Path) -> Settings:
    return Settings(telegram_token=TEST_TOKEN, telegram_base_url=api.base_url,
                    telegram_base_file_url=api.base_file_url, db_path=db)


@pytest_asyncio.fixture
async def bot(fake_botapi: FakeBotApi, tmp_path: Path,
              content_source: ContentSource) -> AsyncIterator[RunningBot]:
    settings = settings_for(fake_botapi, tmp_path / "passerelle.sqlite3")
    app = await build(settings, content=content_source)
    channel = TelegramChannel(settings, app.engine, app.storage, content_source)
    await channel.start()
    running = RunningBot(fake_botapi, settings, content_source, app, channel)
    try:
        yield running
    finally:
        await running.channel.stop()
        await running.app.close()
