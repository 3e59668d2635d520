"""The SQL of the workers' send queue (migration 0012), shared by SQLite and PostgreSQL.

A mixin of SqlStorage: the same statements run on both backends (`?` placeholders,
`ON CONFLICT`, `RETURNING`, no SQLite-only functions). Why each guard is there:
- a row is claimed only when it is the first unsent row of its person in its group, so a
  person's messages arrive in their order whatever their priority;
- only one row of a group is in flight at a time, and only while fewer than `per_minute`
  were sent into that group in the last minute and none within `gap`, so every process
  sharing the database keeps to the same pace (the count is in the database, not memory);
- a group Telegram asked to wait (429) is held in `workers_pace` until `retry_after` ends.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.domain.workers_queue import Priority, QueuedSend
from bot.storage.unit_of_work import Database, Row, utc_text

UNSENT = "('queued', 'sending')"


class WorkersQueueSql:
    """Statements of the workers' queue; `_c` is the backend's connection."""

    _c: Database
    SKIP_LOCKED: str

    async def enqueue_for_workers(self, group_chat: str, person_id: int, priority: Priority,
                                  kind: str, payload: dict[str, object], dedupe: str | None,
                                  now: datetime) -> bool:
        """Add a send (False: this update already added it). The person's earlier unsent
        rows in the group are raised to this priority, so a crisis is not stuck behind
        their own normal messages, and their order stays theirs."""
        row = await self._c.row(
            "INSERT INTO workers_queue (group_chat, person_id, priority, kind, dedupe, payload,"
            " not_before, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (dedupe) DO NOTHING RETURNING id",
            (group_chat, person_id, int(priority), kind, dedupe, json.dumps(payload),
             utc_text(now), utc_text(now)))
        if row is None:
            return False
        await self._c.write(
            f"UPDATE workers_queue SET priority = ? WHERE group_chat = ? AND person_id = ?"
            f" AND status IN {UNSENT} AND priority > ?",
            (int(priority), group_chat, person_id, int(priority)))
        return True

    async def workers_groups_waiting(self, now: datetime) -> list[str]:
        """Groups with a row that could go now (the pacer then asks each for one)."""
        rows = await self._c.rows(
            "SELECT DISTINCT group_chat FROM workers_queue WHERE status = 'queued'"
            " AND not_before <= ? ORDER BY group_chat", (utc_text(now),))
        return [str(r[0]) for r in rows]

    async def claim_for_workers(self, group_chat: str, now: datetime, claim: str,
                                lease_until: datetime, per_minute: int,
                                gap: timedelta) -> QueuedSend | None:
        """Lease the group's next row, or None when the group must wait (pace, a 429 hold,
        a row in flight) or has nothing due. One UPDATE … RETURNING, never claimed twice;
        in a unit of work, so two processes never both find the group idle (PostgreSQL's
        snapshots alone would let each claim a row and break the pace)."""
        async with self._c.unit_of_work():
            row = await self._claim_next(group_chat, claim, now, lease_until, per_minute, gap)
        return None if row is None else _queued(row)

    async def _claim_next(self, group_chat: str, claim: str, now: datetime,
                          lease_until: datetime, per_minute: int, gap: timedelta) -> Row | None:
        at = utc_text(now)
        return await self._c.row(
            "UPDATE workers_queue SET status = 'sending', claim = ?, lease_until = ?,"
            " attempts = attempts + 1 WHERE id = (SELECT id FROM workers_queue q"
            " WHERE q.group_chat = ? AND q.status = 'queued' AND q.not_before <= ?"
            " AND NOT EXISTS (SELECT 1 FROM workers_queue e WHERE e.group_chat = q.group_chat"
            f"  AND e.person_id = q.person_id AND e.status IN {UNSENT} AND e.id < q.id)"
            " AND NOT EXISTS (SELECT 1 FROM workers_queue s WHERE s.group_chat = q.group_chat"
            "  AND s.status = 'sending')"
            " AND NOT EXISTS (SELECT 1 FROM workers_queue g WHERE g.group_chat = q.group_chat"
            "  AND g.sent_at > ?)"
            " AND (SELECT COUNT(*) FROM workers_queue w WHERE w.group_chat = q.group_chat"
            "  AND w.sent_at > ?) < ?"
            " AND NOT EXISTS (SELECT 1 FROM workers_pace p WHERE p.group_chat = q.group_chat"
            "  AND p.hold_until > ?)"
            f" ORDER BY q.priority, q.id LIMIT 1{self.SKIP_LOCKED}) AND status = 'queued'"
            " RETURNING *",
            (claim, utc_text(lease_until), group_chat, at, utc_text(now - gap),
             utc_text(now - timedelta(minutes=1)), per_minute, at))

    async def extend_workers_lease(self, queue_id: int, claim: str, until: datetime) -> bool:
        """Still sending (Telegram's client may wait out a 429 itself): keep the row ours."""
        written = await self._c.write(
            "UPDATE workers_queue SET lease_until = ? WHERE id = ? AND claim = ?"
            " AND status = 'sending'", (utc_text(until), queue_id, claim))
        return written.rowcount == 1

    async def mark_workers_sent(self, queue_id: int, claim: str, now: datetime) -> bool:
        """Telegram accepted it: counted for the pace, its payload erased."""
        written = await self._c.write(
            "UPDATE workers_queue SET status = 'sent', sent_at = ?, payload = NULL,"
            " claim = NULL, lease_until = NULL WHERE id = ? AND claim = ?",
            (utc_text(now), queue_id, claim))
        return written.rowcount == 1

    async def skip_workers_send(self, queue_id: int) -> None:
        """Nothing to send any more (the ticket or person is gone): not counted as sent."""
        await self._c.write(
            "UPDATE workers_queue SET status = 'skipped', payload = NULL, claim = NULL,"
            " lease_until = NULL WHERE id = ?", (queue_id,))

    async def retry_workers_send(self, queue_id: int, not_before: datetime,
                                 hold_group_until: datetime | None = None) -> None:
        """Back in the queue, in its place, not before `not_before`; with a hold, the
        whole group waits (Telegram's retry_after), for every process."""
        async with self._c.unit_of_work():
            row = await self._c.row(
                "UPDATE workers_queue SET status = 'queued', claim = NULL, lease_until = NULL,"
                " not_before = ? WHERE id = ? RETURNING group_chat",
                (utc_text(not_before), queue_id))
            if row is not None and hold_group_until is not None:
                await self._c.write(
                    "INSERT INTO workers_pace (group_chat, hold_until) VALUES (?, ?)"
                    " ON CONFLICT (group_chat) DO UPDATE SET hold_until = excluded.hold_until",
                    (str(row[0]), utc_text(hold_group_until)))

    async def release_workers_expired(self, now: datetime) -> int:
        """Leases that ran out (their sender died) go back, in their place."""
        written = await self._c.write(
            "UPDATE workers_queue SET status = 'queued', claim = NULL, lease_until = NULL,"
            " attempts = attempts - 1 WHERE status = 'sending' AND lease_until < ?",
            (utc_text(now),))
        return written.rowcount

    async def release_workers_claim(self, claim: str) -> int:
        """A sender that stops gives back what it has not sent."""
        written = await self._c.write(
            "UPDATE workers_queue SET status = 'queued', claim = NULL, lease_until = NULL,"
            " attempts = attempts - 1 WHERE status = 'sending' AND claim = ?", (claim,))
        return written.rowcount

    async def prune_workers_sent(self, before: datetime) -> int:
        """Sent and skipped rows older than `before` (kept a while: the pace counts them,
        and an update handled again finds its rows by `dedupe`)."""
        written = await self._c.write(
            "DELETE FROM workers_queue WHERE status IN ('sent', 'skipped') AND"
            " (sent_at IS NULL OR sent_at < ?) AND queued_at < ?",
            (utc_text(before), utc_text(before)))
        await self._c.write("DELETE FROM workers_pace WHERE hold_until < ?", (utc_text(before),))
        return written.rowcount


def _queued(row: Row) -> QueuedSend:
    payload = row["payload"]
    return QueuedSend(
        id=int(row["id"]), group_chat=str(row["group_chat"]), person_id=int(row["person_id"]),
        priority=Priority(int(row["priority"])), kind=str(row["kind"]),
        payload=json.loads(payload) if payload else {}, attempts=int(row["attempts"]))
