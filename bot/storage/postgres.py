"""PostgreSQL storage through asyncpg: the same statements and units of work as SQLite.

Selected by `PASSERELLE_DATABASE_URL=postgresql://…`. The statements are `SqlStorage`'s,
written once in SQL both databases run; this module only gives them a connection pool,
turns `?` placeholders into `$1, $2 …`, and applies the numbered migrations of
`migrations/postgresql/` (the same numbers as SQLite's) recorded in `schema_version`.

Why one advisory lock per unit of work: on SQLite a unit of work is `BEGIN IMMEDIATE`,
so units of work never interleave and every read-then-write inside one is safe. Several
Passerelle processes on one PostgreSQL get the same guarantee from a transaction-scoped
advisory lock taken first in every unit of work. Units of work are short (no network
call happens inside one: effects run after commit), so this costs little; single
statements outside a unit of work run concurrently, and claims skip locked rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

import asyncpg

from bot.domain.errors import StorageUnavailable
from bot.domain.followup import OutboxItem
from bot.storage.sqlite import SqlStorage, _statements
from bot.storage.sqlite import _migrations as numbered_migrations
from bot.storage.unit_of_work import AfterCommit, Params, Row, Written
from bot.storage.versions import refuse_newer

log = logging.getLogger(__name__)
MIGRATIONS = "bot.storage.migrations.postgresql"
UNIT_OF_WORK_LOCK = 0x50415353  # 'PASS': the one lock every unit of work takes
MIGRATION_LOCK = 0x4D494752  # 'MIGR': one process migrates at a time


@lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2 …` (a `?` inside a quoted literal stays)."""
    out: list[str] = []
    number = 0
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if char == "?" and not quoted:
            number += 1
            out.append(f"${number}")
        else:
            out.append(char)
    return "".join(out)


def _count(status: str) -> int:
    """Rows touched, from asyncpg's command tag ('UPDATE 3', 'INSERT 0 1')."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,  # the connection is gone
    asyncpg.exceptions.OperatorInterventionError,  # shut down, restarting, cannot connect now
    asyncpg.exceptions.InsufficientResourcesError,  # disk full, out of memory, …
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a standby, or a read-only database
    asyncpg.InterfaceError,  # the client saw its connection close
    asyncpg.exceptions.InternalClientError,  # … in the middle of an operation
)


@asynccontextmanager
async def _said_plainly() -> AsyncIterator[None]:
    """A database that is gone, full or read-only is the application's StorageUnavailable."""
    try:
        yield
    except UNAVAILABLE_ERRORS as error:
        raise StorageUnavailable(str(error) or type(error).__name__) from error


class PooledDatabase:
    """Statements on a pool; a unit of work holds one connection and one transaction."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._owned: dict[asyncio.Task[Any], asyncpg.Connection] = {}
        self._effects: dict[asyncio.Task[Any], list[AfterCommit]] = {}

    @property
    def pool(self) -> asyncpg.Pool:
        return self._pool

    @property
    def in_unit_of_work(self) -> bool:
        task = asyncio.current_task()
        return task is not None and task in self._owned

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[None]:
        """All statements inside commit together, or none do; units of work never overlap."""
        task = asyncio.current_task()
        assert task is not None
        if task in self._owned:
            yield
            return
        async with _said_plainly(), self._pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            self._owned[task] = connection
            self._effects[task] = []
            try:
                await connection.execute("SELECT pg_advisory_xact_lock($1)", UNIT_OF_WORK_LOCK)
                yield
            except BaseException:
                del self._owned[task]
                self._effects.pop(task, None)
                await asyncio.shield(self._rollback(transaction))
                raise
            del self._owned[task]
            effects = self._effects.pop(task, [])
            await transaction.commit()
        for effect in effects:  # after commit, on no connection: network never holds the lock
            try:
                await effect()
            except Exception:
                log.exception("an effect after commit failed")

    @staticmethod
    async def _rollback(transaction: Any) -> None:
        try:
            await transaction.rollback()
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            log.exception("rollback failed")

    def after_commit(self, effect: AfterCommit) -> bool:
        task = asyncio.current_task()
        if task is None or task not in self._owned:
            return False
        self._effects[task].append(effect)
        return True

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        task = asyncio.current_task()
        owned = self._owned.get(task) if task is not None else None
        if owned is not None:
            yield owned
            return
        async with _said_plainly(), self._pool.acquire() as connection:
            yield connection

    async def rows(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._connection() as connection, _said_plainly():
            return list(await connection.fetch(numbered(sql), *params))

    async def row(self, sql: str, params: Params = ()) -> Row | None:
        async with self._connection() as connection, _said_plainly():
            found: Row | None = await connection.fetchrow(numbered(sql), *params)
            return found

    async def write(self, sql: str, params: Params = ()) -> Written:
        async with self._connection() as connection, _said_plainly():
            return Written(_count(await connection.execute(numbered(sql), *params)), 0)

    async def close(self) -> None:
        await self._pool.close()


def _migrations() -> list[tuple[int, str]]:
    return numbered_migrations(MIGRATIONS)


class PostgresStorage(SqlStorage):
    """PostgreSQL; several processes may share one database."""

    SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"

    def __init__(self, database: PooledDatabase) -> None:
        super().__init__(database)
        self._pg = database

    @classmethod
    async def open(cls, url: str, *, min_size: int = 1, max_size: int = 10) -> PostgresStorage:
        """Connect (query parameters other than libpq's become server settings, e.g.
        `?search_path=office_a`) and migrate."""
        try:
            pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size)
        except (OSError, asyncpg.PostgresError) as error:
            raise StorageUnavailable(f"cannot reach PostgreSQL: {error}") from error
        storage = cls(PooledDatabase(pool))
        await storage.migrate()
        return storage

    async def migrate(self) -> int:
        """Apply every migration newer than the database's version; return the new version.
        Each migration and its version commit together; one process migrates at a time."""
        async with _said_plainly(), self._pg.pool.acquire() as connection:
            await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await connection.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                current = await connection.fetchval("SELECT MAX(version) FROM schema_version")
                current = int(current or 0)
                refuse_newer(current, _migrations())  # no down-migrations: restore a backup
                for version, script in _migrations():
                    if version <= current:
                        continue
                    async with connection.transaction():
                        for statement in _statements(script):
                            await connection.execute(statement)
                        await connection.execute(
                            "INSERT INTO schema_version (version) VALUES ($1)", version)
                    current = version
                return current
            finally:
                await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

    async def claim_next(self, now: datetime, claim: str, lease_until: datetime,
                         busy_people: tuple[int, ...] = (),
                         channels: tuple[str, ...] = ("telegram",)) -> OutboxItem | None:
        """One claim at a time across processes, so a person's messages keep their order."""
        async with self.unit_of_work():
            return await super().claim_next(now, claim, lease_until, busy_people, channels)

    async def _tables(self) -> list[str]:
        rows = await self._c.rows(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.oid")
        return [str(r[0]) for r in rows]

    async def _links(self, table: str) -> set[tuple[str, str]]:
        rows = await self._c.rows(
            "SELECT parent.relname, a.attname FROM pg_constraint k"
            " JOIN pg_class child ON child.oid = k.conrelid"
            " JOIN pg_namespace n ON n.oid = child.relnamespace"
            " JOIN pg_class parent ON parent.oid = k.confrelid"
            " JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)"
            " WHERE k.contype = 'f' AND n.nspname = current_schema() AND child.relname = ?",
            (table,))
        return {(str(r[0]), str(r[1])) for r in rows}
