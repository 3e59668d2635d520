"""SQLite storage through aiosqlite: WAL, foreign keys, versioned migrations.

Migrations are the numbered `migrations/NNNN_*.sql` files, applied in order inside a
transaction and recorded in `PRAGMA user_version`, so an old database file upgrades
itself on start and a half-applied migration never stays behind.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.conversation.person import Mode, Person, PersonRef
from bot.escalation.tickets import Ticket, TicketSource, TicketStatus
from bot.followup.appointments import Appointment
from bot.followup.outbox import OutboxItem, OutboxStatus, Participant

MIGRATIONS = "bot.storage.migrations"


def _migrations() -> list[tuple[int, str]]:
    found = []
    for entry in resources.files(MIGRATIONS).iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class SqliteStorage:
    """The one storage implementation for now; `:memory:` gives a fast test store."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection

    @classmethod
    async def open(cls, path: Path | str) -> SqliteStorage:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path), isolation_level=None)
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute("PRAGMA busy_timeout=5000")
        storage = cls(connection)
        await storage.migrate()
        return storage

    async def migrate(self) -> int:
        """Apply every migration newer than the file's version; return the new version."""
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        current = int(row[0]) if row else 0
        for version, script in _migrations():
            if version <= current:
                continue
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(script):
                    await self._db.execute(statement)
                await self._db.execute(f"PRAGMA user_version = {version:d}")
                await self._db.execute("COMMIT")
            except Exception:
                await self._db.execute("ROLLBACK")
                raise
            current = version
        return current

    async def close(self) -> None:
        await self._db.close()

    # -- people ---------------------------------------------------------------------------

    async def person(self, ref: PersonRef, now: datetime) -> Person:
        await self._db.execute(
            "INSERT INTO people (channel, address, created_at, last_seen_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (channel, address) DO NOTHING",
            (ref.channel, ref.address, now.isoformat(), now.isoformat()),
        )
        async with self._db.execute(
            "SELECT * FROM people WHERE channel = ? AND address = ?", (ref.channel, ref.address)
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return _person(row)

    async def person_by_id(self, person_id: int) -> Person | None:
        async with self._db.execute("SELECT * FROM people WHERE id = ?", (person_id,)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _person(row)

    async def save_person(self, person: Person) -> None:
        await self._db.execute(
            "UPDATE people SET language = ?, mode = ?, failed_matches = ?, pending = ?,"
            " last_seen_at = ? WHERE id = ?",
            (person.language, person.mode.value, person.failed_matches, person.pending,
             person.last_seen_at.isoformat(), person.id),
        )

    async def forget_person(self, person_id: int) -> None:
        await self._db.execute("DELETE FROM people WHERE id = ?", (person_id,))

    # -- activity -------------------------------------------------------------------------

    async def record_view(self, person_id: int, topic_id: str, lang: str, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO topic_views (person_id, topic_id, lang, viewed_at) VALUES (?, ?, ?, ?)",
            (person_id, topic_id, lang, at.isoformat()),
        )

    async def record_feedback(
        self, person_id: int, topic_id: str, lang: str, helpful: bool, at: datetime
    ) -> None:
        await self._db.execute(
            "INSERT INTO feedback (person_id, topic_id, lang, helpful, given_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (person_id, topic_id, lang, int(helpful), at.isoformat()),
        )

    async def recent_views(self, person_id: int, limit: int = 5) -> list[str]:
        async with self._db.execute(
            "SELECT topic_id FROM topic_views WHERE person_id = ?"
            " ORDER BY viewed_at DESC, rowid DESC LIMIT ?",
            (person_id, limit),
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def feedback_counts(self) -> dict[tuple[str, bool], int]:
        """Aggregated 👍/👎 per topic, for editors' reports."""
        async with self._db.execute(
            "SELECT topic_id, helpful, COUNT(*) FROM feedback GROUP BY topic_id, helpful"
        ) as cursor:
            return {(row[0], bool(row[1])): row[2] for row in await cursor.fetchall()}

    # -- tickets ------------------------------------------------------------------------

    async def create_ticket(
        self, person_id: int, source: TicketSource, urgent: bool, at: datetime
    ) -> Ticket:
        cursor = await self._db.execute(
            "INSERT INTO tickets (person_id, source, urgent, created_at) VALUES (?, ?, ?, ?)",
            (person_id, source.value, int(urgent), at.isoformat()),
        )
        ticket = await self.ticket(int(cursor.lastrowid or 0))
        assert ticket is not None
        return ticket

    async def open_ticket_of(self, person_id: int) -> Ticket | None:
        async with self._db.execute(
            "SELECT * FROM tickets WHERE person_id = ? AND status != 'closed'", (person_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _ticket(row)

    async def ticket(self, ticket_id: int) -> Ticket | None:
        async with self._db.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _ticket(row)

    async def save_ticket(self, ticket: Ticket) -> None:
        await self._db.execute(
            "UPDATE tickets SET status = ?, urgent = ?, asking = ?, about = ?, worker = ?,"
            " claimed_at = ?, closed_at = ?, closed_by = ?, announced_at = ?,"
            " person_told_at = ?, person_blocked = ?, satisfaction = ? WHERE id = ?",
            (ticket.status.value, int(ticket.urgent), int(ticket.asking), ticket.about,
             ticket.worker, _iso(ticket.claimed_at), _iso(ticket.closed_at), ticket.closed_by,
             _iso(ticket.announced_at), _iso(ticket.person_told_at), int(ticket.person_blocked),
             ticket.satisfaction, ticket.id),
        )

    async def open_tickets(self) -> list[Ticket]:
        async with self._db.execute(
            "SELECT * FROM tickets WHERE status != 'closed' ORDER BY created_at"
        ) as cursor:
            return [_ticket(row) for row in await cursor.fetchall()]

    async def thread_of(self, person_id: int) -> str | None:
        async with self._db.execute(
            "SELECT thread_id FROM worker_threads WHERE person_id = ?", (person_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row[0])

    async def remember_thread(self, person_id: int, thread_id: str, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO worker_threads (person_id, thread_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (person_id) DO UPDATE SET thread_id = excluded.thread_id,"
            " created_at = excluded.created_at",
            (person_id, thread_id, at.isoformat()),
        )

    async def person_of_thread(self, thread_id: str) -> int | None:
        async with self._db.execute(
            "SELECT person_id FROM worker_threads WHERE thread_id = ?", (thread_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else int(row[0])

    async def link_relay(self, ticket_id: int, direction: str, source: str, copy: str,
                         at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO relayed_messages (ticket_id, direction, source_message, copy_message,"
            " relayed_at) VALUES (?, ?, ?, ?, ?)",
            (ticket_id, direction, source, copy, at.isoformat()),
        )

    # -- follow-up ----------------------------------------------------------------------

    async def add_token(self, token_hash: str, programme_end: str, worker: str | None,
                        office: str | None, at: datetime, expires: datetime) -> None:
        await self._db.execute(
            "INSERT INTO enrol_tokens (token_hash, programme_end, worker, office, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (token_hash, programme_end, worker, office, at.isoformat(), expires.isoformat()),
        )

    async def use_token(self, token_hash: str, at: datetime) -> tuple[str, str | None,
                                                                       str | None] | None:
        """Mark a valid, unused, unexpired token used (atomically) and return its data."""
        async with self._db.execute(
            "UPDATE enrol_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
            " AND expires_at > ? RETURNING programme_end, worker, office",
            (at.isoformat(), token_hash, at.isoformat()),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else (str(row[0]), row[1], row[2])

    async def save_participant(self, participant: Participant) -> None:
        await self._db.execute(
            "INSERT INTO participants (person_id, programme_end, worker, office, consented_at,"
            " stopped_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET"
            " programme_end = excluded.programme_end, worker = excluded.worker,"
            " office = excluded.office, consented_at = excluded.consented_at,"
            " stopped_at = excluded.stopped_at",
            (participant.person_id, participant.programme_end, participant.worker,
             participant.office, "yes" if participant.consented else None,
             "yes" if participant.stopped else None),
        )

    async def participant(self, person_id: int) -> Participant | None:
        async with self._db.execute(
            "SELECT * FROM participants WHERE person_id = ?", (person_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return Participant(row["person_id"], row["programme_end"], row["worker"], row["office"],
                           row["consented_at"] is not None, row["stopped_at"] is not None)

    async def schedule(self, person_id: int, kind: str, key: str, due: datetime) -> None:
        """Add (or move, while still pending) one promised message."""
        await self._db.execute(
            "INSERT INTO outbox (person_id, kind, key, due_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (person_id, kind, key) DO UPDATE SET due_at = excluded.due_at,"
            " status = 'pending' WHERE outbox.status IN ('pending', 'cancelled')",
            (person_id, kind, key, due.isoformat()),
        )

    async def cancel_keys(self, person_id: int, kind: str, key_prefix: str) -> int:
        """Cancel the pending messages of one thing (e.g. one appointment's reminders)."""
        cursor = await self._db.execute(
            "UPDATE outbox SET status = 'cancelled' WHERE person_id = ? AND kind = ?"
            " AND status = 'pending' AND substr(key, 1, ?) = ?",
            (person_id, kind, len(key_prefix), key_prefix))
        return cursor.rowcount

    async def cancel_pending(self, person_id: int, kind: str | None = None) -> int:
        cursor = await self._db.execute(
            "UPDATE outbox SET status = 'cancelled' WHERE person_id = ? AND status = 'pending'"
            " AND (? IS NULL OR kind = ?)", (person_id, kind, kind))
        return cursor.rowcount

    async def claim_due(self, now: datetime, claim: str, limit: int) -> list[OutboxItem]:
        """Atomically claim due rows for one dispatcher run (one UPDATE … RETURNING)."""
        async with self._db.execute(
            "UPDATE outbox SET status = 'claimed', claim = ?, claimed_at = ?,"
            " attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox WHERE"
            " status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?) RETURNING *",
            (claim, now.isoformat(), now.isoformat(), limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return sorted((_outbox(row) for row in rows), key=lambda item: (item.due_at, item.id))

    async def release_claims(self, older_than: datetime) -> int:
        """Claims of a dispatcher that died before sending go back to pending."""
        cursor = await self._db.execute(
            "UPDATE outbox SET status = 'pending', claim = NULL WHERE status = 'claimed'"
            " AND claimed_at < ?", (older_than.isoformat(),))
        return cursor.rowcount

    async def mark_sent(self, item_id: int, at: datetime) -> None:
        await self._db.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ? WHERE id = ?",
            (at.isoformat(), item_id))

    async def postpone(self, item_id: int, due: datetime, failed_attempt: bool) -> None:
        await self._db.execute(
            "UPDATE outbox SET status = 'pending', claim = NULL, due_at = ?,"
            " attempts = attempts - ? WHERE id = ?",
            (due.isoformat(), 0 if failed_attempt else 1, item_id))

    async def mark_failed(self, item_id: int) -> None:
        await self._db.execute("UPDATE outbox SET status = 'failed' WHERE id = ?", (item_id,))

    async def outbox_item(self, item_id: int) -> OutboxItem | None:
        async with self._db.execute("SELECT * FROM outbox WHERE id = ?", (item_id,)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _outbox(row)

    async def pending_items(self, person_id: int) -> list[OutboxItem]:
        async with self._db.execute(
            "SELECT * FROM outbox WHERE person_id = ? AND status IN ('pending', 'claimed')"
            " ORDER BY due_at", (person_id,)
        ) as cursor:
            return [_outbox(row) for row in await cursor.fetchall()]

    async def record_answer(self, person_id: int, checkin: str, question: str, answer: str,
                            at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO checkin_answers (person_id, checkin, question, answer, answered_at)"
            " VALUES (?, ?, ?, ?, ?)", (person_id, checkin, question, answer, at.isoformat()))

    async def answers_since(self, since: datetime) -> list[tuple[int, str, str, str, str]]:
        async with self._db.execute(
            "SELECT person_id, checkin, question, answer, answered_at FROM checkin_answers"
            " WHERE answered_at >= ? ORDER BY answered_at", (since.isoformat(),)
        ) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def add_appointment(self, person_id: int, starts_at: datetime, place: str,
                              worker: str | None, at: datetime) -> Appointment:
        cursor = await self._db.execute(
            "INSERT INTO appointments (person_id, starts_at, place, worker, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (person_id, starts_at.isoformat(), place, worker, at.isoformat()))
        appointment = await self.appointment(int(cursor.lastrowid or 0))
        assert appointment is not None
        return appointment

    async def appointment(self, appointment_id: int) -> Appointment | None:
        async with self._db.execute(
            "SELECT * FROM appointments WHERE id = ?", (appointment_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return Appointment(row["id"], row["person_id"], datetime.fromisoformat(row["starts_at"]),
                           row["place"], row["worker"], row["answer"])

    async def answer_appointment(self, appointment_id: int, answer: str) -> None:
        await self._db.execute("UPDATE appointments SET answer = ? WHERE id = ?",
                               (answer, appointment_id))

    async def followup_overview(self, now: datetime) -> list[tuple[int, str | None, int, str]]:
        """Per participant: (person id, next due, overdue count, last answer)."""
        async with self._db.execute(
            "SELECT p.person_id,"
            " (SELECT MIN(due_at) FROM outbox o WHERE o.person_id = p.person_id"
            "  AND o.status = 'pending' AND o.kind = 'checkin'),"
            " (SELECT COUNT(*) FROM outbox o WHERE o.person_id = p.person_id"
            "  AND o.status IN ('pending', 'claimed') AND o.due_at < ?),"
            " COALESCE((SELECT answer FROM checkin_answers a WHERE a.person_id = p.person_id"
            "  ORDER BY answered_at DESC LIMIT 1), '')"
            " FROM participants p WHERE p.consented_at IS NOT NULL AND p.stopped_at IS NULL"
            " ORDER BY p.person_id", (now.isoformat(),)
        ) as cursor:
            return [(row[0], row[1], row[2], row[3]) for row in await cursor.fetchall()]

    # -- media cache ----------------------------------------------------------------------

    async def remote_id(self, channel: str, asset: str, fingerprint: str) -> str | None:
        async with self._db.execute(
            "SELECT remote_id FROM media_cache WHERE channel = ? AND asset = ? AND fingerprint = ?",
            (channel, asset, fingerprint),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row[0])

    async def remember_remote_id(
        self, channel: str, asset: str, fingerprint: str, remote_id: str
    ) -> None:
        await self._db.execute(
            "INSERT INTO media_cache (channel, asset, fingerprint, remote_id) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (channel, asset) DO UPDATE SET fingerprint = excluded.fingerprint,"
            " remote_id = excluded.remote_id",
            (channel, asset, fingerprint, remote_id),
        )

    async def forget_remote_id(self, channel: str, asset: str) -> None:
        await self._db.execute(
            "DELETE FROM media_cache WHERE channel = ? AND asset = ?", (channel, asset)
        )


def _person(row: aiosqlite.Row) -> Person:
    return Person(
        id=row["id"],
        ref=PersonRef(row["channel"], row["address"]),
        language=row["language"],
        mode=Mode(row["mode"]),
        failed_matches=row["failed_matches"],
        pending=row["pending"],
        created_at=datetime.fromisoformat(row["created_at"]),
        last_seen_at=datetime.fromisoformat(row["last_seen_at"]),
    )


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _ticket(row: aiosqlite.Row) -> Ticket:
    return Ticket(
        id=row["id"],
        person_id=row["person_id"],
        status=TicketStatus(row["status"]),
        source=TicketSource(row["source"]),
        urgent=bool(row["urgent"]),
        asking=bool(row["asking"]),
        about=row["about"],
        worker=row["worker"],
        created_at=datetime.fromisoformat(row["created_at"]),
        claimed_at=_when(row["claimed_at"]),
        closed_at=_when(row["closed_at"]),
        closed_by=row["closed_by"],
        announced_at=_when(row["announced_at"]),
        person_told_at=_when(row["person_told_at"]),
        person_blocked=bool(row["person_blocked"]),
        satisfaction=row["satisfaction"],
    )


def _outbox(row: aiosqlite.Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"], person_id=row["person_id"], kind=row["kind"], key=row["key"],
        due_at=datetime.fromisoformat(row["due_at"]), status=OutboxStatus(row["status"]),
        attempts=row["attempts"], claim=row["claim"])


def _statements(script: str) -> list[str]:
    """Split a migration into statements (our migrations have no ';' inside strings)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
