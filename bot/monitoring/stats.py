"""`passerelle stats`: the figures of /metrics, read from the database, for a CPAS that runs
no monitoring. Counts only, never who: tickets by state and the oldest wait, check-ins and
reminders due, late, sent and failed, answers opened and people per language, crisis and
urgent tickets.

Read only, as `passerelle status` reads (an SQLite file opened without creating anything
next to it; PostgreSQL through the storage's read query).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.config import Settings
from bot.monitoring.figures import Figures, read_figures
from bot.storage import is_postgres, open_storage
from bot.storage.backup import open_read_only


async def figures_of(settings: Settings, now: datetime) -> Figures:
    where = settings.database
    if is_postgres(where):
        storage = await open_storage(str(where))
        try:
            return await read_figures(storage.query, now)
        finally:
            await storage.close()
    path = Path(where)
    if not path.exists():
        raise FileNotFoundError(f"there is no database at {path}")
    db = open_read_only(path)
    try:
        db.execute("PRAGMA busy_timeout = 5000")

        async def query(sql: str, params: tuple[object, ...]) -> Sequence[Any]:
            return db.execute(sql, params).fetchall()

        return await read_figures(query, now)
    finally:
        db.close()


def describe(figures: Figures) -> str:
    """The figures in a few plain lines."""

    def listing(counts: dict[str, int]) -> str:
        return ", ".join(f"{key} {n}" for key, n in sorted(counts.items())) or "none"

    wait = figures.oldest_wait_seconds
    due = {k: n for (k, w), n in figures.pending.items() if w == "due"}
    later = {k: n for (k, w), n in figures.pending.items() if w == "later"}
    return "\n".join([
        f"tickets: {listing(figures.tickets)}",
        "oldest ticket nobody took: " + ("none" if wait is None else f"{wait / 60:.0f} min"),
        f"tickets opened for a crisis: {figures.crisis_tickets}; "
        f"urgent: {figures.urgent_tickets}",
        f"check-ins and reminders due now: {listing(due)}; planned: {listing(later)}",
        f"late by more than 10 min: {listing(figures.late)}",
        f"sent: {listing(figures.sent)}; failed: {listing(figures.failed)}",
        f"check-in answers: {figures.checkin_answers}",
        f"answers opened per language: {listing(figures.views)}",
        f"people per language: {listing(figures.people)}",
    ])


def run_stats(args: argparse.Namespace, settings: Settings) -> int:
    try:
        figures = asyncio.run(figures_of(settings, SystemClock().now()))
    except (OSError, sqlite3.Error) as error:
        print(f"The database cannot be read: {error}")
        return 2
    print(json.dumps(figures.as_json()) if args.json else describe(figures))
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The sub-parser, for bot/__main__.py."""
    stats = commands.add_parser("stats", help="counts from the database: tickets, check-ins, "
                                "reminders, answers per language (no monitoring needed)")
    stats.add_argument("--json", action="store_true", help="one JSON object")
    stats.set_defaults(handler=run_stats)
