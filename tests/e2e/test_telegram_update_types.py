"""Every update Telegram can send is handled or ignored on purpose, through the real
python-telegram-bot stack: a kind reply in the person's language, or silence, and never a
traceback in the logs. Forged workers' buttons never leave a button spinning."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any

import pytest

from bot.channels.telegram import workers as workers_module
from bot.channels.telegram.sender import visible_length
from tests.e2e.conftest import NEWCOMER, WORKER, WORKERS, RunningBot
from tests.fakes.botapi_server import Call

GEEZ = "\u1200-\u137f"
GROUP = -1005550001
CHANNEL_ID = -1005550002
STRANGER = 7123


def actions(call: Call) -> list[str]:
    return [button["callback_data"] for row in call.button_rows() for button in row]


async def answer_of(bot: RunningBot, pushed: dict[str, Any]) -> Call:
    query_id = pushed["callback_query"]["id"]
    return await bot.api.wait_for("answerCallbackQuery",
                                  lambda c: c.params["callback_query_id"] == query_id)


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if r.levelno >= logging.ERROR or r.exc_info]


async def reply_to(bot: RunningBot, chat: int) -> Call:
    return await bot.api.wait_for(("sendMessage", "sendPhoto"),
                                  lambda c: c.ok and c.chat_id == chat)


async def settled(bot: RunningBot, timeout: float = 5.0) -> None:
    """Every pushed update was fetched, stored and handled."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        fetched = not bot.api.pending_updates or all(
            u in bot.api.delivered_updates for u in bot.api.pending_updates)
        rows = await bot.app.storage.query("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL")
        if fetched and rows[0][0] == 0:
            await asyncio.sleep(0.05)  # the send after the last handled row, if any
            return
        assert asyncio.get_running_loop().time() < deadline, bot.api.summary()
        await asyncio.sleep(0.02)


def user(user_id: int = NEWCOMER) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Amina", "language_code": "ti"}


def private_message(bot: RunningBot, **content: Any) -> dict[str, Any]:
    return {"message": {"message_id": bot.api._new_message_id(NEWCOMER), "from": user(),
                        "chat": {"id": NEWCOMER, "type": "private", "first_name": "Amina"},
                        "date": int(time.time()), **content}}


