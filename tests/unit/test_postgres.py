"""The PostgreSQL backend's own parts: placeholders, migrations, a connection that drops.

Everything else about storage runs on PostgreSQL in `make test`'s second pass (the whole
suite on a throw-away server); the tests here that need a server run only in that pass.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import pytest

from bot.domain.errors import StorageUnavailable
from bot.domain.people import PersonRef
from bot.storage import is_postgres, open_storage
from bot.storage.postgres import PostgresStorage, _migrations, numbered
from bot.storage.sqlite import _migrations as sqlite_migrations
from tests.databases import fresh_database, on_postgres

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
needs_server = pytest.mark.skipif(not on_postgres(),
                                  reason="needs a PostgreSQL server: make test's second pass")


def test_placeholders_are_numbered_outside_quoted_text() -> None:
    assert numbered("SELECT ? , ?") == "SELECT $1 , $2"
    quoted = "WHERE key LIKE 'appt-?:%' AND id = ?"
    assert numbered(quoted) == "WHERE key LIKE 'appt-?:%' AND id = $1"
    assert numbered("no placeholders") == "no placeholders"


def test_both_backends_have_the_same_migration_numbers() -> None:
    assert [n for n, _ in _migrations()] == [n for n, _ in sqlite_migrations()]


def test_a_postgresql_url_selects_postgresql() -> None:
    assert is_postgres("postgresql://passerelle@/db?host=/run/postgresql")
    assert is_postgres("postgres://u@h/db")
    assert not is_postgres("var/passerelle.sqlite3") and not is_postgres(":memory:")


@needs_server
async def test_processes_starting_together_migrate_once() -> None:
    where = str(await fresh_database())
    opened = await asyncio.gather(*(open_storage(where) for _ in range(3)))
    rows = await opened[0].query("SELECT version FROM schema_version ORDER BY version")
    assert [r[0] for r in rows] == [n for n, _ in _migrations()]
    for storage in opened:
        assert isinstance(storage, PostgresStorage)
        assert await storage.migrate() == _migrations()[-1][0]
        await storage.close()


@needs_server
async def test_a_dropped_connection_is_said_plainly_and_then_the_storage_works() -> None:
    import asyncpg

    where = str(await fresh_database())
    storage = await PostgresStorage.open(where, min_size=1, max_size=1)
    person = await storage.person(PersonRef("telegram", "1"), NOW)
    admin = await asyncpg.connect(where)
    try:  # PostgreSQL restarted, or an administrator ended our session
        ended = await admin.fetch("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                  " WHERE pid != pg_backend_pid()"
                                  " AND datname = current_database()")
    finally:
        await admin.close()
    assert any(row[0] for row in ended)
    with contextlib.suppress(StorageUnavailable):  # or the pool reconnects at once
        await storage.person_by_id(person.id)
    again = await storage.person_by_id(person.id)  # the pool opened a new connection
    assert again is not None and again.id == person.id
    await storage.close()


@needs_server
async def test_a_unit_of_work_rolls_back_on_postgresql_too() -> None:
    storage = await open_storage(await fresh_database())
    with pytest.raises(RuntimeError):
        async with storage.unit_of_work():
            await storage.person(PersonRef("telegram", "2"), NOW)
            raise RuntimeError("something failed half-way")
    assert await storage.known_language(PersonRef("telegram", "2")) is None
    rows = await storage.query("SELECT COUNT(*) FROM people")
    assert rows[0][0] == 0
    await storage.close()
