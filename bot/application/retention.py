"""Retention: interaction data older than the retention period is deleted by a job.

Default 180 days (`[passerelle.retention] days = 180` in the config file). Deleted: topic
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


def retention_days(extra: dict[str, object]) -> int:
    section = extra.get("retention")
    days = section.get("days", DEFAULT_DAYS) if isinstance(section, dict) else DEFAULT_DAYS
    return days if isinstance(days, int) and days > 0 else DEFAULT_DAYS


class Retention:
    def __init__(self, storage: Storage, clock: Clock, days: int = DEFAULT_DAYS) -> None:
        self._storage = storage
        self._clock = clock
        self.period = timedelta(days=days)

    async def tick(self) -> int:
        """Delete what is older than the period; return how many rows went (counts by table
        in the log, never who)."""
        async with self._storage.unit_of_work():
            purged = await self._storage.purge_before(self._clock.now() - self.period)
        total = sum(purged.values())
        if total:
            log.info("retention: deleted %s", ", ".join(f"{n} {table}" for table, n in
                                                        sorted(purged.items()) if n))
        return total
