"""`passerelle stats`: the same counts as the metrics, from a database file, read only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.domain.people import PersonRef
from bot.storage.sqlite import SqliteStorage

NOW = datetime.now(UTC)


async def fill(db: Path) -> None:
    storage = await SqliteStorage.open(db)
    try:
        for chat, language in (("11", "ar"), ("12", "ar"), ("13", "uk")):
            person = await storage.person(PersonRef("telegram", chat), NOW)
            await storage.save_person(person.__class__(**{**person.__dict__,
                                                          "language": language}))
            await storage.record_view(person.id, "rental-deposit", language, NOW)
        async with storage.unit_of_work():
            await storage.schedule(person.id, "checkin", "month-1", NOW + timedelta(days=30))
            await storage.schedule(person.id, "reminder", "appt-1", NOW - timedelta(hours=2))
    finally:
        await storage.close()


async def test_stats_prints_counts_per_state_kind_and_language_never_who(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "p.sqlite3"
    await fill(db)
    before = sorted(p.name for p in tmp_path.iterdir())
    monkeypatch.setenv("PASSERELLE_DB", str(db))
    assert await _main(["stats", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["views_per_language"] == {"ar": 2, "uk": 1}
    assert figures["people_per_language"] == {"ar": 2, "uk": 1}
    assert figures["outbox_due"] == {"reminder": 1}
    assert figures["outbox_later"] == {"checkin": 1}
    assert figures["outbox_late"] == {"reminder": 1}
    assert figures["tickets"] == {} and figures["crisis_tickets"] == 0
    assert await _main(["stats"]) == 0
    text = capsys.readouterr().out
    assert "answers opened per language: ar 2, uk 1" in text
    assert "check-ins and reminders due now: reminder 1; planned: checkin 1" in text
    assert "11" not in text and "12" not in text, "no chat number"
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "read only"


async def test_stats_without_a_database_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PASSERELLE_DB", str(tmp_path / "none.sqlite3"))
    assert await _main(["stats"]) == 2
    assert "no database" in capsys.readouterr().out


async def _main(argv: list[str]) -> int:
    """`main` runs its own event loop: off this test's loop, in a thread."""
    import asyncio

    return await asyncio.to_thread(main, argv)
