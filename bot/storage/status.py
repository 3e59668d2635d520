"""`passerelle status`: the few numbers that say whether a running Passerelle keeps its
promises, as one JSON line, with exit code 1 when one of them is wrong (for a monitoring
check, docs/deploy.md section 8).

Read only: an SQLite file is opened as `passerelle backup` opens it (nothing is created
next to it, see `open_read_only`), PostgreSQL through the storage's own read query. The
statements are the portable SQL the storage uses; instants compare as UTC text.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import SystemClock
from bot.config import Settings
from bot.storage import is_postgres, open_storage
from bot.storage.backup import open_read_only
from bot.storage.unit_of_work import from_utc_text, utc_text

QUERIES = {
    "inbox_waiting": ("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL", False),
    "inbox_oldest": ("SELECT MIN(received_at) FROM inbox WHERE handled_at IS NULL", False),
    "outbox_late": ("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND due_at < ?",
                    True),
    "outbox_failed": ("SELECT COUNT(*) FROM outbox WHERE status = 'failed'", False),
    "tickets_open": ("SELECT COUNT(*) FROM tickets WHERE status = 'open'", False),
}


@dataclass(frozen=True)
class Status:
    inbox_waiting: int
    inbox_oldest_seconds: float | None
    outbox_late: int
    outbox_failed: int
    tickets_open: int
    problems: tuple[str, ...]

    @property
    def healthy(self) -> bool:
        return not self.problems


def judge(values: dict[str, object], now: datetime, late: timedelta,
          stuck: timedelta) -> Status:
    """What the raw numbers mean: updates waiting too long, promised messages late."""
    oldest = values["inbox_oldest"]
    age = None if oldest is None else (now - from_utc_text(str(oldest))).total_seconds()
    problems: list[str] = []
    if age is not None and age > stuck.total_seconds():
        problems.append(f"an update has waited {age:.0f} s to be handled")
    late_count = int(str(values["outbox_late"]))
    if late_count:
        problems.append(f"{late_count} promised message(s) more than "
                        f"{late.total_seconds() / 60:.0f} min late")
    return Status(int(str(values["inbox_waiting"])), age, late_count,
                  int(str(values["outbox_failed"])), int(str(values["tickets_open"])),
                  tuple(problems))


def read_sqlite(path: Path, due_before: str) -> dict[str, object]:
    if not path.exists():
        raise FileNotFoundError(f"there is no database at {path}")
    db = open_read_only(path)
    try:
        db.execute("PRAGMA busy_timeout = 5000")
        return {name: db.execute(sql, (due_before,) if dated else ()).fetchone()[0]
                for name, (sql, dated) in QUERIES.items()}
    finally:
        db.close()


async def read_postgres(url: str, due_before: str) -> dict[str, object]:
    storage = await open_storage(url)
    try:
        found: dict[str, object] = {}
        for name, (sql, dated) in QUERIES.items():
            found[name] = (await storage.query(sql, (due_before,) if dated else ()))[0][0]
        return found
    finally:
        await storage.close()


def status_of(settings: Settings, now: datetime, late: timedelta = timedelta(minutes=10),
              stuck: timedelta = timedelta(minutes=2)) -> Status:
    due_before = utc_text(now - late)
    where = settings.database
    values = (asyncio.run(read_postgres(str(where), due_before)) if is_postgres(where)
              else read_sqlite(Path(where), due_before))
    return judge(values, now, late, stuck)


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    try:
        status = status_of(settings, SystemClock().now(), timedelta(minutes=args.late_minutes))
    except (OSError, sqlite3.Error) as error:
        print(json.dumps({"healthy": False, "problems": [f"database unreadable: {error}"]}))
        return 2
    print(json.dumps({"healthy": status.healthy, **asdict(status)}))
    return 0 if status.healthy else 1


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The sub-parser, for bot/__main__.py."""
    status = commands.add_parser("status", help="is it keeping its promises? one JSON line; "
                                 "exit 1 if not")
    status.add_argument("--late-minutes", type=float, default=10.0,
                        help="a promised message this late is a problem (default 10)")
    status.set_defaults(handler=run_status)
