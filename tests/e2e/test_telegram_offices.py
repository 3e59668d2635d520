"""Two offices end to end on Telegram (the real PTB stack, the loopback Bot API): the
example offices of docs/examples (CPAS de Liège: one workers' group; OCMW Gent: two).

A person joins an office by its link, by postcode after the office question, or is
spread over a busy office's groups; their ticket goes to their office's group only; the
answers show their office's details and local answer; a worker of Liège cannot act on a
ticket of Gent, even with the same forum topic number or a forged button.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.clock import ManualClock
from bot.content.source import ContentSource
from bot.domain.people import PersonRef
from bot.domain.tickets import pseudonym
from tests.e2e.conftest import RunningBot, start_bot
from tests.fakes.botapi_server import Call, FakeBotApi

LIEGE, GENT_1, GENT_2 = -1001000000101, -1001000000201, -1001000000202
ALICE, BORIS, CHIARA, DIANA = 7001, 7002, 7003, 7004  # newcomers
LUC, ANKE = 9101, 9201  # a worker of Liège, a worker of Gent


@pytest_asyncio.fixture
async def offices(fake_botapi: FakeBotApi, tmp_path: Path, offices_content: ContentSource,
                  clock: ManualClock) -> AsyncIterator[RunningBot]:
    for group, title in ((LIEGE, "CPAS Liège"), (GENT_1, "OCMW Gent 1"),
                         (GENT_2, "OCMW Gent 2")):
        fake_botapi.register_chat(group, type="supergroup", title=title, is_forum=True)
    fake_botapi.members[(LIEGE, LUC)] = "member"
    fake_botapi.members[(GENT_1, ANKE)] = "member"
    fake_botapi.members[(GENT_2, ANKE)] = "member"
    running = await start_bot(fake_botapi, tmp_path / "passerelle.sqlite3", offices_content,
                              clock=clock, content_dir=offices_content.current.library.root)
    try:
        yield running
    finally:
        await running.stop()


def actions(call: Call) -> list[str]:
    return [button["callback_data"] for row in call.button_rows() for button in row]


async def to(bot: RunningBot, chat: int, method: str | tuple[str, ...] = "sendMessage") -> Call:
    return await bot.api.wait_for(method, lambda c: c.ok and c.chat_id == chat)


async def test_two_offices_end_to_end(offices: RunningBot) -> None:
    bot = offices
    # Alice comes by Liège's link: no office question; Liège's languages only
    bot.api.push_command(ALICE, "/start office-cpas-liege")
    await to(bot, ALICE)
    picker = await to(bot, ALICE)
    assert "lang:uk" in actions(picker) and "lang:nl" not in actions(picker)
    bot.api.push_callback(ALICE, "lang:fr")
    await to(bot, ALICE)
    menu = await to(bot, ALICE)
    assert "office" in actions(menu) and not any(a.startswith("office:")
                                                 for a in actions(menu))
    # her answers carry Liège's local answer and details
    bot.api.push_callback(ALICE, "topic:first-appointment")
    answer = await bot.api.wait_for(("sendMessage", "sendPhoto"),
                                    lambda c: c.ok and c.chat_id == ALICE and "Liège" in str(
                                        c.params.get("caption") or c.params.get("text")))
    shown = str(answer.params.get("caption") or answer.params.get("text"))
    assert "À Liège" in shown and "Place Saint-Jacques 13, 4000 Liège" in shown
    assert "04 220 58 11" in shown

    # Boris has no link: asked once, answers with a Ghent postcode
    bot.api.push_command(BORIS, "/start", language_code="nl")
    await to(bot, BORIS)
    await to(bot, BORIS)
    bot.api.push_callback(BORIS, "lang:nl")
    await to(bot, BORIS)
    question = await to(bot, BORIS)
    assert {"office:cpas-liege", "office:ocmw-gent"} <= set(actions(question))
    bot.api.push_text(BORIS, "9000")
    chosen = await to(bot, BORIS)
    assert "OCMW Gent" in chosen.params["text"] and "Onderbergen 86" in chosen.params["text"]
    await to(bot, BORIS)  # the menu

    # tickets: each in its office's group; Gent's two groups share its people
    topics = {}
    for person in (ALICE, BORIS):
        bot.api.push_command(person, "/person")
        await to(bot, person)
        topics[person] = await bot.api.wait_for("createForumTopic")
    assert topics[ALICE].chat_id == LIEGE and topics[BORIS].chat_id == GENT_1
    bot.api.push_command(CHIARA, "/start office-ocmw-gent", language_code="en")
    await to(bot, CHIARA)
    await to(bot, CHIARA)
    bot.api.push_callback(CHIARA, "lang:en")
    await to(bot, CHIARA)
    await to(bot, CHIARA)
    bot.api.push_command(CHIARA, "/person")
    await to(bot, CHIARA)
    third = await bot.api.wait_for("createForumTopic")
    assert third.chat_id == GENT_2, "the less busy of Gent's groups"
    for group, ticket_id in ((LIEGE, 1), (GENT_1, 2), (GENT_2, 3)):
        post = await to(bot, group)
        assert f"w:claim:{ticket_id}" in actions(post)
    assert all(c.chat_id in {LIEGE, ALICE, BORIS, CHIARA, GENT_1, GENT_2}
               for c in bot.api.calls_of("sendMessage"))

    # a worker of Liège: a forged button for Boris's ticket (2) is refused...
    thread_b = topics[BORIS].result["message_thread_id"]
    bot.api.push_callback(LIEGE, "w:close:2", user_id=LUC)
    refusal = await bot.api.wait_for("answerCallbackQuery",
                                     lambda c: c.params.get("show_alert") is True)
    assert refusal.ok
    # ...and writing in Liège's topic with Boris's topic number reaches nobody
    bot.api.push_group_text(LIEGE, "Bonjour Boris", thread_id=thread_b, user_id=LUC,
                            first_name="Luc")
    bot.api.push_group_text(LIEGE, "/lang", thread_id=topics[ALICE].result[
        "message_thread_id"], user_id=LUC, first_name="Luc")
    await to(bot, LIEGE)  # Alice's language: Luc's own person
    assert not any("Bonjour Boris" in (c.text or "") for c in bot.api.sent(BORIS))
    ticket = await bot.app.storage.ticket(2)
    assert ticket is not None and ticket.is_open

    # a worker of Gent answers Boris
    bot.api.push_group_text(GENT_1, "Goedemorgen", thread_id=thread_b, user_id=ANKE,
                            first_name="Anke")
    answered = await to(bot, BORIS)
    assert answered.params["text"].startswith("👤 <b>Anke</b>: Goedemorgen")

    # Boris asks to be forgotten: his topic goes, in his office's group
    bot.api.push_callback(BORIS, "leave")
    await to(bot, BORIS)
    await to(bot, BORIS)
    bot.api.push_command(BORIS, "/forget")
    await to(bot, BORIS)
    bot.api.push_callback(BORIS, "forget:yes")
    deleted = await bot.api.wait_for("deleteForumTopic")
    assert deleted.chat_id == GENT_1 and deleted.params["message_thread_id"] == thread_b


async def test_an_enrolment_and_its_checkins_stay_in_the_office(offices: RunningBot,
                                                                clock: ManualClock) -> None:
    bot = offices
    bot.api.push_group_text(GENT_2, "/enrol 2026-11-20 Anke", thread_id=None, user_id=ANKE,
                            first_name="Anke")
    qr = await bot.api.wait_for("sendPhoto", lambda c: c.ok and c.chat_id == GENT_2)
    match = re.search(r"\?start=([A-Za-z0-9_-]{32,64})", qr.params["caption"])
    assert match
    bot.api.push_command(DIANA, f"/start {match.group(1)}", language_code="en")
    await to(bot, DIANA)
    await to(bot, DIANA)
    bot.api.push_callback(DIANA, "consent:yes")
    await to(bot, DIANA)
    person = await bot.app.storage.person(PersonRef("telegram", str(DIANA)), clock.now())
    assert person.office == "ocmw-gent", "the office of the group that enrolled her"

    followup = bot.app.engine.followup
    assert followup is not None and bot.app.dispatcher is not None
    first = await followup.next_checkin(person.id)
    assert first is not None
    clock.advance(first - clock.now())
    bot.app.dispatcher.wake()
    checkin = await bot.api.wait_for(("sendMessage", "sendPhoto"),
                                     lambda c: c.ok and c.chat_id == DIANA and any(
                                         a.endswith(":help") for a in actions(c)))
    bot.api.push_callback(DIANA, next(a for a in actions(checkin) if a.endswith(":help")))
    announced = await bot.api.wait_for("sendMessage", lambda c: c.ok and "🆘" in str(
        c.params.get("text")))
    assert announced.chat_id in {GENT_1, GENT_2}, "her office's workers only"

    bot.api.push_group_text(LIEGE, "/followups", thread_id=None, user_id=LUC)
    listing = await to(bot, LIEGE)
    assert pseudonym(person.id) not in listing.params["text"]
    bot.api.push_group_text(GENT_1, "/followups", thread_id=None, user_id=ANKE)
    listing = await bot.api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == GENT_1
                                     and " · " in str(c.params.get("text")))
    assert pseudonym(person.id) in listing.params["text"]
