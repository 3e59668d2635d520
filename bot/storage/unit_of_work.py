"""One SQLite connection shared by every task, with real transactions; the `Database`
port every SQL backend gives the storage, and the one UTC codec.

Why a lock: aiosqlite runs one connection for the whole process. Without care, a
statement of one task would silently become part of another task's open transaction.
So a unit of work (`BEGIN IMMEDIATE … COMMIT`, rolled back on any error) holds the lock
for its whole length, and a statement run outside any unit of work waits for the lock
and commits on its own. The task that opened a unit of work can nest others inside it:
they join the outer one.

Why UTC text: SQLite compares times as text. Every instant is written by `utc_text`
in one fixed format (UTC, microseconds), so text order is time order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import aiosqlite

from bot.domain.errors import StorageUnavailable

log = logging.getLogger(__name__)
Params = Iterable[object]
AfterCommit = Callable[[], Awaitable[None]]
UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"


def utc_text(moment: datetime) -> str:
    """The one way an instant is stored: aware, converted to UTC, fixed width."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("refusing to store a naive datetime: give it a time zone")
    return moment.astimezone(UTC).strftime(UTC_FORMAT)


def utc_text_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else utc_text(moment)


def from_utc_text(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def from_utc_text_or_none(value: str | None) -> datetime | None:
    return None if value is None else from_utc_text(value)


UNAVAILABLE = ("database or disk is full", "database is locked", "disk i/o error",
               "readonly database", "unable to open database")


def _unavailable(error: BaseException) -> bool:
    """Disk full, locked past the busy timeout, read-only: the application's
    StorageUnavailable (said plainly, no traceback); any other error stays what it is."""
    return isinstance(error, aiosqlite.OperationalError) and any(
        marker in str(error).lower() for marker in UNAVAILABLE)


@dataclass(frozen=True)
class Written:
    rowcount: int
    lastrowid: int


class Row(Protocol):
    """A result row read by position or by column name (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> Any: ...


class Database(Protocol):
    """What the SQL storage needs from a backend's connection: statements with `?`
    placeholders, and units of work that commit together or not at all."""

    @property
    def in_unit_of_work(self) -> bool: ...

    def unit_of_work(self) -> AbstractAsyncContextManager[None]: ...

    def after_commit(self, effect: AfterCommit) -> bool: ...

    async def rows(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def row(self, sql: str, params: Params = ()) -> Row | None: ...

    async def write(self, sql: str, params: Params = ()) -> Written: ...

    async def close(self) -> None: ...


class GuardedConnection:
    """Statements and units of work on one aiosqlite connection, never interleaved."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._after_commit: list[AfterCommit] = []

    @property
    def in_unit_of_work(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[None]:
        """All statements inside commit together, or none do."""
        if self.in_unit_of_work:
            yield
            return
        async with self._lock:
            self._owner = asyncio.current_task()
            self._after_commit = []
            try:
                await self._db.execute("BEGIN IMMEDIATE")
            except aiosqlite.OperationalError as error:
                self._owner = None
                if _unavailable(error):
                    raise StorageUnavailable(str(error)) from error
                raise
            try:
                yield
            except BaseException as error:
                await asyncio.shield(self._rollback())
                self._owner = None
                if _unavailable(error):
                    raise StorageUnavailable(str(error)) from error
                raise
            try:
                await self._db.execute("COMMIT")
            except BaseException as error:
                await asyncio.shield(self._rollback())
                if _unavailable(error):
                    raise StorageUnavailable(str(error)) from error
                raise
            finally:
                self._owner = None
            effects, self._after_commit = self._after_commit, []
        for effect in effects:  # outside the lock: network calls never block the database
            try:
                await effect()
            except Exception:
                log.exception("an effect after commit failed")

    def after_commit(self, effect: AfterCommit) -> bool:
        """Run `effect` once the current unit of work has committed (False: none is open)."""
        if not self.in_unit_of_work:
            return False
        self._after_commit.append(effect)
        return True

    async def _rollback(self) -> None:
        if not self._db.in_transaction:  # SQLite already rolled back (e.g. disk full)
            return
        try:
            await self._db.execute("ROLLBACK")
        except aiosqlite.Error:
            log.exception("rollback failed")

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if self.in_unit_of_work:
            yield
            return
        async with self._lock:
            yield

    async def rows(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._turn(), self._db.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def row(self, sql: str, params: Params = ()) -> Row | None:
        async with self._turn(), self._db.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def write(self, sql: str, params: Params = ()) -> Written:
        async with self._turn():
            cursor = await self._db.execute(sql, tuple(params))
            written = Written(cursor.rowcount, int(cursor.lastrowid or 0))
            await cursor.close()
            return written

    async def script(self, statements: list[str], version: int) -> None:
        """One migration: its statements and the new user_version, atomically."""
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in statements:
                    await self._db.execute(statement)
                await self._db.execute(f"PRAGMA user_version = {version:d}")
                await self._db.execute("COMMIT")
            except BaseException:
                await asyncio.shield(self._rollback())
                raise

    async def close(self) -> None:
        async with self._lock:
            await self._db.close()
