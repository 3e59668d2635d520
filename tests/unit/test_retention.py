"""Retention on the manual clock: what is older than the period goes, what is in use stays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.application.retention import DEFAULT_DAYS, Retention, retention_days
from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.domain.messages import Event, EventKind
from bot.domain.people import PersonRef
from bot.followup.schedule import load_plan
from bot.followup.service import FollowupService
from bot.i18n.catalogs import Catalogs
from bot.storage.sqlite import SqlStorage
from tests.databases import fresh_storage

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def count(storage: SqlStorage, table: str) -> int:
    return int((await storage.query(f"SELECT COUNT(*) FROM {table}"))[0][0])


def test_the_period_comes_from_the_config_file() -> None:
    assert retention_days({}) == DEFAULT_DAYS == 180
    assert retention_days({"retention": {"days": 30}}) == 30
    assert retention_days({"retention": {"days": "soon"}}) == 180
    assert retention_days({"retention": {"days": 0}}) == 180


async def test_old_interaction_data_and_inactive_people_are_purged(
    content_source: ContentSource,
) -> None:
    clock = ManualClock(START)
    storage = await fresh_storage()
    followup = FollowupService(storage, clock, load_plan(PROJECT_ROOT / "content"))
    engine = Engine(content_source, storage, Catalogs(PROJECT_ROOT / "locales"), clock,
                    followup=followup)
    retention = Retention(storage, clock)

    async def press(chat: str, action: str) -> None:
        await engine.handle(Event(PersonRef("test", chat), EventKind.BUTTON, action=action))

    try:
        for chat in ("gone", "back", "followed"):
            await press(chat, "lang:fr")
            await press(chat, "topic:rental-deposit")
            await press(chat, "fb:rental-deposit:1")
        token = await followup.create_token(date(2026, 1, 2), "Marie", None)
        await engine.handle(Event(PersonRef("test", "followed"), EventKind.COMMAND,
                                  command="start", text=token))
        await press("followed", "consent:yes")  # check-ins planned for 12 months
        assert await retention.tick() == 0, "nothing is old yet"

        clock.advance(timedelta(days=170))
        await press("back", "topic:health-insurance")  # seen again, recently
        clock.advance(timedelta(days=20))  # the first visit is now 190 days old
        purged = await retention.tick()
        assert purged > 0
        people = {row[0] for row in await storage.query("SELECT address FROM people")}
        assert people == {"back", "followed"}, "the inactive person is gone entirely"
        views = await storage.query("SELECT topic_id FROM topic_views")
        assert [row[0] for row in views] == ["health-insurance"], "old views went, new stay"
        assert await count(storage, "feedback") == 0
        assert await count(storage, "enrol_tokens") == 0, "a used link does not stay"
        pending = await storage.query("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
        assert pending[0][0] > 0, "a follow-up still running is kept"
        assert await retention.tick() == 0, "idempotent"
    finally:
        await storage.close()


def test_the_tickets_period_comes_from_the_config_file() -> None:
    from bot.application.retention import DEFAULT_TICKET_DAYS, ticket_days

    assert ticket_days({}) == DEFAULT_TICKET_DAYS == 30
    assert ticket_days({"retention": {"tickets_days": 7}}) == 7
    assert ticket_days({"retention": {"tickets_days": True}}) == 30


async def test_closed_tickets_are_pseudonymised_after_their_period() -> None:
    """Through the real database on the manual clock: a closed ticket past its period
    leaves its countable facts with no link to the person; an open one and a recent one
    stay as they are."""
    from bot.domain.tickets import TicketSource

    clock = ManualClock(START)
    storage = await fresh_storage()
    retention = Retention(storage, clock, days=180, tickets_days=30)
    try:
        async with storage.unit_of_work():
            person = await storage.person(PersonRef("telegram", "5551234"), clock.now())
            old = await storage.create_ticket(person.id, TicketSource.CRISIS, True, clock.now())
            await storage.claim_ticket(old.id, "Marie", clock.now() + timedelta(minutes=5))
            await storage.link_relay(old.id, "to-workers", "10", "20", clock.now())
            await storage.close_ticket(old.id, "worker", "Marie",
                                       clock.now() + timedelta(hours=1))
            await storage.rate_ticket(old.id, 3)
        clock.advance(timedelta(days=20))
        async with storage.unit_of_work():
            recent = await storage.create_ticket(person.id, TicketSource.REQUEST, False,
                                                 clock.now())
            await storage.close_ticket(recent.id, "person", None, clock.now())
            still_open = await storage.create_ticket(person.id, TicketSource.REQUEST, False,
                                                     clock.now())
        assert await retention.tick() == 0, "nothing is past its period yet"

        clock.advance(timedelta(days=11))  # the first ticket closed 31 days ago
        assert await retention.tick() == 1, "the ticket (its relay link by cascade)"
        history = await storage.query("SELECT * FROM ticket_history")
        assert not set(history[0].keys()) & {"person_id", "worker", "about", "address"}, \
            "no link to anyone"
        assert [tuple(row)[1:] for row in history] == [(
            "crisis", 1, "2026-01-05T09:00:00.000000+00:00", "2026-01-05T09:05:00.000000+00:00",
            "2026-01-05T10:00:00.000000+00:00", "worker", 3)]
        left = {int(row[0]) for row in await storage.query("SELECT id FROM tickets")}
        assert left == {recent.id, still_open.id}
        assert await count(storage, "relayed_messages") == 0
        data = await storage.person_data(person.id)
        assert "ticket_history" not in {table.table for table in data.tables}
        assert await retention.tick() == 0, "idempotent"
    finally:
        await storage.close()
