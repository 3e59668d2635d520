"""Retention: interaction data older than the retention period is deleted by a job.

Default 180 days (`[passerelle.retention] days = 180` in the config file). Closed tickets
are pseudonymised sooner (`tickets_days`, default 30): their countable facts (source,
urgent, times, who closed, the rating) move to `ticket_history` with no link to anyone,
and the ticket with its relay links goes. Deleted: topic
views, 👍/👎, check-in answers, relay links, closed tickets, past appointments, sent or
cancelled outbox rows, used or expired enrolment links, and people not seen for the
period who have nothing open (no open ticket, no follow-up still running, nothing
planned) — with every row that refers to them. What is still in use is kept.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.clock import Clock
from bot.storage.ports import Storage

log = logging.getLogger(__name__)
DEFAULT_DAYS = 180
DEFAULT_TICKET_DAYS = 30


def retention_days(extra: dict[str, object], key: str = "days",
                   default: int = DEFAULT_DAYS) -> int:
    section = extra.get("retention")
    days = section.get(key, default) if isinstance(section, dict) else default
    return days if isinstance(days, int) and not isinstance(days, bool) and days > 0 \
        else default


def ticket_days(extra: dict[str, object]) -> int:
    """`[passerelle.retention] tickets_days`: closed tickets are pseudonymised after it."""
    return retention_days(extra, "tickets_days", DEFAULT_TICKET_DAYS)


class Retention:
    def __init__(self, storage: Storage, clock: Clock, days: int = DEFAULT_DAYS,
                 tickets_days: int = DEFAULT_TICKET_DAYS) -> None:
        self._storage = storage
        self._clock = clock
        self.period = timedelta(days=days)
        self.tickets_period = timedelta(days=min(tickets_days, days))

    async def tick(self) -> int:
        """Pseudonymise closed tickets past their period, delete what is older than the
        period; return how many rows went (counts by table in the log, never who)."""
        now = self._clock.now()
        async with self._storage.unit_of_work():
            moved = await self._storage.pseudonymise_closed_tickets(now - self.tickets_period)
            purged = await self._storage.purge_before(now - self.period)
        if moved:
            log.info("retention: %d closed ticket(s) pseudonymised", moved)
            purged["tickets"] = purged.get("tickets", 0) + moved
        total = sum(purged.values())
        if total:
            log.info("retention: deleted %s", ", ".join(f"{n} {table}" for table, n in
                                                        sorted(purged.items()) if n))
        return total
