"""Follow-up end to end: a worker enrols a participant by link, a check-in arrives at the
right local time, and "I need help now" reaches the workers' forum at once."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.clock import ManualClock
from bot.followup.schedule import BRUSSELS
from tests.e2e.conftest import NEWCOMER, WORKER, WORKERS, RunningBot
from tests.fakes.botapi_server import Call


def actions(call: Call) -> list[str]:
    return [button["callback_data"] for row in call.button_rows() for button in row]


async def to_newcomer(bot: RunningBot) -> Call:
    return await bot.api.wait_for(("sendMessage", "sendPhoto"),
                                  lambda c: c.ok and c.chat_id == NEWCOMER)


async def test_enrol_by_link_checkin_and_help_now(desk: RunningBot, clock: ManualClock) -> None:
    desk.api.push_group_text(WORKERS, "/enrol 2026-11-20 Marie CPAS Schaerbeek",
                             thread_id=None, user_id=WORKER, first_name="Marie")
    qr = await desk.api.wait_for("sendPhoto", lambda c: c.ok and c.chat_id == WORKERS)
    assert "photo" in qr.files and qr.files["photo"].startswith(b"\x89PNG")
    match = re.search(r"https://t\.me/passerelle_test_bot\?start=([A-Za-z0-9_-]{32,64})",
                      qr.params["caption"])
    assert match, qr.params["caption"]
    token = match.group(1)

    desk.api.push_command(NEWCOMER, f"/start {token}", language_code="ti")
    consent = await to_newcomer(desk)
    assert {"consent:yes", "consent:no"} <= set(actions(consent))
    await to_newcomer(desk)  # the language picker
    desk.api.push_callback(NEWCOMER, "consent:yes")
    enrolled = await to_newcomer(desk)
    assert "2026" in enrolled.params["text"]

    desk.api.push_command(NEWCOMER, f"/start {token}")
    reused = await to_newcomer(desk)
    assert "consent:yes" not in actions(reused), "the link works only once"

    first = await desk.app.engine.followup.next_checkin(1)  # type: ignore[union-attr]
    assert first is not None and first.astimezone(BRUSSELS).hour == 10
    clock.advance(first - clock.now())
    dispatcher = desk.app.dispatcher
    assert dispatcher is not None
    dispatcher.wake()  # the running dispatcher (the shipped loop) sends it
    checkin = await to_newcomer(desk)
    help_now = next(a for a in actions(checkin) if a.endswith(":help"))
    assert any("\u1200" <= ch <= "\u137f" for ch in checkin.params["text"])

    desk.api.push_callback(NEWCOMER, help_now)
    announced = await desk.api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == WORKERS
                                        and "w:claim:1" in actions(c))
    assert "🆘" in announced.params["text"]
    confirmation = await to_newcomer(desk)
    assert "leave" in actions(confirmation)

    thread = int(desk.api.calls_of("createForumTopic")[-1].result["message_thread_id"])
    desk.api.push_group_text(WORKERS, "/appointment 2026-12-10 14:30 CPAS, rue Royale 1",
                             thread_id=thread, user_id=WORKER, first_name="Marie")
    saved = await desk.api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == WORKERS
                                    and "📅" in c.params["text"])
    assert "2026" in saved.params["text"]
    confirmation = await to_newcomer(desk)  # sent at once by the running dispatcher
    assert {"appt:1:yes", "appt:1:no"} <= set(actions(confirmation))
    assert "14:30" in confirmation.params["text"]
    ics = await desk.api.wait_for("sendDocument", lambda c: c.ok and c.chat_id == NEWCOMER)
    assert b"DTSTART;TZID=Europe/Brussels:20261210T143000" in ics.files["document"]

    desk.api.push_group_text(WORKERS, "/appointment cancel 1", thread_id=thread,
                             user_id=WORKER)
    cancelled = await to_newcomer(desk)
    assert "14:30" in cancelled.params["text"]
    clock.advance(timedelta(days=6))  # past the day-before reminder's time
    await dispatcher.tick()
    pending = await desk.app.storage.pending_items(1)
    assert [i for i in pending if i.kind == "reminder"] == [], "no reminder for a cancelled one"

    desk.api.push_group_text(WORKERS, "/followups", thread_id=None, user_id=WORKER)
    overview = await desk.api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == WORKERS
                                       and "🆘" in c.params["text"])
    assert "0001" in overview.params["text"]

    desk.api.push_group_text(WORKERS, "/enddate 2027-01-31", thread_id=thread, user_id=WORKER)
    plan = await desk.api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == WORKERS
                                   and "🗓" in c.params["text"])
    assert "month-1" in plan.params["text"] and "2027" in plan.params["text"]