def membership(chat: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    bot_user = {"id": 1000, "is_bot": True, "first_name": "Passerelle"}
    def member(status: str) -> dict[str, Any]:
        extra = {"until_date": 0} if status == "kicked" else {}
        return {"status": status, "user": bot_user, **extra}
    return {"my_chat_member": {"chat": chat, "from": user(), "date": int(time.time()),
                               "old_chat_member": member(old), "new_chat_member": member(new)}}


async def choose_tigrinya(bot: RunningBot) -> None:
    bot.api.push_callback(NEWCOMER, "lang:ti")
    await reply_to(bot, NEWCOMER)
    await reply_to(bot, NEWCOMER)


async def test_media_and_odd_messages_get_a_kind_reply_in_the_persons_language(
    bot: RunningBot, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    await choose_tigrinya(bot)
    file = {"file_id": "F1", "file_unique_id": "U1"}
    odd = [
        {"sticker": {**file, "type": "regular", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False, "emoji": "😀"}},
        {"location": {"latitude": 50.85, "longitude": 4.35}},
        {"contact": {"phone_number": "+32470000000", "first_name": "Amina"}},
        {"voice": {**file, "duration": 3}},
        {"video_note": {**file, "length": 240, "duration": 5}},
        {"poll": {"id": "P1", "question": "?", "total_voter_count": 0, "is_closed": False,
                  "options": [{"text": "a", "voter_count": 0, "persistent_id": "o1"}],
                  "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
                  "allows_revoting": False, "members_only": False}},
        {"dice": {"emoji": "🎲", "value": 3}},
        {"text": "\ud800\udfff garantie \ud83d"},  # lone surrogates from forged JSON
    ]
    for content in odd:
        bot.api.push_update(private_message(bot, **content))
        reply = await reply_to(bot, NEWCOMER)
        assert reply.text and any(GEEZ[0] <= ch <= GEEZ[-1] for ch in reply.text), content
    assert errors(caplog) == []


async def test_an_edit_is_read_again_and_updates_for_nobody_get_silence(
    bot: RunningBot, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    await choose_tigrinya(bot)
    original = bot.api.push_text(NEWCOMER, "xqzv", language_code="ti")
    await reply_to(bot, NEWCOMER)
    bot.api.push_edited_text(NEWCOMER, original["message"]["message_id"], "garantie locative")
    edited = await reply_to(bot, NEWCOMER)
    assert "fb:rental-deposit:1" in actions(edited)

    group = bot.api.register_chat(GROUP, type="group", title="Some group")
    channel = bot.api.register_chat(CHANNEL_ID, type="channel", title="Some channel")
    private = {"id": NEWCOMER, "type": "private", "first_name": "Amina"}
    bot.api.push_group_text(GROUP, "/start", thread_id=None, user_id=STRANGER)
    bot.api.push_update({"channel_post": {"message_id": 1, "chat": channel, "sender_chat":
                                          channel, "date": int(time.time()), "text": "hi"}})
    bot.api.push_update(membership(private, "member", "kicked"))  # blocked
    bot.api.push_update(membership(private, "kicked", "member"))  # unblocked
    bot.api.push_update(membership(group, "left", "member"))  # added to a group
    bot.api.push_update({"inline_query": {"id": "77", "from": user(STRANGER), "query": "cpas",
                                          "offset": ""}})
    bot.api.push_update({"poll_answer": {"poll_id": "P1", "user": user(STRANGER),
                                         "option_ids": [0], "option_persistent_ids": ["o1"]}})
    bot.api.push_update({"callback_query": {"id": "991", "from": user(STRANGER),
                                            "chat_instance": "5", "inline_message_id": "AB",
                                            "data": "menu"}})
    bot.api.push_update({"message_reaction": {
        "chat": private, "message_id": original["message"]["message_id"], "user": user(),
        "date": int(time.time()), "old_reaction": [],
        "new_reaction": [{"type": "emoji", "emoji": "👍"}]}})
    await settled(bot)
    leave = await bot.api.wait_for("leaveChat")
    assert leave.params["chat_id"] == GROUP
    inline = await bot.api.wait_for("answerInlineQuery")
    assert inline.params["results"] == []
    await bot.api.wait_for("answerCallbackQuery", lambda c: c.params["callback_query_id"] == "991")
    assert bot.api.sent(GROUP) == [] and bot.api.sent(CHANNEL_ID) == []
    assert bot.api.sent(STRANGER) == []
    assert [c for c in bot.api.sent(NEWCOMER) if c.index > edited.index] == []
    assert errors(caplog) == []


async def test_a_person_who_blocked_the_bot_is_no_error(
    bot: RunningBot, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    bot.api.fail_next("sendMessage", status=403, retry_after=None, times=5,
                      description="Forbidden: bot was blocked by the user")
    bot.api.push_command(NEWCOMER, "/start")
    await bot.api.wait_for("sendMessage", lambda c: c.status == 403)
    await settled(bot)
    assert errors(caplog) == []
    assert any("blocked" in r.getMessage() for r in caplog.records)


async def test_forged_workers_buttons_are_refused_and_never_spin(
    desk: RunningBot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    desk.api.push_callback(NEWCOMER, "lang:fr")
    await reply_to(desk, NEWCOMER)
    await reply_to(desk, NEWCOMER)
    desk.api.push_command(NEWCOMER, "/person")
    await reply_to(desk, NEWCOMER)
    post = await desk.api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == WORKERS)
    for forged in ("w:close:²", "w:close:99999999999999999999", "w:claim:", "w:close:-1",
                   "w:drop:1", "w:close:1:2", "w:claim:\ud800"):
        pushed = desk.api.push_callback(WORKERS, forged, user_id=WORKER,
                                        message_id=post.result["message_id"])
        refusal = await answer_of(desk, pushed)
        assert refusal.ok and refusal.params.get("show_alert") is True, forged
    ticket = await desk.app.storage.ticket(1)
    assert ticket is not None and ticket.is_open

    # Authorisation is checked on every press: a worker who left the group is refused
    # once the short cache has expired (it never lasts forever).
    monkeypatch.setattr(workers_module, "MEMBERSHIP_TTL", 0.0)
    desk.api.members[(WORKERS, WORKER)] = "left"
    checks = len(desk.api.calls_of("getChatMember"))
    pushed = desk.api.push_callback(WORKERS, "w:close:1", user_id=WORKER,
                                    message_id=post.result["message_id"])
    refusal = await answer_of(desk, pushed)
    assert refusal.params.get("show_alert") is True
    assert len(desk.api.calls_of("getChatMember")) > checks
    desk.api.members[(WORKERS, WORKER)] = "member"
    pushed = desk.api.push_callback(WORKERS, "w:close:1", user_id=WORKER,
                                    message_id=post.result["message_id"])
    accepted = await answer_of(desk, pushed)
    assert not accepted.params.get("show_alert")
    await desk.api.wait_for(("sendMessage",), lambda c: c.ok and c.chat_id == NEWCOMER
                            and "sat:1:3" in actions(c))
    assert errors(caplog) == []


async def test_a_workers_very_long_answer_reaches_the_person_in_parts(desk: RunningBot) -> None:
    desk.api.push_callback(NEWCOMER, "lang:fr")
    await reply_to(desk, NEWCOMER)
    await reply_to(desk, NEWCOMER)
    desk.api.push_command(NEWCOMER, "/person")
    await reply_to(desk, NEWCOMER)
    topic = await desk.api.wait_for("createForumTopic")
    thread = int(topic.result["message_thread_id"])
    words = "Bonjour <Amina> & bienvenue. " * 350  # about 10,000 characters
    desk.api.push_group_text(WORKERS, words, thread_id=thread, user_id=WORKER)
    parts = [await reply_to(desk, NEWCOMER) for _ in range(3)]
    assert all(part.ok and 0 < visible_length(part.text or "") <= 4096 for part in parts)
    assert "".join(part.text or "" for part in parts).count("&lt;Amina&gt;") == 350


async def test_a_flood_gets_one_kind_message_then_quiet_but_danger_always_passes(
    desk: RunningBot, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    assert desk.clock is not None
    await choose_tigrinya(desk)
    for k in range(40):
        desk.api.push_text(NEWCOMER, f"ሓገዝ {k}", language_code="ti")
    await settled(desk, timeout=60)
    sent = desk.api.sent(NEWCOMER)
    notices = [c for c in sent if (c.text or "").startswith("⏳")]
    assert len(notices) == 1, len(notices)
    assert sent[-1] is notices[0], "after the kind message, quiet"
    assert len(sent) - 1 <= 20 * 3, "only the allowance was answered (at most 3 replies each)"
    desk.api.push_text(NEWCOMER, "i want to kill myself")
    crisis = await desk.api.wait_for("sendMessage", lambda c: c.chat_id == NEWCOMER
                                     and "112" in (c.text or "") and "1813" in (c.text or ""))
    assert crisis.ok
    desk.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    desk.api.push_text(NEWCOMER, "garantie locative", language_code="ti")
    answer = await desk.api.wait_for(("sendMessage", "sendPhoto"), lambda c: c.chat_id ==
                                     NEWCOMER and "fb:rental-deposit:1" in actions(c))
    assert answer.ok, "answered again once the flood is over"
    assert errors(caplog) == []


async def test_a_button_press_too_old_to_answer_is_still_handled(
    bot: RunningBot, caplog: pytest.LogCaptureFixture,
) -> None:
    """After the bot was down for a while, Telegram refuses to answer old presses."""
    caplog.set_level(logging.INFO)
    await choose_tigrinya(bot)
    bot.api.fail_next("answerCallbackQuery", status=400, retry_after=None, times=2,
                      description="Bad Request: query is too old and response timeout "
                                  "expired or query ID is invalid")
    bot.api.push_callback(NEWCOMER, "theme:rights")
    theme = await reply_to(bot, NEWCOMER)
    assert "topic:rental-deposit" in actions(theme)
    bot.api.push_callback(-100777, "menu")  # a press in a group, refused quietly too
    await settled(bot)
    assert errors(caplog) == []


async def test_a_reply_survives_5xx_answers_and_network_errors(
    bot: RunningBot, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    bot.channel.retry_pauses = (0.05, 0.05)
    await choose_tigrinya(bot)
    bot.api.fail_next("sendMessage", status=502, retry_after=None, times=2,
                      description="Bad Gateway")
    bot.api.push_callback(NEWCOMER, "theme:rights")
    theme = await bot.api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == NEWCOMER)
    assert "topic:rental-deposit" in actions(theme)
    assert len([c for c in bot.api.calls_of("sendMessage") if c.status == 502]) == 2
    bot.api.fail_next("sendMessage", status=500, retry_after=None, times=3,
                      description="Internal Server Error")
    bot.api.push_callback(NEWCOMER, "menu")  # given up after three tries: logged, no crash
    await settled(bot)
    assert errors(caplog) == []
    bot.api.push_callback(NEWCOMER, "theme:rules")
    assert (await reply_to(bot, NEWCOMER)).ok
