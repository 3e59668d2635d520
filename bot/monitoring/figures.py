"""The figures a CPAS looks at, read from the database: counts only, never who.

One set of portable SQL statements (the storage's `?` placeholders, UTC text instants)
serves both the Prometheus gauges of a running process and `passerelle stats` for a
CPAS that runs no monitoring, so the two always say the same thing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.storage.unit_of_work import from_utc_text, utc_text

Query = Callable[[str, tuple[object, ...]], Awaitable[Any]]  # rows, each indexable
LATE = timedelta(minutes=10)  # a promised message this late is late (as `passerelle status`)

QUERIES: dict[str, tuple[str, int]] = {  # name → (SQL, how many times `now` is passed)
    "tickets": ("SELECT status, COUNT(*) FROM tickets GROUP BY status", 0),
    "oldest_open": ("SELECT MIN(created_at) FROM tickets WHERE status = 'open'", 0),
    "crisis_tickets": ("SELECT COUNT(*) FROM tickets WHERE source = 'crisis'", 0),
    "urgent_tickets": ("SELECT COUNT(*) FROM tickets WHERE urgent = 1", 0),
    "due": ("SELECT kind, COUNT(*) FROM outbox WHERE status IN ('pending', 'claimed')"
            " AND due_at <= ? GROUP BY kind", 1),
    "later": ("SELECT kind, COUNT(*) FROM outbox WHERE status IN ('pending', 'claimed')"
              " AND due_at > ? GROUP BY kind", 1),
    "late": ("SELECT kind, COUNT(*) FROM outbox WHERE status IN ('pending', 'claimed')"
             " AND due_at < ? GROUP BY kind", -1),
    "sent": ("SELECT kind, COUNT(*) FROM outbox WHERE status = 'sent' GROUP BY kind", 0),
    "failed": ("SELECT kind, COUNT(*) FROM outbox WHERE status = 'failed' GROUP BY kind", 0),
    "views": ("SELECT lang, COUNT(*) FROM topic_views GROUP BY lang", 0),
    "people": ("SELECT language, COUNT(*) FROM people GROUP BY language", 0),
    "checkin_answers": ("SELECT COUNT(*) FROM checkin_answers", 0),
}


@dataclass(frozen=True)
class Figures:
    tickets: dict[str, int] = field(default_factory=dict)  # state → count
    oldest_wait_seconds: float | None = None  # the oldest ticket nobody took yet
    crisis_tickets: int = 0
    urgent_tickets: int = 0
    pending: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, due|later)
    late: dict[str, int] = field(default_factory=dict)  # kind → due over 10 min ago
    sent: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    views: dict[str, int] = field(default_factory=dict)  # language → answers opened
    people: dict[str, int] = field(default_factory=dict)  # language → people
    checkin_answers: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "tickets": self.tickets, "oldest_ticket_wait_seconds": self.oldest_wait_seconds,
            "crisis_tickets": self.crisis_tickets, "urgent_tickets": self.urgent_tickets,
            "outbox_due": {k: n for (k, w), n in self.pending.items() if w == "due"},
            "outbox_later": {k: n for (k, w), n in self.pending.items() if w == "later"},
            "outbox_late": self.late, "outbox_sent": self.sent, "outbox_failed": self.failed,
            "views_per_language": self.views, "people_per_language": self.people,
            "checkin_answers": self.checkin_answers,
        }


async def read_figures(query: Query, now: datetime) -> Figures:
    found: dict[str, Sequence[Sequence[object]]] = {}
    for name, (sql, dated) in QUERIES.items():
        at = now - LATE if dated < 0 else now
        found[name] = await query(sql, (utc_text(at),) * abs(dated))

    def per(name: str) -> dict[str, int]:
        return {str(row[0] if row[0] is not None else "none"): int(str(row[1]))
                for row in found[name]}

    def one(name: str) -> int:
        rows = found[name]
        return int(str(rows[0][0])) if rows and rows[0][0] is not None else 0

    oldest = found["oldest_open"][0][0] if found["oldest_open"] else None
    wait = None if oldest is None else (now - from_utc_text(str(oldest))).total_seconds()
    pending = {(kind, "due"): n for kind, n in per("due").items()}
    pending.update({(kind, "later"): n for kind, n in per("later").items()})
    return Figures(per("tickets"), wait, one("crisis_tickets"), one("urgent_tickets"),
                   pending, per("late"), per("sent"), per("failed"), per("views"),
                   per("people"), one("checkin_answers"))
