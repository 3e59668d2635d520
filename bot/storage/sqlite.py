"""SQLite storage through aiosqlite: WAL, foreign keys, versioned migrations, units of work.

Migrations are the numbered `migrations/NNNN_*.sql` files, applied in order inside a
transaction and recorded in `PRAGMA user_version`, so an old database file upgrades
itself on start and a half-applied migration never stays behind.

Every change of a ticket is a targeted UPDATE guarded by the state it expects (a Close
can never be undone by a stale copy saved later), and every instant goes through the one
UTC codec of `unit_of_work.py`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.domain.followup import Appointment, OutboxItem, OutboxStatus, Participant
from bot.domain.inbox import InboxItem
from bot.domain.people import Mode, Person, PersonRef
from bot.domain.privacy import StoredData, StoredRows
from bot.domain.tickets import Ticket, TicketSource, TicketStatus
from bot.storage.privacy_sql import PrivacySql
from bot.storage.unit_of_work import (
    AfterCommit,
    Database,
    GuardedConnection,
    Row,
    from_utc_text,
    from_utc_text_or_none,
    utc_text,
    utc_text_or_none,
)
from bot.storage.versions import refuse_newer
from bot.storage.workers_queue import WorkersQueueSql

MIGRATIONS = "bot.storage.migrations"
# Who answers a person is the state of their open ticket, never a second copy of it:
PERSON_SELECT = ("SELECT people.*, (SELECT status FROM tickets WHERE tickets.person_id ="
                 " people.id AND status != 'closed') AS ticket_status FROM people")
INBOX_LANE = "channel = ? AND substr(lane, 1, ?) = ?"  # a person's chat: lane '<address>:…'
MODE_OF_TICKET = {"open": Mode.WAITING_FOR_PERSON, "claimed": Mode.WITH_PERSON}


def _migrations(package: str = MIGRATIONS) -> list[tuple[int, str]]:
    """(number, script) of each numbered migration of `package`, in order."""
    found = []
    for entry in resources.files(package).iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class SqlStorage(WorkersQueueSql, PrivacySql):
    """Every statement of the storage ports, in SQL that SQLite and PostgreSQL both run.

    A backend gives the connection (`Database`: rows, row, write, units of work) and the
    few things that differ: how it opens and migrates, and how it reads its own schema.
    """

    SKIP_LOCKED = ""  # PostgreSQL: other processes' locked rows are skipped, not waited for

    def __init__(self, database: Database) -> None:
        self._c = database
        self._scheduled: list[Callable[[], None]] = []

    async def _tables(self) -> list[str]:
        """The schema's tables, oldest first (for `person_data`)."""
        raise NotImplementedError

    async def _links(self, table: str) -> set[tuple[str, str]]:
        """(parent table, column) of each foreign key of `table`."""
        raise NotImplementedError

    async def schema(self) -> dict[str, set[tuple[str, str]]]:
        """Each table, with its foreign keys as (parent table, column): read from the
        database itself, so checks over "every table" cannot miss a new one."""
        return {table: await self._links(table) for table in await self._tables()}

    def on_scheduled(self, listener: Callable[[], None]) -> None:
        """Call `listener` when new outbox work is committed (the dispatcher wakes)."""
        self._scheduled.append(listener)

    async def _announce_scheduled(self) -> None:
        for listener in self._scheduled:
            listener()

    async def close(self) -> None:
        await self._c.close()

    # -- units of work ----------------------------------------------------------------------

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[None]:
        """Everything inside commits together or not at all (`BEGIN IMMEDIATE … COMMIT`)."""
        async with self._c.unit_of_work():
            yield

    def after_commit(self, effect: AfterCommit) -> bool:
        """Run a network effect once the open unit of work has committed."""
        return self._c.after_commit(effect)

    @property
    def in_unit_of_work(self) -> bool:
        return self._c.in_unit_of_work

    async def query(self, sql: str, params: tuple[object, ...] = ()) -> list[Row]:
        """Read-only SQL for tests and reports (never used to change state)."""
        return await self._c.rows(sql, params)

    # -- people ---------------------------------------------------------------------------

    async def person(self, ref: PersonRef, now: datetime) -> Person:
        await self._c.write(
            "INSERT INTO people (channel, address, created_at, last_seen_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (channel, address) DO NOTHING",
            (ref.channel, ref.address, utc_text(now), utc_text(now)),
        )
        row = await self._c.row(
            PERSON_SELECT + " WHERE channel = ? AND address = ?", (ref.channel, ref.address))
        assert row is not None
        return _person(row)

    async def known_language(self, ref: PersonRef) -> str | None:
        """The person's chosen language, without creating anyone (None if unknown)."""
        row = await self._c.row("SELECT language FROM people WHERE channel = ? AND address = ?",
                                (ref.channel, ref.address))
        return None if row is None or row[0] is None else str(row[0])

    async def person_by_id(self, person_id: int) -> Person | None:
        row = await self._c.row(PERSON_SELECT + " WHERE id = ?", (person_id,))
        return None if row is None else _person(row)

    async def save_person(self, person: Person) -> None:
        await self._c.write(
            "UPDATE people SET language = ?, failed_matches = ?, pending = ?,"
            " last_seen_at = ?, office = ? WHERE id = ?",
            (person.language, person.failed_matches, person.pending,
             utc_text(person.last_seen_at), person.office, person.id),
        )

    async def forget_person(self, person_id: int) -> None:
        """Everything about the person: their row, and by cascade every row that refers to
        it (views, feedback, tickets and their relay links, thread, follow-up, outbox,
        answers, appointments); the inbox keeps only update numbers, never their chat."""
        row = await self._c.row("SELECT channel, address FROM people WHERE id = ?",
                                (person_id,))
        if row is not None:
            await self._c.write(f"UPDATE inbox SET lane = '', payload = NULL WHERE {INBOX_LANE}",
                                (row[0], len(row[1]) + 1, f"{row[1]}:"))
        await self._c.write("DELETE FROM people WHERE id = ?", (person_id,))

    async def purge_before(self, cutoff: datetime) -> dict[str, int]:
        """Retention: interaction data older than `cutoff`, and people not seen since then
        who have nothing open (their remaining rows go by cascade). Returns rows per table."""
        at = utc_text(cutoff)
        statements = {
            "topic_views": ("DELETE FROM topic_views WHERE viewed_at < ?", (at,)),
            "feedback": ("DELETE FROM feedback WHERE given_at < ?", (at,)),
            "checkin_answers": ("DELETE FROM checkin_answers WHERE answered_at < ?", (at,)),
            "relayed_messages": ("DELETE FROM relayed_messages WHERE relayed_at < ?", (at,)),
            "tickets": ("DELETE FROM tickets WHERE status = 'closed' AND closed_at < ?", (at,)),
            "appointments": ("DELETE FROM appointments WHERE starts_at < ? AND NOT EXISTS"
                             " (SELECT 1 FROM outbox o WHERE o.person_id ="
                             " appointments.person_id AND o.status IN ('pending', 'claimed')"
                             " AND o.key LIKE 'appt-' || appointments.id || ':%')", (at,)),
            "outbox": ("DELETE FROM outbox WHERE status IN ('sent', 'cancelled', 'failed')"
                       " AND due_at < ?", (at,)),
            "enrol_tokens": ("DELETE FROM enrol_tokens WHERE expires_at < ?"
                             " OR (used_at IS NOT NULL AND used_at < ?)", (at, at)),
            "people": ("DELETE FROM people WHERE last_seen_at < ? AND NOT EXISTS (SELECT 1"
                       " FROM tickets t WHERE t.person_id = people.id AND t.status != 'closed')"
                       " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.person_id = people.id"
                       " AND o.status IN ('pending', 'claimed')) AND NOT EXISTS (SELECT 1 FROM"
                       " participants p WHERE p.person_id = people.id AND p.consented_at IS"
                       " NOT NULL AND p.stopped_at IS NULL)", (at,)),
        }
        purged: dict[str, int] = {}
        for table, (sql, params) in statements.items():
            if table == "people":  # their chat leaves the inbox too
                for row in await self._c.rows(
                        "SELECT channel, address FROM people" + sql.split("FROM people", 1)[1],
                        params):
                    await self._c.write(
                        f"UPDATE inbox SET lane = '', payload = NULL WHERE {INBOX_LANE}",
                        (row[0], len(row[1]) + 1, f"{row[1]}:"))
            purged[table] = (await self._c.write(sql, params)).rowcount
        return purged

    async def person_data(self, person_id: int) -> StoredData:
        """Every row of every table that refers to the person, read from the schema itself
        (foreign keys to people, or to their tickets), so a new table cannot be missed."""
        found: list[StoredRows] = []
        row = await self._c.row("SELECT channel, address FROM people WHERE id = ?",
                                (person_id,))
        if row is None:
            return StoredData(())
        lane = (row[0], len(row[1]) + 1, f"{row[1]}:")  # the person's chat in the inbox
        for table, links in (await self.schema()).items():
            conditions: list[str] = []
            params: list[object] = []
            if table == "people":
                conditions.append("id = ?")
                params.append(person_id)
            for parent, column in sorted(links):
                if parent == "people":
                    conditions.append(f"{column} = ?")
                    params.append(person_id)
                elif parent == "tickets":
                    conditions.append(f"{column} IN (SELECT id FROM tickets WHERE person_id = ?)")
                    params.append(person_id)
                elif parent == "inbox":
                    conditions.append(f"{column} IN (SELECT id FROM inbox WHERE {INBOX_LANE})")
                    params.extend(lane)
            if table == "inbox":
                conditions.append(INBOX_LANE)
                params.extend(lane)
            if not conditions:
                continue
            rows = await self._c.rows(
                f"SELECT * FROM {table} WHERE " + " OR ".join(f"({c})" for c in conditions)
                + " ORDER BY 1",  # the first column (the id): the order they were made in
                tuple(params))
            if rows:
                found.append(StoredRows(table, tuple(dict(r) for r in rows)))
        return StoredData(tuple(found))

    # -- activity -------------------------------------------------------------------------

    async def record_view(self, person_id: int, topic_id: str, lang: str, at: datetime) -> None:
        await self._c.write(
            "INSERT INTO topic_views (person_id, topic_id, lang, viewed_at) VALUES (?, ?, ?, ?)",
            (person_id, topic_id, lang, utc_text(at)),
        )

    async def record_feedback(
        self, person_id: int, topic_id: str, lang: str, helpful: bool, at: datetime
    ) -> None:
        await self._c.write(
            "INSERT INTO feedback (person_id, topic_id, lang, helpful, given_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (person_id, topic_id, lang, int(helpful), utc_text(at)),
        )

    async def recent_views(self, person_id: int, limit: int = 5) -> list[str]:
        rows = await self._c.rows(
            "SELECT topic_id FROM topic_views WHERE person_id = ?"
            " ORDER BY viewed_at DESC, rowid DESC LIMIT ?", (person_id, limit))
        return [row[0] for row in rows]

    async def has_viewed(self, person_id: int, topic_id: str) -> bool:
        row = await self._c.row(
            "SELECT 1 FROM topic_views WHERE person_id = ? AND topic_id = ? LIMIT 1",
            (person_id, topic_id))
        return row is not None

    async def offer_language_once(self, person_id: int, language: str, at: datetime) -> bool:
        row = await self._c.row(
            "INSERT INTO language_offers (person_id, language, offered_at) VALUES (?, ?, ?)"
            " ON CONFLICT (person_id, language) DO NOTHING RETURNING person_id",
            (person_id, language, utc_text(at)))
        return row is not None

    async def feedback_counts(self) -> dict[tuple[str, bool], int]:
        """Aggregated 👍/👎 per topic, for editors' reports."""
        rows = await self._c.rows(
            "SELECT topic_id, helpful, COUNT(*) FROM feedback GROUP BY topic_id, helpful")
        return {(row[0], bool(row[1])): row[2] for row in rows}

    # -- tickets ------------------------------------------------------------------------

    async def create_ticket(
        self, person_id: int, source: TicketSource, urgent: bool, at: datetime
    ) -> Ticket:
        written = await self._c.row(
            "INSERT INTO tickets (person_id, source, urgent, created_at) VALUES (?, ?, ?, ?)"
            " RETURNING id", (person_id, source.value, int(urgent), utc_text(at)))
        assert written is not None
        ticket = await self.ticket(int(written[0]))
        assert ticket is not None
        return ticket

    async def open_ticket_of(self, person_id: int) -> Ticket | None:
        row = await self._c.row(
            "SELECT * FROM tickets WHERE person_id = ? AND status != 'closed'", (person_id,))
        return None if row is None else _ticket(row)

    async def ticket(self, ticket_id: int) -> Ticket | None:
        row = await self._c.row("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        return None if row is None else _ticket(row)

    async def _update_ticket(self, ticket_id: int, assignments: str,
                             params: tuple[object, ...], guard: str = "1 = 1") -> bool:
        written = await self._c.write(
            f"UPDATE tickets SET {assignments} WHERE id = ? AND ({guard})",
            (*params, ticket_id))
        return written.rowcount > 0

    async def ticket_announced(self, ticket_id: int, at: datetime, urgent: bool) -> bool:
        return await self._update_ticket(
            ticket_id, "announced_at = ?, urgent = CASE WHEN ? = 1 THEN 1 ELSE urgent END",
            (utc_text(at), int(urgent)), "status != 'closed'")

    async def make_ticket_urgent(self, ticket_id: int) -> bool:
        return await self._update_ticket(ticket_id, "urgent = 1", (), "status != 'closed'")

    async def set_ticket_about(self, ticket_id: int, about: str | None) -> bool:
        return await self._update_ticket(ticket_id, "asking = 0, about = ?", (about,),
                                         "status != 'closed'")

    async def claim_ticket(self, ticket_id: int, worker: str, at: datetime) -> bool:
        """Open → claimed; False if someone closed or claimed it meanwhile."""
        return await self._update_ticket(
            ticket_id, "status = 'claimed', worker = ?, claimed_at = COALESCE(claimed_at, ?)",
            (worker, utc_text(at)), "status = 'open'")

    async def close_ticket(self, ticket_id: int, by: str, worker: str | None,
                           at: datetime) -> bool:
        """Any open state → closed, once."""
        return await self._update_ticket(
            ticket_id, "status = 'closed', closed_at = ?, closed_by = ?,"
            " worker = COALESCE(worker, ?)", (utc_text(at), by, worker), "status != 'closed'")

    async def mark_ticket_blocked(self, ticket_id: int) -> bool:
        return await self._update_ticket(ticket_id, "person_blocked = 1", ())

    async def rate_ticket(self, ticket_id: int, score: int) -> bool:
        return await self._update_ticket(ticket_id, "satisfaction = ?", (score,))

    async def ticket_person_told(self, ticket_id: int, at: datetime) -> bool:
        return await self._update_ticket(ticket_id, "person_told_at = ?", (utc_text(at),),
                                         "status = 'open'")

    async def open_tickets(self) -> list[Ticket]:
        rows = await self._c.rows(
            "SELECT * FROM tickets WHERE status != 'closed' ORDER BY created_at")
        return [_ticket(row) for row in rows]

    async def thread_of(self, person_id: int) -> str | None:
        row = await self._c.row(
            "SELECT thread_id FROM worker_threads WHERE person_id = ?", (person_id,))
        return None if row is None else str(row[0])

    async def remember_thread(self, person_id: int, thread_id: str, at: datetime,
                              group: str | None = None) -> None:
        await self._c.write(
            "INSERT INTO worker_threads (person_id, thread_id, created_at, group_chat)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET"
            " thread_id = excluded.thread_id, created_at = excluded.created_at,"
            " group_chat = excluded.group_chat",
            (person_id, thread_id, utc_text(at), group),
        )

    async def person_of_thread(self, thread_id: str, group: str | None = None,
                               default_group: str | None = None) -> int | None:
        """Forum topic ids are unique only within their group: with `group`, only that
        group's thread (one stored without a group is `default_group`'s)."""
        if group is None:
            row = await self._c.row(
                "SELECT person_id FROM worker_threads WHERE thread_id = ?", (thread_id,))
        else:
            row = await self._c.row(
                "SELECT person_id FROM worker_threads WHERE thread_id = ?"
                " AND COALESCE(group_chat, ?) = ?", (thread_id, default_group or "", group))
        return None if row is None else int(row[0])

    async def thread_group(self, person_id: int) -> tuple[str, str | None] | None:
        row = await self._c.row(
            "SELECT thread_id, group_chat FROM worker_threads WHERE person_id = ?",
            (person_id,))
        return None if row is None else (str(row[0]), None if row[1] is None else str(row[1]))

    async def threads_per_group(self, groups: list[str]) -> dict[str, int]:
        if not groups:
            return {}
        marks = ", ".join("?" for _ in groups)
        rows = await self._c.rows(
            "SELECT group_chat, COUNT(*) FROM worker_threads WHERE group_chat IN"
            f" ({marks}) GROUP BY group_chat", tuple(groups))
        return {str(row[0]): int(row[1]) for row in rows}

    async def link_relay(self, ticket_id: int, direction: str, source: str, copy: str,
                         at: datetime) -> None:
        await self._c.write(
            "INSERT INTO relayed_messages (ticket_id, direction, source_message, copy_message,"
            " relayed_at) VALUES (?, ?, ?, ?, ?)",
            (ticket_id, direction, source, copy, utc_text(at)),
        )

    # -- follow-up ----------------------------------------------------------------------

    async def add_token(self, token_hash: str, programme_end: str, worker: str | None,
                        office: str | None, at: datetime, expires: datetime) -> None:
        await self._c.write(
            "INSERT INTO enrol_tokens (token_hash, programme_end, worker, office, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (token_hash, programme_end, worker, office, utc_text(at), utc_text(expires)),
        )

    async def use_token(self, token_hash: str, at: datetime) -> tuple[str, str | None,
                                                                       str | None] | None:
        """Mark a valid, unused, unexpired token used (atomically) and return its data."""
        row = await self._c.row(
            "UPDATE enrol_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
            " AND expires_at > ? RETURNING programme_end, worker, office",
            (utc_text(at), token_hash, utc_text(at)),
        )
        return None if row is None else (str(row[0]), row[1], row[2])

    async def save_participant(self, participant: Participant) -> None:
        await self._c.write(
            "INSERT INTO participants (person_id, programme_end, worker, office, consented_at,"
            " stopped_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET"
            " programme_end = excluded.programme_end, worker = excluded.worker,"
            " office = excluded.office, consented_at = excluded.consented_at,"
            " stopped_at = excluded.stopped_at",
            (participant.person_id, participant.programme_end, participant.worker,
             participant.office, "yes" if participant.consented else None,
             "yes" if participant.stopped else None),
        )

    async def stop_participant(self, person_id: int) -> None:
        await self._c.write("UPDATE participants SET stopped_at = 'yes' WHERE person_id = ?",
                            (person_id,))

    async def participant(self, person_id: int) -> Participant | None:
        row = await self._c.row("SELECT * FROM participants WHERE person_id = ?", (person_id,))
        if row is None:
            return None
        return Participant(row["person_id"], row["programme_end"], row["worker"], row["office"],
                           row["consented_at"] is not None, row["stopped_at"] is not None)

    # -- the outbox -----------------------------------------------------------------------

    async def schedule(self, person_id: int, kind: str, key: str, due: datetime,
                       payload: dict[str, object] | None = None) -> None:
        """Add (or move, while still pending) one promised message."""
        await self._c.write(
            "INSERT INTO outbox (person_id, kind, key, due_at, payload) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (person_id, kind, key) DO UPDATE SET due_at = excluded.due_at,"
            " payload = excluded.payload, status = 'pending', parts_done = 0"
            " WHERE outbox.status IN ('pending', 'cancelled')",
            (person_id, kind, key, utc_text(due),
             None if payload is None else json.dumps(payload, ensure_ascii=False)),
        )
        if not self._c.after_commit(self._announce_scheduled):
            await self._announce_scheduled()

    async def cancel_keys(self, person_id: int, kind: str, key_prefix: str) -> int:
        """Cancel the pending messages of one thing (e.g. one appointment's reminders)."""
        written = await self._c.write(
            "UPDATE outbox SET status = 'cancelled', payload = NULL WHERE person_id = ?"
            " AND kind = ? AND status = 'pending' AND substr(key, 1, ?) = ?",
            (person_id, kind, len(key_prefix), key_prefix))
        return written.rowcount

    async def cancel_pending(self, person_id: int, kind: str | None = None) -> int:
        written = await self._c.write(
            "UPDATE outbox SET status = 'cancelled', payload = NULL WHERE person_id = ?"
            " AND status = 'pending' AND kind = COALESCE(?, kind)", (person_id, kind))
        return written.rowcount

    async def claim_next(self, now: datetime, claim: str, lease_until: datetime,
                         busy_people: tuple[int, ...] = (),
                         channels: tuple[str, ...] = ("telegram",)) -> OutboxItem | None:
        """Claim the one most overdue item whose person has nothing in flight.

        Only people of `channels` (those this process can reach). One UPDATE … RETURNING,
        so two dispatchers never claim the same row (the same statement becomes
        `FOR UPDATE SKIP LOCKED` on PostgreSQL).
        """
        excluded = ",".join("?" * len(busy_people)) or "-1"  # (NULL) would exclude all
        reachable = ",".join("?" * len(channels)) or "NULL"
        row = await self._c.row(
            "UPDATE outbox SET status = 'claimed', claim = ?, claimed_at = ?, lease_until = ?,"
            " attempts = attempts + 1 WHERE id = (SELECT id FROM outbox o WHERE"
            " o.status = 'pending' AND o.due_at <= ?"
            f" AND o.person_id NOT IN ({excluded})"
            f" AND o.person_id IN (SELECT id FROM people WHERE channel IN ({reachable}))"
            " AND NOT EXISTS (SELECT 1 FROM outbox c WHERE c.person_id = o.person_id"
            "  AND c.status = 'claimed')"
            f" ORDER BY o.due_at, o.id LIMIT 1{self.SKIP_LOCKED}) AND status = 'pending'"
            " RETURNING *",
            (claim, utc_text(now), utc_text(lease_until), utc_text(now), *busy_people,
             *channels),
        )
        return None if row is None else _outbox(row)

    async def next_due_at(self, channels: tuple[str, ...] = ("telegram",)) -> datetime | None:
        """When the earliest pending item falls due (the dispatcher sleeps until then)."""
        reachable = ",".join("?" * len(channels)) or "NULL"
        row = await self._c.row(
            "SELECT MIN(due_at) FROM outbox WHERE status = 'pending' AND person_id IN"
            f" (SELECT id FROM people WHERE channel IN ({reachable}))", channels)
        return None if row is None or row[0] is None else from_utc_text(row[0])

    async def release_expired(self, now: datetime) -> int:
        """Claims whose lease ran out (their dispatcher died) go back to pending."""
        written = await self._c.write(
            "UPDATE outbox SET status = 'pending', claim = NULL, lease_until = NULL,"
            " attempts = attempts - 1 WHERE status = 'claimed' AND"
            " (lease_until IS NULL OR lease_until < ?)", (utc_text(now),))
        return written.rowcount

    async def release_claim(self, claim: str) -> int:
        """A dispatcher that stops gives back what it has not sent."""
        written = await self._c.write(
            "UPDATE outbox SET status = 'pending', claim = NULL, lease_until = NULL,"
            " attempts = attempts - 1 WHERE status = 'claimed' AND claim = ?", (claim,))
        return written.rowcount

    async def record_part(self, item_id: int, claim: str, parts_done: int) -> bool:
        """One call of a multi-call message went out (text, then the .ics file)."""
        written = await self._c.write(
            "UPDATE outbox SET parts_done = ? WHERE id = ? AND claim = ? AND status = 'claimed'",
            (parts_done, item_id, claim))
        return written.rowcount > 0

    async def mark_sent(self, item_id: int, at: datetime) -> None:
        await self._c.write(
            "UPDATE outbox SET status = 'sent', sent_at = ?, payload = NULL, lease_until = NULL"
            " WHERE id = ?", (utc_text(at), item_id))

    async def postpone(self, item_id: int, due: datetime, failed_attempt: bool) -> None:
        await self._c.write(
            "UPDATE outbox SET status = 'pending', claim = NULL, lease_until = NULL, due_at = ?,"
            " attempts = attempts - ? WHERE id = ?",
            (utc_text(due), 0 if failed_attempt else 1, item_id))

    async def mark_failed(self, item_id: int) -> None:
        await self._c.write(
            "UPDATE outbox SET status = 'failed', payload = NULL, lease_until = NULL"
            " WHERE id = ?", (item_id,))

    async def outbox_item(self, item_id: int) -> OutboxItem | None:
        row = await self._c.row("SELECT * FROM outbox WHERE id = ?", (item_id,))
        return None if row is None else _outbox(row)

    async def pending_items(self, person_id: int) -> list[OutboxItem]:
        rows = await self._c.rows(
            "SELECT * FROM outbox WHERE person_id = ? AND status IN ('pending', 'claimed')"
            " ORDER BY due_at", (person_id,))
        return [_outbox(row) for row in rows]

    async def record_answer(self, person_id: int, checkin: str, question: str, answer: str,
                            at: datetime) -> None:
        await self._c.write(
            "INSERT INTO checkin_answers (person_id, checkin, question, answer, answered_at)"
            " VALUES (?, ?, ?, ?, ?)", (person_id, checkin, question, answer, utc_text(at)))

    async def answers_since(self, since: datetime) -> list[tuple[int, str, str, str, str]]:
        rows = await self._c.rows(
            "SELECT person_id, checkin, question, answer, answered_at FROM checkin_answers"
            " WHERE answered_at >= ? ORDER BY answered_at", (utc_text(since),))
        return [(row[0], row[1], row[2], row[3], row[4]) for row in rows]

    async def add_appointment(self, person_id: int, starts_at: datetime, place: str,
                              worker: str | None, at: datetime) -> Appointment:
        written = await self._c.row(
            "INSERT INTO appointments (person_id, starts_at, place, worker, created_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (person_id, utc_text(starts_at), place, worker, utc_text(at)))
        assert written is not None
        appointment = await self.appointment(int(written[0]))
        assert appointment is not None
        return appointment

    async def appointment(self, appointment_id: int) -> Appointment | None:
        row = await self._c.row("SELECT * FROM appointments WHERE id = ?", (appointment_id,))
        if row is None:
            return None
        return Appointment(row["id"], row["person_id"], from_utc_text(row["starts_at"]),
                           row["place"], row["worker"], row["answer"])

    async def same_appointment(self, person_id: int, starts_at: datetime,
                               place: str) -> Appointment | None:
        """The person's live appointment at that time and place, if one is saved already
        (a worker's command handled again after a crash must not make a second one)."""
        row = await self._c.row(
            "SELECT id FROM appointments WHERE person_id = ? AND starts_at = ? AND place = ?"
            " AND COALESCE(answer, '') != 'cancelled' ORDER BY id DESC LIMIT 1",
            (person_id, utc_text(starts_at), place))
        return None if row is None else await self.appointment(int(row[0]))

    async def answer_appointment(self, appointment_id: int, answer: str) -> None:
        await self._c.write("UPDATE appointments SET answer = ? WHERE id = ?",
                            (answer, appointment_id))

    async def followup_overview(self, now: datetime) -> list[tuple[int, str | None, int, str]]:
        """Per participant: (person id, next due, overdue count, last answer)."""
        rows = await self._c.rows(
            "SELECT p.person_id,"
            " (SELECT MIN(due_at) FROM outbox o WHERE o.person_id = p.person_id"
            "  AND o.status = 'pending' AND o.kind = 'checkin'),"
            " (SELECT COUNT(*) FROM outbox o WHERE o.person_id = p.person_id"
            "  AND o.status IN ('pending', 'claimed') AND o.due_at < ?),"
            " COALESCE((SELECT answer FROM checkin_answers a WHERE a.person_id = p.person_id"
            "  ORDER BY answered_at DESC LIMIT 1), '')"
            " FROM participants p WHERE p.consented_at IS NOT NULL AND p.stopped_at IS NULL"
            " ORDER BY p.person_id", (utc_text(now),))
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    # -- the inbox ----------------------------------------------------------------------

    async def receive(self, channel: str, updates: list[tuple[int, str, str]],
                      at: datetime) -> int:
        """Store updates (external id, lane, raw payload) before they are acknowledged.

        An update seen twice (the channel re-sent it) is stored once.
        """
        added = 0
        async with self.unit_of_work():
            for external_id, lane, payload in updates:
                written = await self._c.write(
                    "INSERT INTO inbox (channel, external_id, lane, payload, received_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, external_id) DO NOTHING",
                    (channel, external_id, lane, payload, utc_text(at)))
                added += written.rowcount
        return added

    async def last_received(self, channel: str) -> int | None:
        row = await self._c.row("SELECT MAX(external_id) FROM inbox WHERE channel = ?",
                                (channel,))
        return None if row is None or row[0] is None else int(row[0])

    async def waiting_updates(self, channel: str, limit: int = 500) -> list[InboxItem]:
        rows = await self._c.rows(
            "SELECT * FROM inbox WHERE channel = ? AND handled_at IS NULL ORDER BY id LIMIT ?",
            (channel, limit))
        return [InboxItem(row["id"], row["channel"], row["external_id"], row["lane"],
                          row["payload"] or "", row["attempts"]) for row in rows]

    async def update_attempted(self, inbox_id: int) -> bool:
        written = await self._c.write(
            "UPDATE inbox SET attempts = attempts + 1 WHERE id = ? AND handled_at IS NULL",
            (inbox_id,))
        return written.rowcount > 0

    async def update_handled(self, inbox_id: int, at: datetime) -> bool:
        """Done: the raw update (which may hold a person's words) is erased at once."""
        written = await self._c.write(
            "UPDATE inbox SET handled_at = ?, payload = NULL WHERE id = ? AND handled_at IS NULL",
            (utc_text(at), inbox_id))
        return written.rowcount > 0

    async def delivered(self, inbox_id: int, key: str) -> bool:
        row = await self._c.row("SELECT 1 FROM deliveries WHERE inbox_id = ? AND key = ?",
                                (inbox_id, key))
        return row is not None

    async def record_delivery(self, inbox_id: int, key: str) -> None:
        await self._c.write("INSERT INTO deliveries (inbox_id, key) VALUES (?, ?)"
                            " ON CONFLICT DO NOTHING", (inbox_id, key))

    async def prune_inbox(self, channel: str, handled_before: datetime) -> int:
        """Rows handled before `handled_before` can go, except the newest (it tells where
        polling resumes). Younger rows stay: an update the platform sends again (our 200
        to a webhook was lost) is then recognised by its id and not handled twice."""
        written = await self._c.write(
            "DELETE FROM inbox WHERE channel = ? AND handled_at IS NOT NULL AND handled_at < ?"
            " AND id < (SELECT MAX(id) FROM inbox WHERE channel = ?)",
            (channel, utc_text(handled_before), channel))
        return written.rowcount

    # -- leases -------------------------------------------------------------------------

    async def take_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        """Hold (or keep holding) `name` until `until`; False while another owner holds it.
        One statement, so two processes asking at once cannot both get it."""
        row = await self._c.row(
            "INSERT INTO leases (name, owner, until) VALUES (?, ?, ?) ON CONFLICT (name)"
            " DO UPDATE SET owner = excluded.owner, until = excluded.until"
            " WHERE leases.owner = excluded.owner OR leases.until < ? RETURNING owner",
            (name, owner, utc_text(until), utc_text(now)))
        return row is not None

    async def release_lease(self, name: str, owner: str) -> None:
        await self._c.write("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))

    async def release_leases(self, owner: str) -> int:
        """Everything `owner` holds (a process that stops cleanly)."""
        return (await self._c.write("DELETE FROM leases WHERE owner = ?", (owner,))).rowcount

    # -- media cache ----------------------------------------------------------------------

    async def remote_id(self, channel: str, asset: str, fingerprint: str) -> str | None:
        row = await self._c.row(
            "SELECT remote_id FROM media_cache WHERE channel = ? AND asset = ? AND fingerprint = ?",
            (channel, asset, fingerprint))
        return None if row is None else str(row[0])

    async def remember_remote_id(
        self, channel: str, asset: str, fingerprint: str, remote_id: str
    ) -> None:
        await self._c.write(
            "INSERT INTO media_cache (channel, asset, fingerprint, remote_id) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (channel, asset) DO UPDATE SET fingerprint = excluded.fingerprint,"
            " remote_id = excluded.remote_id",
            (channel, asset, fingerprint, remote_id),
        )

    async def forget_remote_id(self, channel: str, asset: str) -> None:
        await self._c.write(
            "DELETE FROM media_cache WHERE channel = ? AND asset = ?", (channel, asset))


class SqliteStorage(SqlStorage):
    """SQLite through aiosqlite, the default; `:memory:` gives a fast test store."""

    def __init__(self, connection: GuardedConnection) -> None:
        super().__init__(connection)
        self._sqlite = connection

    @classmethod
    async def open(cls, path: Path | str) -> SqliteStorage:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path), isolation_level=None)
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute("PRAGMA busy_timeout=5000")
        await connection.execute("PRAGMA synchronous=FULL")  # a commit survives a power cut
        storage = cls(GuardedConnection(connection))
        await storage.migrate()
        return storage

    async def migrate(self) -> int:
        """Apply every migration newer than the file's version; return the new version."""
        row = await self._c.row("PRAGMA user_version")
        current = int(row[0]) if row else 0
        refuse_newer(current, _migrations())  # no down-migrations: restore a backup
        for version, script in _migrations():
            if version <= current:
                continue
            await self._sqlite.script(_statements(script), version)
            current = version
        return current

    async def _tables(self) -> list[str]:
        rows = await self._c.rows("SELECT name FROM sqlite_master WHERE type = 'table'"
                                  " AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
        return [str(r[0]) for r in rows]

    async def _links(self, table: str) -> set[tuple[str, str]]:
        return {(fk["table"], fk["from"]) for fk in await self._c.rows(
            f"PRAGMA foreign_key_list({table})")}


def _person(row: Row) -> Person:
    return Person(
        id=row["id"],
        ref=PersonRef(row["channel"], row["address"]),
        language=row["language"],
        mode=MODE_OF_TICKET.get(row["ticket_status"], Mode.BOT),
        failed_matches=row["failed_matches"],
        pending=row["pending"],
        created_at=from_utc_text(row["created_at"]),
        last_seen_at=from_utc_text(row["last_seen_at"]),
        office=row["office"],
    )


def _ticket(row: Row) -> Ticket:
    return Ticket(
        id=row["id"],
        person_id=row["person_id"],
        status=TicketStatus(row["status"]),
        source=TicketSource(row["source"]),
        urgent=bool(row["urgent"]),
        asking=bool(row["asking"]),
        about=row["about"],
        worker=row["worker"],
        created_at=from_utc_text(row["created_at"]),
        claimed_at=from_utc_text_or_none(row["claimed_at"]),
        closed_at=from_utc_text_or_none(row["closed_at"]),
        closed_by=row["closed_by"],
        announced_at=from_utc_text_or_none(row["announced_at"]),
        person_told_at=from_utc_text_or_none(row["person_told_at"]),
        person_blocked=bool(row["person_blocked"]),
        satisfaction=row["satisfaction"],
    )


def _outbox(row: Row) -> OutboxItem:
    payload = row["payload"]
    return OutboxItem(
        id=row["id"], person_id=row["person_id"], kind=row["kind"], key=row["key"],
        due_at=from_utc_text(row["due_at"]), status=OutboxStatus(row["status"]),
        attempts=row["attempts"], claim=row["claim"], parts_done=row["parts_done"],
        payload=json.loads(payload) if payload else None)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (our migrations have no ';' inside strings)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


__all__ = ["InboxItem", "SqlStorage", "SqliteStorage", "utc_text", "utc_text_or_none"]
