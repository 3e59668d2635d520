"""`passerelle status`: healthy when nothing waits too long, exit 1 with the reason when an
update is stuck in the inbox or a promised message is late; read only."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import Settings
from bot.domain.people import PersonRef
from bot.storage import open_storage
from bot.storage.sqlite import SqliteStorage
from bot.storage.status import status_of
from tests.databases import fresh_database, on_postgres

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def fill(db: Path, *, update_at: datetime | None, due: datetime | None) -> None:
    storage = await SqliteStorage.open(db)
    try:
        person = await storage.person(PersonRef("telegram", "4242"), NOW)
        if update_at is not None:
            await storage.receive("telegram", [(1, "4242:", "{}")], update_at)
        if due is not None:
            async with storage.unit_of_work():
                await storage.schedule(person.id, "checkin", "month-1", due)
    finally:
        await storage.close()


async def test_a_quiet_database_is_healthy(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    await fill(db, update_at=NOW - timedelta(seconds=5), due=NOW + timedelta(days=30))
    status = status_of(Settings(db_path=db), NOW)
    assert status.healthy and status.problems == ()
    assert (status.inbox_waiting, status.inbox_oldest_seconds, status.outbox_late) == (1, 5, 0)


async def test_a_stuck_update_and_a_late_message_are_problems(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    await fill(db, update_at=NOW - timedelta(minutes=5), due=NOW - timedelta(minutes=11))
    status = status_of(Settings(db_path=db), NOW)
    assert not status.healthy and status.outbox_late == 1
    assert status.problems == ("an update has waited 300 s to be handled",
                               "1 promised message(s) more than 10 min late")
    in_time = status_of(Settings(db_path=db), NOW, late=timedelta(minutes=15),
                        stuck=timedelta(minutes=6))
    assert in_time.healthy


async def test_the_command_prints_one_json_line_and_exits_1_when_unhealthy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "p.sqlite3"
    await fill(db, update_at=None, due=datetime(2020, 1, 1, tzinfo=UTC))
    monkeypatch.setenv("PASSERELLE_DB", str(db))
    monkeypatch.delenv("PASSERELLE_DATABASE_URL", raising=False)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["status"]) == 1
    line = json.loads(capsys.readouterr().out)
    assert line["healthy"] is False and line["outbox_late"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # read only: no new files


def test_a_missing_database_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PASSERELLE_DB", str(tmp_path / "nowhere.sqlite3"))
    monkeypatch.delenv("PASSERELLE_DATABASE_URL", raising=False)
    assert main(["status"]) == 2
    assert "database unreadable" in capsys.readouterr().out
    assert not (tmp_path / "nowhere.sqlite3").exists()


async def test_the_same_numbers_on_the_suites_database(tmp_path: Path) -> None:
    """SQLite here; PostgreSQL in the suite's PostgreSQL pass (a fresh schema)."""
    where = await fresh_database(tmp_path / "p.sqlite3")
    storage = await open_storage(where)
    try:
        person = await storage.person(PersonRef("telegram", "4242"), NOW)
        await storage.receive("telegram", [(1, "4242:", "{}")], NOW - timedelta(minutes=3))
        async with storage.unit_of_work():
            await storage.schedule(person.id, "checkin", "month-1", NOW - timedelta(hours=1))
    finally:
        await storage.close()
    settings = (Settings(database_url=str(where)) if on_postgres()
                else Settings(db_path=Path(where)))
    status = await asyncio.to_thread(status_of, settings, NOW)
    assert (status.inbox_waiting, status.outbox_late, status.tickets_open) == (1, 1, 0)
    assert status.inbox_oldest_seconds == 180 and not status.healthy
