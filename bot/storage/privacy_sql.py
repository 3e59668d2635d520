"""The SQL of the first-contact note and of pseudonymised tickets (migration 0008), shared
by SQLite and PostgreSQL: a mixin of SqlStorage, portable statements only.
"""

from __future__ import annotations

from datetime import datetime

from bot.storage.unit_of_work import Database, utc_text

HISTORY_COLUMNS = "source, urgent, created_at, claimed_at, closed_at, closed_by, satisfaction"


class PrivacySql:
    """`_c` is the backend's connection."""

    _c: Database

    async def note_first_contact(self, person_id: int, now: datetime) -> bool:
        """True once per person: the first time, when they are told what is kept."""
        written = await self._c.write(
            "UPDATE people SET privacy_noted_at = ? WHERE id = ? AND privacy_noted_at IS NULL",
            (utc_text(now), person_id))
        return written.rowcount == 1

    async def pseudonymise_closed_tickets(self, cutoff: datetime) -> int:
        """Closed tickets older than `cutoff` leave only their countable facts, in
        ticket_history, with no link to anyone; the tickets (and by cascade their relay
        links) go. Run inside the retention's unit of work: both or neither."""
        at = utc_text(cutoff)
        where = " FROM tickets WHERE status = 'closed' AND closed_at < ?"
        await self._c.write(f"INSERT INTO ticket_history ({HISTORY_COLUMNS})"
                            f" SELECT {HISTORY_COLUMNS}{where}", (at,))
        return (await self._c.write("DELETE" + where, (at,))).rowcount
