"""The workers' send queue through the real database: paced per group, crisis first, each
person's messages in their order, nothing lost or doubled across a restart, 429 honoured."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.application.deliveries import handling
from bot.application.workers_queue import QueuedDesk, WorkersQueueSettings, WorkersSender
from bot.clock import ManualClock
from bot.domain.errors import RetryLater
from bot.domain.people import Person, PersonRef
from bot.domain.tickets import Ticket, TicketSource
from bot.escalation.office_hours import OfficeHours
from bot.escalation.ports import TicketBrief
from bot.escalation.service import EscalationService
from bot.storage import open_storage
from bot.storage.sqlite import SqlStorage
from tests.databases import fresh_database

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
GROUP = -1001
OTHER_GROUP = -1002


class RecordingDesk:
    """The real desk's place: what reached the group, when, in which order."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.sent: list[tuple[datetime, str, int, str]] = []  # (at, kind, person, what)
        self.refuse: list[Exception] = []  # raised by the next calls, one each
        self.failing: dict[str, int] = {}  # this message fails this many times

    def _record(self, kind: str, person: Person, what: str) -> None:
        if self.refuse:
            raise self.refuse.pop(0)
        if self.failing.get(what):
            self.failing[what] -= 1
            raise RuntimeError("Bad Request: something is wrong with this one")
        self.sent.append((self.clock.now(), kind, person.id, what))

    async def announce(self, ticket: Ticket, person: Person, brief: TicketBrief) -> None:
        self._record("announce", person, f"ticket {ticket.id}")

    async def relay_from_person(self, ticket: Ticket, person: Person, message_ref: str) -> None:
        self._record("relay", person, message_ref)

    async def notify(self, ticket: Ticket | None, person: Person, text: str) -> None:
        self._record("notify", person, text)

    async def forget(self, person: Person, thread: str, group: str | None = None) -> None:
        self._record("forget", person, thread)


class World:
    def __init__(self, storage: SqlStorage, clock: ManualClock,
                 groups: dict[int, int] | None = None) -> None:
        self.storage = storage
        self.clock = clock
        self.desk = RecordingDesk(clock)
        self.groups = groups or {}
        self.sender = WorkersSender(storage, clock, self.desk, WorkersQueueSettings())
        self.queued = QueuedDesk(storage, self.desk, self.group_of, clock, self.sender.wake)
        self.service = EscalationService(storage, self.queued, OfficeHours.from_config(None), clock)

    async def group_of(self, person: Person) -> int:
        return self.groups.get(person.id, GROUP)

    async def person_with_ticket(self, n: int, source: TicketSource = TicketSource.REQUEST,
                                 urgent: bool = False) -> tuple[Person, Ticket]:
        person = await self.storage.person(PersonRef("telegram", str(5000 + n)), NOW)
        ticket = await self.storage.create_ticket(person.id, source, urgent, NOW)
        return person, ticket

    async def drain(self, step: timedelta = timedelta(seconds=1), limit: int = 5000) -> None:
        """Tick as a running sender would, the clock moving `step` between ticks."""
        for _ in range(limit):
            await self.sender.tick()
            rows = await self.storage.query(
                "SELECT COUNT(*) FROM workers_queue WHERE status IN ('queued', 'sending')")
            if rows[0][0] == 0:
                return
            self.clock.advance(step)
        raise AssertionError("the queue never emptied")


async def file_storage(tmp_path: Path) -> SqlStorage:
    return await open_storage(await fresh_database(tmp_path / "queue.sqlite3"))


def most_in_a_minute(times: list[datetime]) -> int:
    ordered = sorted(times)
    return max((sum(1 for t in ordered if start <= t < start + timedelta(minutes=1))
                for start in ordered), default=0)


