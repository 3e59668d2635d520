"""Pytest fixtures for the fake Bot API.

Enable with ``pytest_plugins = ["tests.fakes.fixtures"]`` in a conftest (the repository root
must be importable, e.g. ``pythonpath = ["."]`` in ``[tool.pytest.ini_options]``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
import telegram

from .botapi_server import TEST_TOKEN, FakeBotApi


@pytest_asyncio.fixture
async def fake_botapi() -> AsyncIterator[FakeBotApi]:
    """A running FakeBotApi; fails the test at teardown if any request violated the spec."""
    server = FakeBotApi()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    server.assert_no_violations()


@pytest_asyncio.fixture
async def fake_bot(fake_botapi: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    """An initialized python-telegram-bot Bot talking to ``fake_botapi``."""
    bot = telegram.Bot(TEST_TOKEN, base_url=fake_botapi.base_url,
                       base_file_url=fake_botapi.base_file_url)
    async with bot:
        yield bot
