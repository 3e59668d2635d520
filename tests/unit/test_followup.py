"""Check-ins: schedule (time zones, DST, quiet hours), enrolment, the outbox dispatcher.

A manual clock drives everything: no test sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest_asyncio

from bot.application.dispatcher import Dispatcher, DispatchSettings
from bot.application.outbound import PersonUnreachable, Progress, RetryLater, Router
from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.domain.messages import Event, EventKind, Reply
from bot.domain.people import Person, PersonRef
from bot.domain.tickets import Ticket
from bot.escalation.office_hours import OfficeHours
from bot.escalation.ports import TicketBrief
from bot.escalation.service import EscalationService
from bot.followup.schedule import BRUSSELS, Checkin, CheckinPlan, load_plan
from bot.followup.service import FollowupService
from bot.i18n.catalogs import Catalogs
from bot.storage.sqlite import SqlStorage
from tests.databases import fresh_storage

PLAN = load_plan(PROJECT_ROOT / "content")
REF = PersonRef("test", "42")


def test_the_plan_is_content_with_every_language() -> None:
    assert PLAN is not None and [c.offset_days for c in PLAN.checkins] == [14, 30, 91, 182, 365]
    for texts in PLAN.questions.values():
        assert {"fr", "nl", "ar", "ti", "en", "uk"} <= set(texts)


def test_fire_time_is_local_delivery_hour_across_daylight_saving() -> None:
    assert PLAN is not None
    two_weeks = Checkin("week-2", 14, ("feeling",))
    winter = PLAN.fire_time(date(2026, 3, 14), two_weeks)  # 28 March: still CET (UTC+1)
    summer = PLAN.fire_time(date(2026, 3, 15), two_weeks)  # 29 March: CEST (UTC+2) begins
    assert winter.astimezone(BRUSSELS).time() == summer.astimezone(BRUSSELS).time() == time(10, 30)
    assert (winter.hour, summer.hour) == (9, 8)
    autumn = PLAN.fire_time(date(2026, 10, 11), two_weeks)  # 25 October: back to CET
    assert autumn == datetime(2026, 10, 25, 9, 30, tzinfo=UTC)


def test_never_at_night_and_past_checkins_are_skipped() -> None:
    plan = CheckinPlan(time(22, 0), time(20, 0), time(9, 0),
                       (Checkin("a", 1, ("feeling",)), Checkin("b", 30, ("feeling",))), {})
    due = plan.fire_time(date(2026, 12, 1), plan.checkins[0])
    assert due.astimezone(BRUSSELS) == datetime(2026, 12, 3, 9, 0, tzinfo=BRUSSELS)
    later = plan.schedule(date(2026, 12, 1), now=datetime(2026, 12, 10, tzinfo=UTC))
    assert [c.key for c, _ in later] == ["b"]


@dataclass
class RecordingDesk:
    announced: list[TicketBrief] = field(default_factory=list)

    async def announce(self, ticket: Ticket, person: Person, brief: TicketBrief) -> None:
        self.announced.append(brief)

    async def relay_from_person(self, ticket: Ticket, person: Person, ref: str) -> None:
        return None

    async def notify(self, ticket: Ticket | None, person: Person, text: str) -> None:
        return None

    async def forget(self, person: Person, thread: str) -> None:
        return None


@dataclass
class RecordingOutbound:
    """The test channel's way out: records what reached the person, part by part."""

    sent: list[tuple[int, Reply]] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    fail_with: Exception | None = None
    fail_after_parts: int | None = None

    async def send(self, person: Person, reply: Reply, *, skip_parts: int = 0,
                   progress: Progress | None = None) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        wanted = ["message"] + (["attachment"] if reply.attachment else [])
        for number, part in enumerate(wanted, start=1):
            if number <= skip_parts:
                continue
            if self.fail_after_parts is not None and number > self.fail_after_parts:
                raise RetryLater(1)
            self.parts.append(part)
            if progress is not None:
                await progress(number)
        items = [b.action for row in reply.buttons for b in row if b.action.startswith("ci:")]
        item_id = int(items[0].split(":")[1]) if items else 0
        self.sent.append((item_id, reply))


def dispatcher_for(world: World, outbound: RecordingOutbound) -> Dispatcher:
    router = Router()
    router.register(REF.channel, outbound)
    return Dispatcher(world.storage, world.clock, router, world.engine.outbox_message,
                      DispatchSettings(per_second=0, per_person_interval=0))


