"""Which database the tests run on: SQLite, or PostgreSQL when PASSERELLE_TEST_DATABASE_URL
is set (`make test` runs the suite a second time that way, on a throw-away server).

Each test gets a database of its own: a new `:memory:` SQLite, or a new schema on the
PostgreSQL server (faster than a new database, and just as separate).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from bot.storage import open_storage
from bot.storage.sqlite import SqlStorage

URL_VARIABLE = "PASSERELLE_TEST_DATABASE_URL"


def on_postgres() -> bool:
    return bool(os.environ.get(URL_VARIABLE))


async def fresh_database(sqlite_file: Path | None = None) -> Path | str:
    """Where a test keeps its data: `sqlite_file` (or `:memory:`), or a new PostgreSQL
    schema's URL."""
    server = os.environ.get(URL_VARIABLE)
    if not server:
        return sqlite_file if sqlite_file is not None else ":memory:"
    import asyncpg

    schema = f"test_{uuid.uuid4().hex[:16]}"
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f"CREATE SCHEMA {schema}")
    finally:
        await connection.close()
    separator = "&" if "?" in server else "?"
    return f"{server}{separator}search_path={schema}"


def fresh_database_sync(sqlite_file: Path | None = None) -> Path | str:
    """`fresh_database` for code that is not async (a subprocess's environment), also
    when an event loop is running in this thread: the schema is made in another thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, fresh_database(sqlite_file)).result()


def database_environment(sqlite_file: Path) -> dict[str, str]:
    """The variables that point a `passerelle` subprocess at a fresh test database."""
    where = fresh_database_sync(sqlite_file)
    if on_postgres():
        return {"PASSERELLE_DATABASE_URL": str(where), "PASSERELLE_DB": str(sqlite_file)}
    return {"PASSERELLE_DB": str(where)}


def database_settings(sqlite_file: Path) -> dict[str, object]:
    """`Settings` fields that point an in-process Passerelle at a fresh test database."""
    where = fresh_database_sync(sqlite_file)
    if on_postgres():
        return {"database_url": str(where), "db_path": sqlite_file}
    return {"db_path": Path(where)}


async def fresh_storage() -> SqlStorage:
    return await open_storage(await fresh_database())
