"""Upgrading: a database made by an older Passerelle (schema version 4, before the UTC
codec) is opened by the current code; every row survives and reads correctly.

The old file is built the way that version built it: migrations 0001-0004 applied in
order, each in one transaction that also sets `PRAGMA user_version`, and rows written as
that code wrote them: `datetime.isoformat()` of Brussels times (+01:00 in winter, +02:00
in summer), sometimes with microseconds. Migration 0005 turns them into UTC text; a
reminder due at 10:30 Brussels must be claimable at 09:30 UTC, not an hour later.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.domain.people import Mode, PersonRef
from bot.domain.tickets import TicketStatus
from bot.storage.sqlite import SqliteStorage
from bot.storage.versions import SchemaTooNew
from tests.databases import fresh_database, on_postgres

MIGRATIONS = Path(__file__).resolve().parents[2] / "bot" / "storage" / "migrations"
UTC_TEXT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")
NOT_INSTANTS = {("participants", "consented_at"), ("participants", "stopped_at")}  # 'yes'

# What version 4 wrote (one person followed up and talking to a worker, one who is done).
OLD_ROWS: dict[str, list[tuple[object, ...]]] = {
    "people": [
        (1, "telegram", "4242", "ar", "with-person", 1, None,
         "2026-03-29T01:30:00+01:00", "2026-07-01T14:05:09.123456+02:00"),
        (2, "terminal", "local", "fr", "bot", 0, "confirm-delete",
         "2026-11-23T09:00:00+00:00", "2026-11-23T10:00:00+01:00"),
    ],
    "topic_views": [(1, "housing", "ar", "2026-07-01T14:06:00+02:00"),
                    (2, "debt-help", "fr", "2026-11-23T10:01:00+01:00")],
    "feedback": [(1, "housing", "ar", 1, "2026-07-01T14:07:00+02:00")],
    "media_cache": [("telegram", "pictogram:house", "fp1", "AgADFILEID")],
    "tickets": [
        (1, 1, "claimed", "request", 1, 0, "housing", "Marie",
         "2026-07-01T14:08:00+02:00", "2026-07-01T14:20:00+02:00", None, None,
         "2026-07-01T14:08:01+02:00", None, 0, None),
        (2, 2, "closed", "failed-matches", 0, 0, "own-words", "Jan",
         "2026-11-23T10:02:00+01:00", "2026-11-23T10:03:00+01:00",
         "2026-11-23T10:30:00+01:00", "worker", None, None, 0, 3),
    ],
    "worker_threads": [(1, "77", "2026-07-01T14:08:01+02:00")],
    "relayed_messages": [(1, "to-workers", "10", "501", "2026-07-01T14:09:00+02:00"),
                         (1, "to-person", "502", "11", "2026-07-01T14:21:00.5+02:00")],
    "enrol_tokens": [("a" * 64, "2027-06-30", "Marie", "Anderlecht",
                      "2026-06-30T09:00:00+02:00", "2026-07-14T09:00:00+02:00",
                      "2026-07-01T14:10:00+02:00")],
    "participants": [(1, "2027-06-30", "Marie", "Anderlecht", "yes", None)],  # flags
    "outbox": [
        (1, 1, "checkin", "month-1", "2026-08-01T10:00:00+02:00", "sent", 1, "run-1",
         "2026-08-01T10:00:01+02:00", "2026-08-01T10:00:02+02:00"),
        (2, 1, "checkin", "month-3", "2026-10-01T10:00:00+02:00", "pending", 0, None,
         None, None),
        (3, 1, "reminder", "appt-1:day-before", "2027-01-14T10:30:00+01:00", "pending", 0,
         None, None, None),
    ],
    "checkin_answers": [(1, "month-1", "wellbeing", "4", "2026-08-01T10:05:00+02:00")],
    "appointments": [(1, 1, "2027-01-15T10:00:00+01:00", "CPAS, rue Royale 1", "Marie",
                      "coming", "2026-07-01T14:30:00+02:00")],
}


def statements(script: str) -> list[str]:
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def version_4_database(path: Path) -> None:
    """Schema 0001-0004 as that version applied it, and its rows as it wrote them."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA foreign_keys=ON")
        for script in sorted(MIGRATIONS.glob("000[1-4]_*.sql")):
            db.execute("BEGIN IMMEDIATE")
            for statement in statements(script.read_text(encoding="utf-8")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {int(script.name[:4]):d}")
            db.execute("COMMIT")
        for table, rows in OLD_ROWS.items():
            for row in rows:
                db.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
        assert db.execute("PRAGMA user_version").fetchone()[0] == 4
    finally:
        db.close()


def latest_version() -> int:
    return max(int(p.name[:4]) for p in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql"))


def brussels(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def test_a_version_4_database_upgrades_and_every_row_reads_correctly(
        tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    version_4_database(path)

    storage = await SqliteStorage.open(path)
    try:
        version = (await storage.query("PRAGMA user_version"))[0][0]
        assert version == latest_version()
        for table, rows in OLD_ROWS.items():  # no row lost, none added
            count = (await storage.query(f"SELECT COUNT(*) FROM {table}"))[0][0]
            assert count == len(rows), table

        amina = await storage.person_by_id(1)
        assert amina is not None and amina.language == "ar" and amina.failed_matches == 1
        assert amina.created_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
        # 0005 keeps milliseconds: .123456 becomes .123000
        assert amina.last_seen_at == datetime(2026, 7, 1, 12, 5, 9, 123000, tzinfo=UTC)
        assert amina.mode is Mode.WITH_PERSON  # now read from her open ticket
        other = await storage.person_by_id(2)
        assert other is not None and other.pending == "confirm-delete"
        assert other.mode is Mode.BOT and other.last_seen_at == brussels(
            "2026-11-23T10:00:00+01:00")

        ticket = await storage.open_ticket_of(1)
        assert ticket is not None and ticket.status is TicketStatus.CLAIMED
        assert (ticket.worker, ticket.urgent, ticket.about) == ("Marie", True, "housing")
        assert ticket.created_at == datetime(2026, 7, 1, 12, 8, tzinfo=UTC)
        assert ticket.claimed_at == datetime(2026, 7, 1, 12, 20, tzinfo=UTC)
        closed = await storage.ticket(2)
        assert closed is not None and closed.status is TicketStatus.CLOSED
        assert closed.closed_at == brussels("2026-11-23T10:30:00+01:00")
        assert closed.satisfaction == 3
        assert await storage.open_ticket_of(2) is None

        assert await storage.thread_of(1) == "77"
        assert await storage.person_of_thread("77") == 1
        participant = await storage.participant(1)
        assert participant is not None and participant.consented and not participant.stopped
        assert await storage.has_viewed(1, "housing")
        assert await storage.remote_id("telegram", "pictogram:house", "fp1") == "AgADFILEID"

        appointment = await storage.appointment(1)
        assert appointment is not None and appointment.place == "CPAS, rue Royale 1"
        assert appointment.starts_at == datetime(2027, 1, 15, 9, 0, tzinfo=UTC)

        answers = await storage.answers_since(datetime(2026, 8, 1, 8, 0, tzinfo=UTC))
        assert answers == [(1, "month-1", "wellbeing", "4", "2026-08-01T08:05:00.000000+00:00")]

        pending = await storage.pending_items(1)
        assert [(p.key, p.due_at) for p in pending] == [
            ("month-3", datetime(2026, 10, 1, 8, 0, tzinfo=UTC)),
            ("appt-1:day-before", datetime(2027, 1, 14, 9, 30, tzinfo=UTC))]

        data = await storage.person_data(1)  # what /mydata shows: every row, still linked
        assert {t.table: len(t.rows) for t in data.tables if t.rows} == {
            "people": 1, "topic_views": 1, "feedback": 1, "tickets": 1, "worker_threads": 1,
            "relayed_messages": 2, "participants": 1, "outbox": 3, "checkin_answers": 1,
            "appointments": 1}

        for table, column, value in await every_instant(storage):
            assert value is None or UTC_TEXT.fullmatch(str(value)), (table, column, value)
    finally:
        await storage.close()


async def test_after_the_upgrade_a_reminder_falls_due_at_its_utc_time(tmp_path: Path) -> None:
    """Before 0005 '2027-01-14T10:30:00+01:00' was compared as text with UTC times and
    fired an hour late; now it is claimable at 09:30 UTC and not a minute before."""
    path = tmp_path / "old.sqlite3"
    version_4_database(path)
    storage = await SqliteStorage.open(path)
    try:
        async with storage.unit_of_work():  # the check-in of October is long past: out
            await storage.cancel_keys(1, "checkin", "month-3")
        due = datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
        lease = due + timedelta(minutes=5)
        early = await storage.claim_next(due - timedelta(minutes=1), "run-2", lease)
        assert early is None
        item = await storage.claim_next(due, "run-2", lease)
        assert item is not None and item.key == "appt-1:day-before"
    finally:
        await storage.close()


async def test_the_upgraded_file_takes_new_rows_and_opens_again_unchanged(
        tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    version_4_database(path)
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    storage = await SqliteStorage.open(path)
    try:
        async with storage.unit_of_work():
            await storage.record_view(1, "debt-help", "ar", now)
        added = await storage.receive("telegram", [(500001, "4242:", "{}")], now)
        assert added == 1
        person = await storage.person(PersonRef("telegram", "9999"), now)
        assert person.id == 3  # AUTOINCREMENT: ids of the old rows are never reused
    finally:
        await storage.close()
    again = await SqliteStorage.open(path)  # a second start: nothing to migrate
    try:
        assert (await again.query("PRAGMA user_version"))[0][0] == latest_version()
        assert (await again.query("SELECT COUNT(*) FROM topic_views"))[0][0] == 3
        assert await again.last_received("telegram") == 500001
    finally:
        await again.close()


async def every_instant(storage: SqliteStorage) -> list[tuple[str, str, object]]:
    """(table, column, value) of every column named *_at in every table."""
    found: list[tuple[str, str, object]] = []
    for (table,) in await storage.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        columns = [c[1] for c in await storage.query(f"PRAGMA table_info({table})")]
        for column in (c for c in columns
                       if c.endswith("_at") and (table, c) not in NOT_INSTANTS):
            for (value,) in await storage.query(f"SELECT {column} FROM {table}"):
                found.append((table, column, value))
    return found


async def test_a_database_newer_than_the_code_is_refused_untouched(tmp_path: Path) -> None:
    """Going back to an older Passerelle after an upgrade: no down-migrations, so it
    refuses to run instead of writing old rows into a schema it does not know."""
    path = tmp_path / "newer.sqlite3"
    version_4_database(path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {latest_version() + 3:d}")
    with pytest.raises(SchemaTooNew) as refused:
        await SqliteStorage.open(path)
    assert (refused.value.found, refused.value.known) == (latest_version() + 3, latest_version())
    with sqlite3.connect(path) as db:  # nothing was migrated
        assert db.execute("PRAGMA user_version").fetchone()[0] == latest_version() + 3
        assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'inbox'"
                          ).fetchone()[0] == 0


def test_the_command_line_says_so_in_one_sentence(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "newer.sqlite3"
    version_4_database(path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {latest_version() + 1:d}")
    monkeypatch.setenv("PASSERELLE_DB", str(path))
    monkeypatch.delenv("PASSERELLE_DATABASE_URL", raising=False)
    assert main(["export", "checkins", "--since", "2026-01-01"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("Passerelle cannot start: the database is at schema version")
    assert "restore the backup" in error and "Traceback" not in error


@pytest.mark.skipif(not on_postgres(), reason="runs in the suite's PostgreSQL pass")
async def test_a_postgres_database_newer_than_the_code_is_refused() -> None:
    from bot.storage import open_storage

    where = await fresh_database()
    storage = await open_storage(where)
    await storage.query("INSERT INTO schema_version (version) VALUES (9999) RETURNING version")
    await storage.close()
    with pytest.raises(SchemaTooNew):
        await open_storage(where)