@dataclass
class World:
    clock: ManualClock
    storage: SqlStorage
    engine: Engine
    followup: FollowupService
    desk: RecordingDesk

    async def say(self, kind: EventKind, **values: str) -> list[Reply]:
        return await self.engine.handle(Event(REF, kind, **values))  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def world(content_source: ContentSource) -> AsyncIterator[World]:
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # Monday, 10:00 Brussels
    storage = await fresh_storage()
    followup = FollowupService(storage, clock, PLAN)
    desk = RecordingDesk()
    engine = Engine(content_source, storage, Catalogs(PROJECT_ROOT / "locales"), clock,
                    followup=followup)
    engine.escalation = EscalationService(storage, desk, OfficeHours.from_config(None), clock)
    yield World(clock, storage, engine, followup, desk)
    await storage.close()


def actions(reply: Reply) -> list[str]:
    return [b.action for row in reply.buttons for b in row]


async def enrol(world: World, end: date, language: str = "ar") -> datetime:
    token = await world.followup.create_token(end, "Marie", "CPAS Schaerbeek")
    assert len(token) >= 32
    await world.say(EventKind.BUTTON, action=f"lang:{language}")
    consent, _picker = await world.say(EventKind.COMMAND, command="start", text=token)
    assert {"consent:yes", "consent:no"} <= set(actions(consent))
    assert "Marie" in str(consent.context["text"])
    (_thanks,) = await world.say(EventKind.BUTTON, action="consent:yes")
    first = await world.followup.next_checkin(1)
    assert first is not None
    return first


async def send_first_checkin(
    world: World, first: datetime
) -> tuple[Dispatcher, RecordingOutbound, int]:
    """Move the clock to the first check-in and dispatch it; return its outbox id."""
    world.clock.advance(first - world.clock.now())
    deliverer = RecordingOutbound()
    dispatcher = dispatcher_for(world, deliverer)
    await dispatcher.tick()
    (item_id, _reply), = deliverer.sent
    return dispatcher, deliverer, item_id


async def test_deep_link_works_once_and_consent_schedules_checkins(world: World) -> None:
    await world.storage.person(REF, world.clock.now())
    token = await world.followup.create_token(date(2026, 11, 20), "Marie", None)
    assert await world.followup.redeem(token, 1)
    assert not await world.followup.redeem(token, 1), "a link works only once"
    stale = await world.followup.create_token(date(2026, 11, 20), None, None)
    world.clock.advance(timedelta(days=31))
    assert not await world.followup.redeem(stale, 1), "links expire"
    assert not await world.followup.redeem("guess", 1)


async def test_first_checkin_at_the_right_local_time_then_sent_once(world: World) -> None:
    first = await enrol(world, date(2026, 11, 20))  # week-2 is 4 December
    assert first.astimezone(BRUSSELS) == datetime(2026, 12, 4, 10, 30, tzinfo=BRUSSELS)
    deliverer = RecordingOutbound()
    dispatcher = dispatcher_for(world, deliverer)
    assert await dispatcher.tick() == 0, "nothing is due yet"
    world.clock.advance(first - world.clock.now())
    assert await dispatcher.tick() == 1
    assert await dispatcher.tick() == 0
    (item_id, reply), = deliverer.sent
    assert reply.lang == "ar" and any("\u0600" <= c <= "\u06ff" for c in str(reply.context))
    assert f"ci:{item_id}:0:help" in actions(reply)


async def test_crash_between_claim_and_send_sends_exactly_once_after_restart(
    world: World,
) -> None:
    first = await enrol(world, date(2026, 11, 20))
    world.clock.advance(first - world.clock.now())
    now = world.clock.now()
    claimed = await world.storage.claim_next(now, "crashed-run", now + timedelta(seconds=15),
                                             channels=(REF.channel,))
    assert claimed is not None  # … and the process dies here, before sending
    deliverer = RecordingOutbound()
    restarted = dispatcher_for(world, deliverer)
    assert await restarted.tick() == 0, "a live lease is not taken over"
    world.clock.advance(timedelta(seconds=16))
    assert await restarted.tick() == 1, "an expired lease comes back within seconds"
    assert await restarted.tick() == 0
    assert len(deliverer.sent) == 1


async def test_blocked_person_is_stopped_and_rate_limits_are_honoured(world: World) -> None:
    first = await enrol(world, date(2026, 11, 20))
    world.clock.advance(first - world.clock.now())
    deliverer = RecordingOutbound(fail_with=RetryLater(30))
    dispatcher = dispatcher_for(world, deliverer)
    assert await dispatcher.tick() == 0
    (item,) = [i for i in await world.storage.pending_items(1) if i.key == "week-2"]
    assert item.due_at >= world.clock.now() + timedelta(seconds=30), "retry_after honoured"
    deliverer.fail_with = PersonUnreachable()
    world.clock.advance(timedelta(minutes=1))
    await dispatcher.tick()
    assert await world.storage.pending_items(1) == [], "nothing is retried forever"
    participant = await world.followup.participant(1)
    assert participant is not None and participant.stopped


