"""`passerelle backup FILE`: a consistent copy of the database while the bot keeps running.

SQLite: the online backup API of sqlite3 (what `sqlite3 db ".backup FILE"` uses) copies a
snapshot that includes what is still in the WAL file, so a copy taken in the middle of a
busy hour is a database, not a torn file (`cp` of a WAL database can be). The copy is
written next to FILE, checked with `PRAGMA integrity_check`, made readable by its owner
only (it holds personal data), and only then renamed to FILE.

PostgreSQL (PASSERELLE_DATABASE_URL): `pg_dump --format=custom`, restored with
`pg_restore`; see docs/deploy.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from bot.config import Settings
from bot.storage import is_postgres


@dataclass(frozen=True)
class Copy:
    path: Path
    schema_version: int
    size: int


class BackupFailed(Exception):
    """The copy could not be made or did not check out; FILE was left untouched."""


def backup_sqlite(database: Path, target: Path) -> Copy:
    """Copy `database` (possibly in use) to `target` atomically; raises BackupFailed."""
    if not database.exists():
        raise BackupFailed(f"there is no database at {database}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    try:
        source = open_read_only(database)
        copy = sqlite3.connect(partial)
        try:
            source.execute("PRAGMA busy_timeout = 5000")
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            version = int(copy.execute("PRAGMA user_version").fetchone()[0])
        finally:
            copy.close()
            source.close()
        if verdict != "ok":
            raise BackupFailed(f"the copy does not check out: {verdict}")
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise BackupFailed(str(error)) from error
    finally:
        partial.unlink(missing_ok=True)
    return Copy(target, version, target.stat().st_size)


def open_read_only(path: Path) -> sqlite3.Connection:
    """Read a database the service may be using, without leaving files next to it.

    While the service runs, its -wal and -shm files exist and a `mode=ro` connection shares
    them. Without a -wal file nobody is writing; then `immutable=1` reads the main file
    alone, because a read-only connection would otherwise create -wal and -shm owned by
    us (root, at night) that the service, another user, could not open at its next start.
    (Were the service to start during the copy, its writes go to its new WAL, not to the
    main file, until a checkpoint.)
    """
    wal = path.with_name(path.name + "-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    return sqlite3.connect(f"file:{quote(str(path))}?{flags}", uri=True)


def backup_postgres(url: str, target: Path) -> Copy:
    """pg_dump's custom format (compressed; pg_restore can restore one table)."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupFailed("pg_dump is not installed (Debian: apt-get install "
                           "postgresql-client)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    try:
        address, schemas = libpq_address(url)
        result = subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--file={partial}",
                                 *(f"--schema={s}" for s in schemas), "--dbname", address],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupFailed(result.stderr.strip().splitlines()[-1] if result.stderr
                               else f"pg_dump exited with {result.returncode}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Copy(target, -1, target.stat().st_size)


def libpq_address(url: str) -> tuple[str, list[str]]:
    """Our URLs may say `?search_path=office_a` (asyncpg passes it to the server); libpq's
    tools refuse that parameter, so it becomes pg_dump's --schema instead."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [s.strip() for key, value in query if key == "search_path"
               for s in value.split(",") if s.strip()]
    kept = urlencode([(key, value) for key, value in query if key != "search_path"])
    return urlunsplit(parts._replace(query=kept)), schemas


def run_backup(args: argparse.Namespace, settings: Settings) -> int:
    where = settings.database_url or settings.db_path
    try:
        if is_postgres(where):
            copy = backup_postgres(str(where), args.file)
            print(f"PostgreSQL dump written to {copy.path} ({copy.size} bytes); "
                  "restore with pg_restore (docs/deploy.md).")
        else:
            copy = backup_sqlite(Path(where), args.file)
            print(f"{where} copied to {copy.path} ({copy.size} bytes, schema version "
                  f"{copy.schema_version}, integrity ok).")
    except BackupFailed as error:
        print(f"No backup was made: {error}.", file=sys.stderr)
        return 1
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The sub-parser, for bot/__main__.py."""
    backup = commands.add_parser("backup", help="a consistent copy of the database, "
                                 "while the bot runs")
    backup.add_argument("file", type=Path, help="where the copy goes (replaced if it exists)")
    backup.set_defaults(handler=run_backup)
