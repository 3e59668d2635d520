"""`passerelle backup FILE`: a consistent, private copy of a database that is in use."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.domain.people import PersonRef
from bot.storage.backup import BackupFailed, backup_postgres, backup_sqlite
from bot.storage.sqlite import SqliteStorage
from tests.databases import fresh_database, on_postgres

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def test_a_copy_of_a_database_in_use_has_what_is_still_in_the_wal(tmp_path: Path) -> None:
    db = tmp_path / "passerelle.sqlite3"
    storage = await SqliteStorage.open(db)  # the bot is running: the file is open
    try:
        for n in range(25):
            await storage.person(PersonRef("telegram", str(1000 + n)), NOW)
        wal = db.with_name(db.name + "-wal")
        assert wal.exists() and wal.stat().st_size > 0  # not all in the main file yet
        copy = backup_sqlite(db, tmp_path / "backups" / "copy.sqlite3")
    finally:
        await storage.close()
    assert copy.schema_version == int(sqlite3.connect(db).execute(
        "PRAGMA user_version").fetchone()[0]) and copy.schema_version > 0
    with sqlite3.connect(copy.path) as restored:
        assert restored.execute("SELECT COUNT(*) FROM people").fetchone()[0] == 25
        assert restored.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert stat.S_IMODE(copy.path.stat().st_mode) == 0o600  # personal data: owner only
    assert not list(copy.path.parent.glob("*.partial"))


async def test_a_restored_copy_opens_with_the_current_code(tmp_path: Path) -> None:
    db = tmp_path / "live.sqlite3"
    storage = await SqliteStorage.open(db)
    person = await storage.person(PersonRef("telegram", "4242"), NOW)
    await storage.close()
    before = sorted(p.name for p in tmp_path.iterdir())
    copy = backup_sqlite(db, tmp_path / "copy.sqlite3")
    # the service is stopped: no -wal/-shm of ours left for it to trip over (another user)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "copy.sqlite3"])
    reopened = await SqliteStorage.open(copy.path)
    try:
        again = await reopened.person_by_id(person.id)
        assert again is not None and again.ref == PersonRef("telegram", "4242")
        assert again.created_at == NOW
    finally:
        await reopened.close()


def test_the_command_says_what_it_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "p.sqlite3"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()
    monkeypatch.setenv("PASSERELLE_DB", str(db))
    monkeypatch.delenv("PASSERELLE_DATABASE_URL", raising=False)
    assert main(["backup", str(tmp_path / "out.sqlite3")]) == 0
    out = capsys.readouterr().out
    assert "out.sqlite3" in out and "integrity ok" in out


def test_no_database_no_copy_and_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PASSERELLE_DB", str(tmp_path / "missing.sqlite3"))
    monkeypatch.delenv("PASSERELLE_DATABASE_URL", raising=False)
    target = tmp_path / "out.sqlite3"
    assert main(["backup", str(target)]) == 1
    assert "No backup was made" in capsys.readouterr().err
    assert not target.exists()


def test_a_failed_copy_leaves_the_previous_backup_alone(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    target = tmp_path / "yesterday.sqlite3"
    target.write_bytes(b"yesterday's backup")
    with pytest.raises(BackupFailed):
        backup_sqlite(broken, target)
    assert target.read_bytes() == b"yesterday's backup"
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.skipif(not on_postgres(), reason="runs in the suite's PostgreSQL pass")
async def test_a_postgres_dump_restores_into_an_empty_database(tmp_path: Path) -> None:
    """The commands of docs/deploy.md: pg_dump --format=custom, then pg_restore."""
    import subprocess

    import asyncpg

    from bot.storage import open_storage

    url = await fresh_database()
    storage = await open_storage(url)
    try:
        await storage.person(PersonRef("telegram", "4242"), NOW)
    finally:
        await storage.close()
    dump = backup_postgres(str(url), tmp_path / "passerelle.dump").path
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    server = os.environ["PASSERELLE_TEST_DATABASE_URL"]
    name = f"restored_{os.getpid()}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        target = server.replace("/postgres?", f"/{name}?")
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target,
                        str(dump)], check=True, capture_output=True)
        restored = await asyncpg.connect(target)
        try:
            schemas = await restored.fetch("SELECT nspname FROM pg_namespace WHERE nspname"
                                           " LIKE 'test_%'")
            assert len(schemas) == 1
            schema = schemas[0][0]
            rows = await restored.fetch(f"SELECT channel, address FROM {schema}.people")
            assert [tuple(r) for r in rows] == [("telegram", "4242")]
        finally:
            await restored.close()
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.close()