async def test_help_now_opens_an_urgent_ticket_and_checkins_wait_for_the_worker(
    world: World,
) -> None:
    first = await enrol(world, date(2026, 11, 20))
    dispatcher, deliverer, item_id = await send_first_checkin(world, first)
    (confirmation,) = await world.say(EventKind.BUTTON, action=f"ci:{item_id}:0:help")
    assert "leave" in actions(confirmation)
    assert world.desk.announced[-1].urgent and world.desk.announced[-1].source == "checkin"
    ticket = await world.storage.open_ticket_of(1)
    assert ticket is not None and ticket.about is not None and "week-2" in ticket.about

    next_due = await world.followup.next_checkin(1)
    assert next_due is not None
    world.clock.advance(next_due - world.clock.now())
    assert await dispatcher.tick() == 0, "a check-in waits while a ticket is open"
    assert len(deliverer.sent) == 1


async def test_answers_stop_resume_and_plan(world: World) -> None:
    first = await enrol(world, date(2026, 11, 20), language="ti")
    (plan,) = await world.say(EventKind.COMMAND, command="checkins")
    assert "2026" in str(plan.context["text"])
    _dispatcher, _deliverer, item_id = await send_first_checkin(world, first)
    (second_question,) = await world.say(EventKind.BUTTON, action=f"ci:{item_id}:0:4")
    assert f"ci:{item_id}:1:5" in actions(second_question)
    await world.say(EventKind.BUTTON, action=f"ci:{item_id}:1:5")
    rows = await world.storage.query("SELECT question, answer FROM checkin_answers")
    assert [tuple(r) for r in rows] == [("feeling", "4"), ("contact", "5")]
    await world.say(EventKind.COMMAND, command="stop")
    assert await world.followup.next_checkin(1) is None
    (resumed,) = await world.say(EventKind.COMMAND, command="start")
    assert await world.followup.next_checkin(1) is not None
    assert resumed.template == "message"


async def test_changed_end_date_recomputes_unsent_checkins(world: World) -> None:
    await enrol(world, date(2026, 11, 20))
    moved = await world.followup.change_end(1, date(2027, 1, 31))
    assert moved is not None and moved.astimezone(BRUSSELS).date() == date(2027, 2, 14)


async def test_appointment_reminders_in_arabic_and_tigrinya_with_correct_dates(
    world: World,
) -> None:
    from bot.followup.appointments import parse_appointment

    parsed = parse_appointment("2026-12-03 14:30 CPAS, rue Royale 1")
    assert parsed is not None
    starts_at, place = parsed
    for language in ("ar", "ti"):
        ref = PersonRef("test", f"appt-{language}")
        await world.engine.handle(Event(ref, EventKind.BUTTON, action=f"lang:{language}"))
        person = await world.storage.person(ref, world.clock.now())
        appointment, planned = await world.followup.add_appointment(person.id, starts_at,
                                                                    place, "Marie")
        local = [p.astimezone(BRUSSELS) for p in planned]
        assert local[1] == datetime(2026, 12, 2, 10, 30, tzinfo=BRUSSELS), "the day before"
        assert local[2] == datetime(2026, 12, 3, 12, 30, tzinfo=BRUSSELS), "two hours before"
        items = [i for i in await world.storage.pending_items(person.id) if i.kind == "reminder"]
        assert [i.key.split(":")[1] for i in items] == ["confirm", "day-before", "2h"]
        reminder = await world.engine.outbox_message(person, items[-1])
        assert reminder is not None and reminder.lang == language
        text = str(reminder.context["text"])
        assert "14:30" in text and "2026" in text and "3" in text
        month = {"ar": "ديسمبر", "ti": "ታሕ"}[language]
        assert month in text, text
        assert f"appt:{appointment.id}:yes" in actions(reminder)
        (thanks,) = await world.engine.handle(
            Event(ref, EventKind.BUTTON, action=f"appt:{appointment.id}:no"))
        assert thanks.lang == language
        stored = await world.followup.appointment(appointment.id)
        assert stored is not None and stored.answer == "not-coming"


async def test_an_appointment_saved_again_after_a_crash_is_still_one(world: World) -> None:
    """A worker's /appointment handled a second time (the process died before the update
    was marked handled) must not make a second appointment nor a second confirmation."""
    ref = PersonRef("test", "appt-twice")
    person = await world.storage.person(ref, world.clock.now())
    starts_at = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    first, planned = await world.followup.add_appointment(person.id, starts_at, "CPAS", "Marie")
    again, planned_again = await world.followup.add_appointment(person.id, starts_at, "CPAS",
                                                                "Marie")
    assert again.id == first.id and planned_again == planned
    reminders = [i for i in await world.storage.pending_items(person.id) if i.kind == "reminder"]
    assert len(reminders) == len(planned) == 3
    other, _ = await world.followup.add_appointment(person.id, starts_at, "Maison de l'emploi",
                                                    "Marie")
    assert other.id != first.id, "another place is another appointment"