async def test_a_flood_of_200_relays_is_paced_and_crisis_goes_first(tmp_path: Path) -> None:
    storage = await file_storage(tmp_path)
    world = World(storage, ManualClock(NOW))
    people = [await world.person_with_ticket(n) for n in range(40)]
    for round_ in range(5):  # 40 people write 5 messages each, in turns: 200 relays
        for person, ticket in people:
            await world.service.relay(ticket, person, f"{person.id}-{round_}")
    crisis_person, crisis_ticket = await world.person_with_ticket(90, TicketSource.CRISIS)
    await world.service.relay(crisis_ticket, crisis_person, "crisis-0")
    urgent_person, urgent_ticket = await world.person_with_ticket(91, urgent=True)
    await world.service.relay(urgent_ticket, urgent_person, "urgent-0")
    late_person, late_ticket = people[-1]  # wrote 5 normal messages, then it became urgent
    await world.service.make_urgent(late_ticket, late_person, "danger")

    await world.drain()

    sent = world.desk.sent
    assert len(sent) == 203
    assert len({(kind, what) for _at, kind, _p, what in sent}) == 203  # none twice
    assert most_in_a_minute([at for at, *_rest in sent]) <= 20
    assert sent[-1][0] - sent[0][0] >= timedelta(minutes=9)  # 203 at 20 a minute
    assert sent[0][3] == "crisis-0"
    late = [what for _at, _k, p, what in sent[1:8] if p == late_person.id]
    assert late == [f"{late_person.id}-{r}" for r in range(5)] + ["🆘 URGENT: danger"]
    assert "urgent-0" in [what for *_rest, what in sent[1:8]]
    for person, _ticket in people:  # each person's messages in the order they wrote them
        theirs = [what for _at, kind, p, what in sent if p == person.id and kind == "relay"]
        assert theirs == [f"{person.id}-{r}" for r in range(5)]
    await storage.close()


async def test_groups_are_paced_apart(tmp_path: Path) -> None:
    storage = await file_storage(tmp_path)
    first, first_ticket = await World(storage, ManualClock(NOW)).person_with_ticket(1)
    world = World(storage, ManualClock(NOW), groups={first.id + 1: OTHER_GROUP})
    second, second_ticket = await world.person_with_ticket(2)
    for n in range(30):
        await world.service.relay(first_ticket, first, f"a{n}")
        await world.service.relay(second_ticket, second, f"b{n}")
    for _ in range(60):  # one minute
        await world.sender.tick()
        world.clock.advance(timedelta(seconds=1))
    per_person = [sum(1 for _at, _k, p, _w in world.desk.sent if p == who.id)
                  for who in (first, second)]
    assert per_person == [20, 20]  # 20 into each group, not 20 shared
    await storage.close()


async def test_a_restart_mid_queue_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    where = await fresh_database(tmp_path / "queue.sqlite3")
    storage = await open_storage(where)
    clock = ManualClock(NOW)
    world = World(storage, clock)
    people = [await world.person_with_ticket(n) for n in range(3)]
    for n in range(30):
        person, ticket = people[n % 3]
        await world.service.relay(ticket, person, f"m{n}")
    for _ in range(10):
        await world.sender.tick()
        clock.advance(timedelta(seconds=1))
    # the process is killed while it holds a claim (claimed, not yet sent) ...
    crashed = await storage.claim_for_workers(str(GROUP), clock.now(), "dead-run",
                                              clock.now() + timedelta(seconds=15), 20,
                                              timedelta(0))
    assert crashed is not None
    await storage.close()  # ... and nothing is given back: kill -9
    before = list(world.desk.sent)

    storage = await open_storage(where)  # the restart, on the same database
    clock.advance(timedelta(seconds=16))  # the dead claim's lease runs out
    again = World(storage, clock)
    again.desk.sent = before
    await again.drain()
    relayed = [what for _at, kind, _p, what in again.desk.sent if kind == "relay"]
    assert sorted(relayed) == sorted(f"m{n}" for n in range(30))  # 0 lost, 0 doubled
    await storage.close()


async def test_an_update_handled_again_queues_nothing_twice(tmp_path: Path) -> None:
    storage = await file_storage(tmp_path)
    world = World(storage, ManualClock(NOW))
    person, ticket = await world.person_with_ticket(1)
    await storage.receive("telegram", [(1, "5001:", "{}")], NOW)
    inbox_id = (await storage.waiting_updates("telegram"))[-1].id
    for _handling in range(2):  # crash after the commit, before "handled": handled again
        with handling(storage, inbox_id):
            await world.service.relay(ticket, person, "42")
            await world.service.person_left(ticket, person)
    await world.drain()
    assert [(kind, what) for _at, kind, _p, what in world.desk.sent] == [
        ("relay", "42"), ("notify", "↩️ The person went back to the menu.")]
    await storage.close()


