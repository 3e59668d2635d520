"""The database full or locked: the person gets the apology in their language, the log
says it plainly (no traceback), and nothing of the turn is half-written."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.domain.errors import StorageUnavailable
from bot.domain.messages import Event, EventKind
from bot.domain.people import PersonRef
from bot.i18n.catalogs import Catalogs
from bot.storage.sqlite import SqliteStorage

APOLOGY = "Sorry, something went wrong on my side. Please try again."


async def test_a_full_disk_is_reported_plainly_and_nothing_is_half_written(
    content_source: ContentSource, caplog: pytest.LogCaptureFixture,
) -> None:
    storage = await SqliteStorage.open(":memory:")
    catalogs = Catalogs(PROJECT_ROOT / "locales")
    engine = Engine(content_source, storage, catalogs,
                    ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
    try:
        await engine.handle(Event(PersonRef("test", "0"), EventKind.BUTTON, action="lang:ar"))
        pages = int((await storage.query("PRAGMA page_count"))[0][0])
        await storage.query(f"PRAGMA max_page_count = {pages}")  # the disk is now full
        failed = None
        with caplog.at_level(logging.ERROR):
            for n in range(1, 400):
                ref = PersonRef("test", f"{n:06d}" * 20)
                replies = await engine.handle(Event(ref, EventKind.BUTTON,
                                                    action="topic:rental-deposit"))
                if str(replies[0].context.get("text")) == catalogs.get("fr").gettext(APOLOGY):
                    failed = ref
                    break
        assert failed is not None, "the database never filled up"
        assert any("nothing was saved" in r.getMessage() for r in caplog.records)
        assert not any(r.exc_info for r in caplog.records), "a plain line, no traceback"
        rows = await storage.query("SELECT COUNT(*) FROM people WHERE address = ?",
                                   (failed.address,))
        assert rows[0][0] == 0, "the failed turn left nothing behind"
        old = await engine.handle(Event(PersonRef("test", "0"), EventKind.BUTTON, action="menu"))
        assert old[0].lang == "ar", "someone already known is still answered"
        await storage.query("PRAGMA max_page_count = 1073741823")
        again = await engine.handle(Event(failed, EventKind.BUTTON, action="topic:rental-deposit"))
        assert again[0].template == "answer", "room again: answered again"
    finally:
        await storage.close()


async def test_other_database_errors_are_still_bugs(tmp_path: object) -> None:
    storage = await SqliteStorage.open(":memory:")
    try:
        with pytest.raises(Exception) as raised:
            async with storage.unit_of_work():
                await storage.query("SELECT * FROM no_such_table")
        assert not isinstance(raised.value, StorageUnavailable)
    finally:
        await storage.close()