async def _claimable_from(world: World, person: Person, key: str) -> datetime:
    """The first instant (to the second) at which the real storage hands out `key`."""
    (item,) = [i for i in await world.storage.pending_items(person.id) if i.key.endswith(key)]
    probe = item.due_at - timedelta(minutes=1)
    while True:
        claimed = await world.storage.claim_next(probe, "probe", probe + timedelta(seconds=15),
                                                 channels=(REF.channel,))
        if claimed is not None:
            assert claimed.id == item.id
            await world.storage.mark_sent(claimed.id, probe)
            return probe
        probe += timedelta(seconds=1)


async def test_reminders_are_claimable_at_their_utc_moment_in_winter_and_summer(
    world: World,
) -> None:
    """Through the database and the real clock conversion: 10:30 Brussels the day before is
    09:30Z in winter and 08:30Z in summer; two hours before 14:30 is 12:30 local."""
    from bot.followup.appointments import parse_appointment

    for day, day_before_utc, two_hours_utc in (
        ("2026-12-03", datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
         datetime(2026, 12, 3, 11, 30, tzinfo=UTC)),
        ("2026-06-03", datetime(2026, 6, 2, 8, 30, tzinfo=UTC),
         datetime(2026, 6, 3, 10, 30, tzinfo=UTC)),
    ):
        world.clock.advance(datetime.fromisoformat(f"{day}T00:00:00+00:00")
                            - timedelta(days=3) - world.clock.now())
        parsed = parse_appointment(f"{day} 14:30 CPAS")
        assert parsed is not None
        ref = PersonRef("test", f"dst-{day}")
        person = await world.storage.person(ref, world.clock.now())
        appointment, _planned = await world.followup.add_appointment(
            person.id, parsed[0], parsed[1], "Marie")
        await world.storage.cancel_keys(person.id, "reminder", f"appt-{appointment.id}:confirm")
        assert await _claimable_from(world, person, "day-before") == day_before_utc
        assert await _claimable_from(world, person, "2h") == two_hours_utc
        await world.storage.cancel_pending(person.id)


async def test_a_message_of_two_calls_resends_only_the_missing_part(world: World) -> None:
    """The confirmation is a text and an .ics file: after a failure between the two, only
    the file goes again, never the text twice."""
    from bot.followup.appointments import parse_appointment

    await world.say(EventKind.BUTTON, action="lang:fr")
    parsed = parse_appointment("2026-11-30 14:30 CPAS")
    assert parsed is not None
    await world.followup.add_appointment(1, parsed[0], parsed[1], "Marie")
    outbound = RecordingOutbound(fail_after_parts=1)
    dispatcher = dispatcher_for(world, outbound)
    assert await dispatcher.tick() == 0
    assert outbound.parts == ["message"]
    outbound.fail_after_parts = None
    world.clock.advance(timedelta(minutes=5))
    assert await dispatcher.tick() == 1
    assert outbound.parts == ["message", "attachment"], "the text went once"


async def test_people_of_a_channel_not_running_here_are_left_for_it(world: World) -> None:
    """A terminal person's reminder is not claimed (nor crashes) a Telegram-only process."""
    await world.storage.person(PersonRef("terminal", "local"), world.clock.now())
    await world.storage.schedule(1, "notice", "still-waiting:x", world.clock.now(),
                                 {"what": "still-waiting"})
    router = Router()
    router.register("telegram", RecordingOutbound())
    dispatcher = Dispatcher(world.storage, world.clock, router, world.engine.outbox_message,
                            DispatchSettings(per_second=0))
    assert await dispatcher.tick() == 0
    assert [i.kind for i in await world.storage.pending_items(1)] == ["notice"]


def test_offsets_in_weeks_months_hours_and_minutes() -> None:
    from bot.followup.schedule import parse_offset

    assert parse_offset("2w") == (14, None) and parse_offset("3mo") == (90, None)
    assert parse_offset("2h") == (0, timedelta(hours=2))
    assert parse_offset("10min") == (0, timedelta(minutes=10))
    plan = CheckinPlan(time(10, 30), time(20, 0), time(9, 0), (
        Checkin("soon", 0, ("feeling",), timedelta(minutes=10)),
        Checkin("week-2", 14, ("feeling",))), {})
    noon = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)  # 12:00 in Brussels
    (first, at), (second, _later) = plan.schedule(date(2026, 12, 3), noon)
    assert (first.key, at) == ("soon", noon + timedelta(minutes=10))
    assert second.key == "week-2"
    evening = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)  # 20:00 in Brussels: quiet hours
    ((_soon, moved), _rest) = plan.schedule(date(2026, 12, 3), evening)
    assert moved.astimezone(BRUSSELS) == datetime(2026, 12, 4, 9, 0, tzinfo=BRUSSELS)
