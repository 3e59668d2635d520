"""Storage ports (Protocols), the SQL that implements them, and its two backends."""

from __future__ import annotations

from pathlib import Path

from bot.storage.sqlite import SqliteStorage, SqlStorage

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(where: Path | str) -> bool:
    return str(where).startswith(POSTGRES_SCHEMES)


async def open_storage(where: Path | str) -> SqlStorage:
    """A `postgresql://…` URL opens PostgreSQL; anything else is an SQLite file (or
    `:memory:`). Both are migrated to the newest schema before they are returned."""
    if is_postgres(where):
        from bot.storage.postgres import PostgresStorage  # asyncpg only when asked for

        return await PostgresStorage.open(str(where))
    return await SqliteStorage.open(where)
