"""/mydata shows what the database holds; /forget (or "delete my data" typed) leaves no row
anywhere that refers to the person: every table of the schema is read, not a list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import pytest_asyncio

from bot.application.desk import WorkersDesk
from bot.application.outbound import Router
from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.conversation.privacy import TABLES, row_facts
from bot.domain.messages import Event, EventKind, Reply
from bot.domain.people import Person, PersonRef
from bot.domain.tickets import Ticket
from bot.escalation.office_hours import OfficeHours
from bot.escalation.service import EscalationService
from bot.followup.schedule import load_plan
from bot.followup.service import FollowupService
from bot.i18n.catalogs import Catalogs
from bot.storage.sqlite import SqlStorage
from tests.databases import fresh_storage

CHAT = "987654321"
OTHER_CHAT = "123456789"
THREAD = "4242"


@dataclass
class Desk:
    forgotten: list[str]

    async def announce(self, ticket: Ticket, person: Person, brief: object) -> None: ...

    async def relay_from_person(self, ticket: Ticket, person: Person, ref: str) -> None: ...

    async def notify(self, ticket: Ticket | None, person: Person, text: str) -> None: ...

    async def forget(self, person: Person, thread: str) -> None:
        self.forgotten.append(thread)


@dataclass
class World:
    clock: ManualClock
    storage: SqlStorage
    engine: Engine
    followup: FollowupService
    workers: WorkersDesk
    desk: Desk

    async def send(self, event_kind: EventKind, chat: str = CHAT, **values: str) -> list[Reply]:
        return await self.engine.handle(Event(PersonRef("telegram", chat), event_kind,
                                              **values))  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def world(content_source: ContentSource) -> AsyncIterator[World]:
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    storage = await fresh_storage()
    followup = FollowupService(storage, clock, load_plan(PROJECT_ROOT / "content"))
    engine = Engine(content_source, storage, Catalogs(PROJECT_ROOT / "locales"), clock,
                    followup=followup)
    desk = Desk([])
    engine.escalation = EscalationService(storage, desk, OfficeHours.from_config(None), clock)
    workers = WorkersDesk(engine, engine.escalation, followup, Router())
    yield World(clock, storage, engine, followup, workers, desk)
    await storage.close()


async def a_full_life(world: World, chat: str) -> int:
    """Everything a person can leave behind: views, feedback, a closed and rated ticket with
    relayed messages and a topic, an open ticket, follow-up with answers, an appointment
    with reminders, and updates in the inbox."""
    storage, now = world.storage, world.clock.now()
    await world.send(EventKind.BUTTON, chat, action="lang:ar")
    await world.send(EventKind.BUTTON, chat, action="topic:rental-deposit")
    await world.send(EventKind.BUTTON, chat, action="fb:rental-deposit:1")
    token = await world.followup.create_token(date(2026, 11, 20), "Marie", "CPAS Ixelles")
    await world.send(EventKind.COMMAND, chat, command="start", text=token)
    await world.send(EventKind.BUTTON, chat, action="consent:yes")
    person = await storage.person(PersonRef("telegram", chat), now)
    await storage.remember_thread(person.id, THREAD if chat == CHAT else "77", now)
    await world.send(EventKind.COMMAND, chat, command="person")
    ticket = await storage.open_ticket_of(person.id)
    assert ticket is not None
    await storage.link_relay(ticket.id, "to-workers", "11", "901", now)
    await world.workers.close(ticket.id, "Marie")
    await world.send(EventKind.BUTTON, chat, action=f"sat:{ticket.id}:3")
    await world.followup.add_appointment(person.id, now + timedelta(days=10), "CPAS, guichet 3",
                                         "Marie")
    (item,) = [i for i in await storage.pending_items(person.id) if i.kind == "checkin"][:1]
    await world.send(EventKind.BUTTON, chat, action=f"ci:{item.id}:0:4")
    await world.send(EventKind.COMMAND, chat, command="person")  # a second, open ticket
    await storage.receive("telegram", [(int(chat) % 10_000, f"{chat}:", '{"text": "x"}')], now)
    return person.id


async def references(storage: SqlStorage, person_id: int, tickets: set[int],
                     chat: str) -> list[str]:
    """Every cell, in every table of the schema, that points at the person."""
    found = []
    schema = await storage.schema()
    assert {"people", "tickets", "outbox", "appointments", "inbox"} <= set(schema)
    for table, links in schema.items():
        keys = {column: parent for parent, column in links}
        for row in await storage.query(f"SELECT * FROM {table}"):
            for column in row.keys():  # noqa: SIM118 (sqlite3.Row)
                value = row[column]
                points = ((keys.get(column) == "people" or column == "person_id"
                           or (table == "people" and column == "id")) and value == person_id) \
                    or (keys.get(column) == "tickets" and value in tickets) \
                    or (table == "tickets" and column == "id" and value in tickets) \
                    or (isinstance(value, str) and (chat in value or value == THREAD))
                if points:
                    found.append(f"{table}.{column} = {value!r}")
    return found


async def test_mydata_shows_every_stored_row_in_plain_words(world: World) -> None:
    person_id = await a_full_life(world, CHAT)
    data = await world.storage.person_data(person_id)
    shown = {stored.table for stored in data.tables}
    assert {"people", "topic_views", "feedback", "tickets", "worker_threads",
            "relayed_messages", "participants", "outbox", "checkin_answers", "appointments",
            "inbox"} <= shown
    assert set(shown) <= set(TABLES), "a table without plain words"
    (reply,) = [r for r in await world.send(EventKind.COMMAND, command="mydata")
                if "🗂" in str(r.context.get("text", ""))]
    text = str(reply.context["text"])
    assert reply.lang == "ar"
    for stored in data.tables:  # every fact of every row is in the message
        for row in stored.rows:
            for column, value in row_facts(row).items():
                if isinstance(value, str) and not column.endswith("_at") \
                        and column != "topic_id":
                    assert value in text, (stored.table, column, value)
    assert CHAT in text and "CPAS, guichet 3" in text and "Marie" in text
    assert "CPAS Ixelles" in text and THREAD in text
    nobody = await world.storage.person_data(10_000)
    assert nobody.tables == ()


@pytest.mark.parametrize("how", ["command", "typed"])
async def test_forget_leaves_no_row_that_refers_to_the_person(world: World, how: str) -> None:
    other = await a_full_life(world, OTHER_CHAT)  # someone else, who stays
    person_id = await a_full_life(world, CHAT)
    tickets = {int(r[0]) for r in await world.storage.query(
        "SELECT id FROM tickets WHERE person_id = ?", (person_id,))}
    assert len(tickets) == 2
    assert len(await references(world.storage, person_id, tickets, CHAT)) > 20
    if how == "command":
        (confirm,) = await world.send(EventKind.COMMAND, command="forget")
    else:
        await world.send(EventKind.BUTTON, action="leave")  # back from the open ticket
        (confirm,) = await world.send(EventKind.TEXT, text="delete my data")
    assert "forget:yes" in [b.action for row in confirm.buttons for b in row]
    await world.send(EventKind.BUTTON, action="forget:yes")

    assert await references(world.storage, person_id, tickets, CHAT) == []
    assert world.desk.forgotten == [THREAD], "their workers' topic is deleted too"
    other_tickets = {int(r[0]) for r in await world.storage.query(
        "SELECT id FROM tickets WHERE person_id = ?", (other,))}
    assert len(await references(world.storage, other, other_tickets, OTHER_CHAT)) > 20
    assert (await world.storage.person_data(person_id)).tables == ()
