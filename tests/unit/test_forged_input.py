"""Forged, stale and malformed input is refused kindly: never an apology for a crash.

The list comes from an outside fuzz run (issue 12): non-ASCII digits ("²".isdigit() is
True, int("²") raises), ids past 2**63 (SQLite raises OverflowError), feedback for a topic
that does not exist or after "delete my data", lone surrogates from forged JSON.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from bot.application.desk import ActionKind, WorkerEvent, WorkersDesk
from bot.application.outbound import Router
from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.domain.actions import Act, number, parse
from bot.domain.messages import Event, EventKind, Reply
from bot.domain.people import Person, PersonRef
from bot.domain.text import scrub
from bot.domain.tickets import Ticket
from bot.escalation.office_hours import OfficeHours
from bot.escalation.service import EscalationService
from bot.followup.schedule import load_plan
from bot.followup.service import FollowupService, token_hash
from bot.i18n.catalogs import Catalogs
from bot.storage.sqlite import SqlStorage
from tests.databases import fresh_storage

REF = PersonRef("test", "42")
HUGE = "99999999999999999999"  # past 2**63
INVALID = "This button is no longer valid. Here is the menu."
APOLOGY = "Sorry, something went wrong on my side. Please try again."


@dataclass
class SilentDesk:
    notes: list[str] = field(default_factory=list)

    async def announce(self, ticket: Ticket, person: Person, brief: object) -> None: ...

    async def relay_from_person(self, ticket: Ticket, person: Person, ref: str) -> None: ...

    async def notify(self, ticket: Ticket | None, person: Person, text: str) -> None:
        self.notes.append(text)

    async def forget(self, person: Person, thread: str) -> None: ...


@dataclass
class World:
    storage: SqlStorage
    engine: Engine
    desk: WorkersDesk
    catalogs: Catalogs

    async def press(self, action: str, ref: PersonRef = REF) -> list[Reply]:
        return await self.engine.handle(Event(ref, EventKind.BUTTON, action=action))

    async def say(self, text: str, ref: PersonRef = REF) -> list[Reply]:
        return await self.engine.handle(Event(ref, EventKind.TEXT, text=text))

    async def count(self, table: str) -> int:
        return int((await self.storage.query(f"SELECT COUNT(*) FROM {table}"))[0][0])

    def text(self, language: str, message: str) -> str:
        return self.catalogs.get(language).gettext(message)


@pytest_asyncio.fixture
async def world(content_source: ContentSource) -> AsyncIterator[World]:
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    storage = await fresh_storage()
    catalogs = Catalogs(PROJECT_ROOT / "locales")
    followup = FollowupService(storage, clock, load_plan(PROJECT_ROOT / "content"))
    engine = Engine(content_source, storage, catalogs, clock, followup=followup)
    engine.escalation = EscalationService(storage, SilentDesk(), OfficeHours.from_config(None),
                                          clock)
    desk = WorkersDesk(engine, engine.escalation, followup, Router())
    yield World(storage, engine, desk, catalogs)
    await storage.close()


def texts(replies: list[Reply]) -> list[str]:
    return [str(reply.context.get("text", "")) for reply in replies]


def test_numbers_in_button_data_are_ascii_and_fit_sqlite() -> None:
    assert number("12") == 12 and number("0") == 0
    assert number("999999999999999999") == 999_999_999_999_999_999 < 2**63
    for forged in ("²", "١٢", "１２", HUGE, "", "-1", "1.0", " 1", "1\n", "\ud800"):
        assert number(forged) is None, forged
    action = parse("ci:²:0:1")
    assert action is not None and action.kind is Act.CHECKIN and action.number(0) is None


def test_lone_surrogates_never_raise_where_text_is_encoded() -> None:
    assert parse("topic:\ud800") is not None  # parsed (and then refused as unknown)
    assert scrub("a\ud800b") == "a\ufffdb" and scrub("ok 😀") == "ok 😀"
    scrub("\udfff").encode("utf-8")
    assert len(token_hash("\ud800abc")) == 64


@pytest.mark.parametrize("forged", [
    "sat:²:1", f"sat:{HUGE}:1", "sat:1:²", "sat:1:9", "ci:²:0:1", f"ci:{HUGE}:0:1", "ci:1:²:1",
    "appt:²:yes", f"appt:{HUGE}:no", "fb:x:1", "fb:rental-deposit:7", "fb:", "topic:\ud800",
    "theme:nope", "gloss:nope", "lang:xx", "w:close:1", "forget", "sat", "ci:1", "appt:1",
])
async def test_forged_newcomer_buttons_get_the_no_longer_valid_reply(
    world: World, forged: str, caplog: pytest.LogCaptureFixture,
) -> None:
    await world.press("lang:ar")
    with caplog.at_level(logging.WARNING):
        replies = await world.press(forged)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    said = texts(replies)
    assert world.text("ar", APOLOGY) not in said
    if forged not in {"gloss:nope", "forget"}:  # these two answer with the menu
        assert said[0] == world.text("ar", INVALID), (forged, said)
    assert all(reply.lang == "ar" for reply in replies)
    assert await world.count("feedback") == 0
    assert (await world.storage.query("SELECT COUNT(*) FROM tickets WHERE satisfaction"
                                      " IS NOT NULL"))[0][0] == 0


async def test_feedback_only_for_an_answer_the_person_was_shown(world: World) -> None:
    await world.press("lang:fr")
    assert texts(await world.press("fb:rental-deposit:1"))[0] == world.text("fr", INVALID)
    await world.press("topic:rental-deposit")
    await world.press("fb:rental-deposit:1")
    assert await world.count("feedback") == 1


async def test_an_old_thumbs_up_after_delete_my_data_writes_nothing(world: World) -> None:
    await world.press("lang:nl")
    await world.press("topic:rental-deposit")
    await world.press("forget:yes")
    assert await world.count("people") == 0
    replies = await world.press("fb:rental-deposit:1")  # the old message's button
    assert texts(replies)[0] == world.text("fr", INVALID)  # a new person: default language
    assert await world.count("feedback") == 0 and await world.count("topic_views") == 0


async def test_a_rating_only_for_ones_own_closed_ticket(world: World) -> None:
    other = PersonRef("test", "77")
    await world.press("lang:fr", other)
    await world.press("person", other)
    (ticket,) = await world.storage.open_tickets()
    await world.press("lang:fr")
    assert texts(await world.press(f"sat:{ticket.id}:3"))[0] == world.text("fr", INVALID)
    await world.desk.close(ticket.id, "Marie")
    assert texts(await world.press(f"sat:{ticket.id}:3"))[0] == world.text("fr", INVALID)
    assert texts(await world.press(f"sat:{ticket.id}:3", other))[0] != world.text(
        "fr", INVALID)
    assert (await world.storage.ticket(ticket.id)).satisfaction == 3  # type: ignore[union-attr]


async def test_lone_surrogates_in_text_and_start_payloads_are_answered(
    world: World, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        for text in ("\ud800", "bonjour \udfff", "garantie locative \ud83d", "\ud800" * 700):
            replies = await world.say(text)
            assert replies and world.text("fr", APOLOGY) not in texts(replies)
        for payload in ("\ud800", "abc\udfffdef", "\ud83d" * 40):
            replies = await world.engine.handle(Event(REF, EventKind.COMMAND, command="start",
                                                      text=payload))
            assert replies and world.text("fr", APOLOGY) not in texts(replies)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_forged_ticket_ids_on_the_workers_side_are_refused(world: World) -> None:
    for raw in ("²", "١", HUGE, "", "-3", "1e3"):
        assert await world.desk.ticket_in_thread(raw, "77") is None, raw
    await world.press("lang:fr")
    await world.press("person")
    person = await world.storage.person(REF, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    await world.storage.remember_thread(person.id, "77", person.created_at)
    for argument in ("cancel ²", f"cancel {HUGE}"):
        (said,) = await world.desk.handle(WorkerEvent("Marie", "77", f"/appointment {argument}"))
        assert said.kind is ActionKind.SAY