async def test_retry_after_holds_the_group_and_the_row_keeps_its_place(tmp_path: Path) -> None:
    storage = await file_storage(tmp_path)
    clock = ManualClock(NOW)
    world = World(storage, clock)
    person, ticket = await world.person_with_ticket(1)
    for n in range(3):
        await world.service.relay(ticket, person, f"m{n}")
    world.desk.refuse = [RetryLater(30.0)]  # Telegram: 429, retry after 30 s
    await world.sender.tick()
    for _ in range(29):
        clock.advance(timedelta(seconds=1))
        await world.sender.tick()
    assert world.desk.sent == []  # held for the whole retry_after
    await world.drain()
    assert [what for *_rest, what in world.desk.sent] == ["m0", "m1", "m2"]
    assert world.desk.sent[0][0] >= NOW + timedelta(seconds=30)
    await storage.close()


async def test_a_failing_person_waits_alone_and_is_never_dropped(tmp_path: Path) -> None:
    storage = await file_storage(tmp_path)
    clock = ManualClock(NOW)
    world = World(storage, clock)
    stuck, stuck_ticket = await world.person_with_ticket(1)
    other, other_ticket = await world.person_with_ticket(2)
    await world.service.relay(stuck_ticket, stuck, "s0")
    await world.service.relay(stuck_ticket, stuck, "s1")
    await world.service.relay(other_ticket, other, "o0")
    world.desk.failing = {"s0": 6}  # fails for a while (backing off 2, 4, 8 … s)
    await world.drain()
    assert [what for *_rest, what in world.desk.sent] == ["o0", "s0", "s1"]
    assert world.desk.sent[1][0] - NOW >= timedelta(seconds=2 + 4 + 8 + 16 + 32 + 64)
    await storage.close()


async def test_a_forgotten_persons_queued_messages_go_with_their_data(tmp_path: Path) -> None:
    storage = await file_storage(tmp_path)
    world = World(storage, ManualClock(NOW))
    person, ticket = await world.person_with_ticket(1)
    await world.service.relay(ticket, person, "m0")
    announced = replace(ticket, urgent=True)
    await world.service.relay(announced, person, "m1")
    async with storage.unit_of_work():
        await storage.forget_person(person.id)
    await world.drain()
    assert world.desk.sent == []
    await storage.close()


async def test_a_slow_send_keeps_its_row_from_another_process(tmp_path: Path) -> None:
    """Telegram's client may wait out a 429 itself for longer than a lease: the sender
    renews the lease meanwhile, so a second process does not take the row and send it
    again."""
    storage = await file_storage(tmp_path)
    clock = ManualClock(NOW)
    world = World(storage, clock)
    world.sender.settings = WorkersQueueSettings(lease=timedelta(seconds=0.3))
    person, ticket = await world.person_with_ticket(1)
    await world.service.relay(ticket, person, "m0")
    release = asyncio.Event()
    started = asyncio.Event()
    record = world.desk.relay_from_person

    async def slow_relay(ticket: Ticket, person: Person, message_ref: str) -> None:
        started.set()
        await release.wait()
        await record(ticket, person, message_ref)

    world.desk.relay_from_person = slow_relay  # type: ignore[method-assign]
    sending = asyncio.create_task(world.sender.tick())
    await started.wait()
    other = WorkersSender(storage, clock, RecordingDesk(clock), WorkersQueueSettings())
    for _ in range(5):  # the first lease has run out many times over meanwhile
        clock.advance(timedelta(seconds=1))
        await asyncio.sleep(0.2)  # the sender renews (every lease / 3, real time)
        assert await other.tick() == 0
    release.set()
    assert await sending == 1
    assert [what for *_rest, what in world.desk.sent] == ["m0"]
    rows = await storage.query("SELECT status FROM workers_queue")
    assert [r[0] for r in rows] == ["sent"]
    await storage.close()
