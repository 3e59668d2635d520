from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.people import Mode, PersonRef
from bot.storage.sqlite import SqliteStorage

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
REF = PersonRef("telegram", "4242")


async def test_person_is_created_once_and_changes_persist_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    storage = await SqliteStorage.open(path)
    person = await storage.person(REF, NOW)
    assert person.language is None and person.mode is Mode.BOT
    again = await storage.person(REF, NOW + timedelta(hours=1))
    assert again.id == person.id and again.created_at == NOW
    await storage.save_person(
        again.__class__(**{**again.__dict__, "language": "ti", "failed_matches": 2}))
    await storage.close()

    reopened = await SqliteStorage.open(path)
    stored = await reopened.person(REF, NOW)
    assert (stored.language, stored.failed_matches) == ("ti", 2)
    assert await reopened.migrate() >= 1
    await reopened.close()


async def test_forget_person_deletes_views_and_feedback() -> None:
    storage = await SqliteStorage.open(":memory:")
    person = await storage.person(REF, NOW)
    await storage.record_view(person.id, "rental-deposit", "fr", NOW)
    await storage.record_feedback(person.id, "rental-deposit", "fr", True, NOW)
    assert await storage.recent_views(person.id) == ["rental-deposit"]
    await storage.forget_person(person.id)
    assert await storage.recent_views(person.id) == []
    assert await storage.feedback_counts() == {}
    fresh = await storage.person(REF, NOW)
    assert fresh.id != person.id and fresh.language is None
    await storage.close()


async def test_media_cache_is_keyed_by_fingerprint() -> None:
    storage = await SqliteStorage.open(":memory:")
    await storage.remember_remote_id("telegram", "pictogram:key", "aaa", "file-1")
    assert await storage.remote_id("telegram", "pictogram:key", "aaa") == "file-1"
    assert await storage.remote_id("telegram", "pictogram:key", "bbb") is None
    await storage.forget_remote_id("telegram", "pictogram:key")
    assert await storage.remote_id("telegram", "pictogram:key", "aaa") is None
    await storage.close()


async def test_database_uses_wal(tmp_path: Path) -> None:
    storage = await SqliteStorage.open(tmp_path / "wal.sqlite3")
    (row,) = await storage.query("PRAGMA journal_mode")
    assert row[0] == "wal"
    await storage.close()
