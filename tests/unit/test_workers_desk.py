"""The workers' desk is channel-agnostic: a worker answers a person of any channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.application.desk import ActionKind, WorkerEvent, WorkersDesk
from bot.application.outbound import Progress, Router
from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.domain.messages import Event, EventKind, Reply
from bot.domain.people import Person, PersonRef
from bot.domain.tickets import Ticket
from bot.escalation.office_hours import OfficeHours
from bot.escalation.service import EscalationService
from bot.followup.schedule import load_plan
from bot.followup.service import FollowupService
from bot.i18n.catalogs import Catalogs
from tests.databases import fresh_storage

WEB = PersonRef("web", "session-1")


@dataclass
class Inbox:
    """A channel with no Telegram at all: what reached the person."""

    replies: list[Reply] = field(default_factory=list)

    async def send(self, person: Person, reply: Reply, *, skip_parts: int = 0,
                   progress: Progress | None = None) -> None:
        self.replies.append(reply)


@dataclass
class SilentDesk:
    async def announce(self, ticket: Ticket, person: Person, brief: object) -> None: ...

    async def relay_from_person(self, ticket: Ticket, person: Person, ref: str) -> None: ...

    async def notify(self, ticket: Ticket | None, person: Person, text: str) -> None: ...

    async def forget(self, person: Person, thread: str) -> None: ...


async def test_a_worker_answers_closes_and_sends_a_template_to_a_web_person(
    content_source: ContentSource,
) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    storage = await fresh_storage()
    followup = FollowupService(storage, clock, load_plan(PROJECT_ROOT / "content"))
    engine = Engine(content_source, storage, Catalogs(PROJECT_ROOT / "locales"), clock,
                    followup=followup)
    escalation = EscalationService(storage, SilentDesk(), OfficeHours.from_config(None), clock)
    engine.escalation = escalation
    inbox, router = Inbox(), Router()
    router.register("web", inbox)
    desk = WorkersDesk(engine, escalation, followup, router)
    try:
        await engine.handle(Event(WEB, EventKind.BUTTON, action="lang:ar"))
        await engine.handle(Event(WEB, EventKind.COMMAND, command="person"))
        person = await storage.person(WEB, clock.now())
        await storage.remember_thread(person.id, "77", clock.now())

        (relay,) = await desk.handle(WorkerEvent("Marie", "77", "Bonjour, je regarde."))
        assert relay.kind is ActionKind.RELAY and relay.signature == "Marie"
        signed = desk.signed(person, relay.signature, "Bonjour")
        assert signed.lang == "ar" and "Marie" in str(signed.context["text"])

        (sent,) = await desk.handle(WorkerEvent("Marie", "77", "/template rental-deposit"))
        assert sent.kind is ActionKind.SAY
        assert inbox.replies[-1].template == "answer" and inbox.replies[-1].lang == "ar"

        (closed,) = await desk.handle(WorkerEvent("Marie", "77", "/close"))
        assert closed.kind is ActionKind.STATUS
        assert any(b.action.startswith("sat:") for row in inbox.replies[-1].buttons for b in row)
        assert (await storage.person(WEB, clock.now())).mode.value == "bot"
        (again,) = await desk.handle(WorkerEvent("Marie", "77", "/close"))
        assert again.kind is ActionKind.SAY, "a closed request stays closed"
        assert await desk.ticket_in_thread("1", "78") is None, "a button of another thread"
    finally:
        await storage.close()
