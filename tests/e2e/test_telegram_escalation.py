"""Talking to a person, end to end: a newcomer's private chat and the workers' forum group.

Both chats go through the real python-telegram-bot stack and the loopback Bot API server,
which checks every request against the Bot API specification.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.content.source import ContentSource
from tests.e2e.conftest import NEWCOMER, WORKER, WORKERS, RunningBot, start_bot
from tests.fakes.botapi_server import Call, FakeBotApi

OUTSIDER = 9666
SUNDAY = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def actions(call: Call) -> list[str]:
    return [button["callback_data"] for row in call.button_rows() for button in row]


async def to_newcomer(bot: RunningBot) -> Call:
    return await bot.api.wait_for(
        ("sendMessage", "sendPhoto", "copyMessage"),
        lambda c: c.ok and c.chat_id == NEWCOMER)


async def to_workers(bot: RunningBot, method: str | tuple[str, ...] = "sendMessage") -> Call:
    return await bot.api.wait_for(method, lambda c: c.ok and c.chat_id == WORKERS)


async def open_ticket(bot: RunningBot, language: str = "fr") -> int:
    """The newcomer chooses a language, asks for a person and says what it is about."""
    bot.api.push_callback(NEWCOMER, f"lang:{language}")
    await to_newcomer(bot)
    await to_newcomer(bot)
    bot.api.push_command(NEWCOMER, "/person")
    question = await to_newcomer(bot)
    assert "about:skip" in actions(question) and "leave" in actions(question)
    topic = await bot.api.wait_for("createForumTopic")
    assert "·" in topic.params["name"] and language.upper() in topic.params["name"]
    first_post = await to_workers(bot)
    assert first_post.params["message_thread_id"] == topic.result["message_thread_id"]
    assert {"w:claim:1", "w:close:1"} <= set(actions(first_post))
    return int(topic.result["message_thread_id"])


async def test_round_trip_text_and_photo_both_ways(desk: RunningBot) -> None:
    thread = await open_ticket(desk)
    desk.api.push_text(NEWCOMER, "Mon propriétaire garde ma garantie locative")
    copied = await to_workers(desk, "copyMessage")
    assert copied.params["message_thread_id"] == thread
    assert copied.params["from_chat_id"] == NEWCOMER
    confirmation = await to_newcomer(desk)
    assert "leave" in actions(confirmation)

    desk.api.push_photo(NEWCOMER, caption="le contrat")
    photo = await to_workers(desk, "copyMessage")
    assert photo.params["message_thread_id"] == thread

    desk.api.push_group_text(WORKERS, "Bonjour, envoyez-moi le contrat s'il vous plaît.",
                             thread_id=thread, user_id=WORKER, first_name="Marie")
    answer = await to_newcomer(desk)
    assert answer.method == "sendMessage"
    assert answer.params["text"].startswith("👤 <b>Marie</b>: Bonjour")

    desk.api.push_group_photo(WORKERS, thread_id=thread, user_id=WORKER, caption="<formulaire>")
    picture = await to_newcomer(desk)
    assert picture.method == "copyMessage" and "&lt;formulaire&gt;" in picture.params["caption"]


async def test_bot_stays_silent_while_a_worker_owns_the_ticket(desk: RunningBot) -> None:
    thread = await open_ticket(desk)
    desk.api.push_callback(NEWCOMER, "about:rights")
    await to_newcomer(desk)  # confirmation
    desk.api.push_group_text(WORKERS, "Je suis là.", thread_id=thread, user_id=WORKER,
                             first_name="Marie")
    await to_newcomer(desk)
    before = len(desk.api.sent(NEWCOMER))
    desk.api.push_text(NEWCOMER, "garantie locative")  # would be a topic answer otherwise
    desk.api.push_photo(NEWCOMER)  # would get "I can only read text" otherwise
    await to_workers(desk, "copyMessage")
    await to_workers(desk, "copyMessage")
    desk.api.push_group_text(WORKERS, "/lang", thread_id=thread, user_id=WORKER)
    await to_workers(desk)  # the answer to /lang proves the earlier updates were handled
    assert len(desk.api.sent(NEWCOMER)) == before, "nothing was sent to the newcomer"

    desk.api.push_callback(NEWCOMER, "leave")
    left = await to_newcomer(desk)
    assert left.method == "sendMessage"
    await to_newcomer(desk)  # the menu
    desk.api.push_text(NEWCOMER, "garantie locative")
    answer = await to_newcomer(desk)
    assert "fb:rental-deposit:1" in actions(answer), "the bot answers again after leaving"


async def test_worker_close_asks_satisfaction_and_bot_takes_over(desk: RunningBot) -> None:
    thread = await open_ticket(desk)
    desk.api.push_callback(WORKERS, "w:claim:1", user_id=WORKER,
                           message_id=desk.api.sent(WORKERS)[-1].result["message_id"])
    await to_workers(desk)  # "✋ Marie"
    desk.api.push_group_text(WORKERS, "/note appelle demain", thread_id=thread, user_id=WORKER)
    await to_workers(desk)
    desk.api.push_group_text(WORKERS, "/close", thread_id=thread, user_id=WORKER)
    satisfaction = await to_newcomer(desk)
    assert {"sat:1:1", "sat:1:2", "sat:1:3"} <= set(actions(satisfaction))
    assert not any("appelle demain" in (c.text or "") for c in desk.api.sent(NEWCOMER))
    desk.api.push_callback(NEWCOMER, "sat:1:3")
    await to_newcomer(desk)
    ticket = await desk.app.storage.ticket(1)
    assert ticket is not None and ticket.satisfaction == 3 and ticket.closed_by == "worker"


async def test_template_is_sent_in_the_newcomers_language(desk: RunningBot) -> None:
    thread = await open_ticket(desk, "ar")
    desk.api.push_group_text(WORKERS, "/template rental-deposit", thread_id=thread,
                             user_id=WORKER)
    sent = await to_newcomer(desk)
    assert sent.method == "sendPhoto" and any("\u0600" <= ch <= "\u06ff"
                                              for ch in sent.params["caption"])


async def test_forged_callback_from_a_non_member_is_refused(desk: RunningBot) -> None:
    thread = await open_ticket(desk)
    post = desk.api.sent(WORKERS)[-1]
    desk.api.push_callback(WORKERS, "w:close:1", user_id=OUTSIDER,
                           message_id=post.result["message_id"])
    refusal = await desk.api.wait_for("answerCallbackQuery",
                                      lambda c: c.params.get("show_alert") is True)
    assert refusal.ok
    desk.api.push_callback(NEWCOMER, "w:close:1")  # forged from the private chat
    await desk.api.wait_for("answerCallbackQuery")
    desk.api.push_group_text(WORKERS, "/lang", thread_id=thread, user_id=WORKER)
    await to_workers(desk)
    ticket = await desk.app.storage.ticket(1)
    assert ticket is not None and ticket.is_open


async def test_restart_between_the_newcomers_message_and_the_reply(desk: RunningBot) -> None:
    thread = await open_ticket(desk)
    desk.api.push_text(NEWCOMER, "J'ai besoin d'aide pour mon loyer")
    await to_workers(desk, "copyMessage")
    await to_newcomer(desk)
    await desk.restart()
    desk.api.push_group_text(WORKERS, "Je regarde votre dossier.", thread_id=thread,
                             user_id=WORKER, first_name="Marie")
    answer = await to_newcomer(desk)
    assert "Je regarde votre dossier." in answer.params["text"]


async def test_blocked_newcomer_is_recorded_on_the_ticket(desk: RunningBot) -> None:
    thread = await open_ticket(desk)
    desk.api.fail_next("sendMessage", status=403, retry_after=None,
                       description="Forbidden: bot was blocked by the user")
    desk.api.push_group_text(WORKERS, "Bonjour ?", thread_id=thread, user_id=WORKER)
    note = await to_workers(desk)
    assert "⛔" in note.params["text"]
    ticket = await desk.app.storage.ticket(1)
    assert ticket is not None and ticket.person_blocked


async def test_deleted_topic_is_recreated_and_the_message_resent(desk: RunningBot) -> None:
    thread = await open_ticket(desk)
    desk.api.topics.pop((WORKERS, thread))  # a worker deleted the topic
    desk.api.push_text(NEWCOMER, "Vous êtes là ?")
    copied = await to_workers(desk, "copyMessage")
    topics = desk.api.calls_of("createForumTopic")
    assert len(topics) == 2
    assert copied.params["message_thread_id"] == topics[-1].result["message_thread_id"]


async def test_outside_office_hours_the_ticket_is_created_and_the_person_told_when(
    fake_botapi: FakeBotApi, tmp_path: Path, content_source: ContentSource,
) -> None:
    fake_botapi.register_chat(WORKERS, type="supergroup", title="CPAS workers", is_forum=True)
    bot = await start_bot(fake_botapi, tmp_path / "db.sqlite3", content_source,
                          clock=ManualClock(SUNDAY), workers_chat_id=WORKERS)
    try:
        await open_ticket(bot, "nl")
        bot.api.push_callback(NEWCOMER, "about:skip")
        told = await to_newcomer(bot)
        assert "112" in told.params["text"] and "2026" in told.params["text"]
    finally:
        await bot.stop()


async def test_long_wait_in_office_hours_is_reannounced_and_the_person_reassured(
    desk: RunningBot, clock: ManualClock,
) -> None:
    await open_ticket(desk)
    clock.advance(timedelta(minutes=31))
    assert desk.app.waiting is not None
    await desk.app.waiting.tick()
    again = await to_workers(desk)
    assert "w:claim:1" in actions(again)
    clock.advance(timedelta(minutes=15))
    assert desk.app.waiting is not None
    await desk.app.waiting.tick()
    reassured = await to_newcomer(desk)
    assert "leave" in actions(reassured)


async def test_crisis_during_a_ticket_shows_numbers_and_marks_it_urgent(desk: RunningBot) -> None:
    await open_ticket(desk)
    desk.api.push_callback(NEWCOMER, "about:skip")
    await to_newcomer(desk)
    desk.api.push_text(NEWCOMER, "je veux me suicider")
    numbers = await to_newcomer(desk)
    assert "112" in numbers.params["text"]
    ticket = await desk.app.storage.ticket(1)
    assert ticket is not None and ticket.urgent



async def test_a_message_sent_while_the_bot_is_down_reaches_the_worker(desk: RunningBot) -> None:
    thread = await open_ticket(desk)
    desk.api.push_callback(NEWCOMER, "about:skip")
    await to_newcomer(desk)
    await desk.stop()
    desk.api.push_text(NEWCOMER, "Vous êtes toujours là ?")  # sent during the restart
    await desk.start_again()
    copied = await to_workers(desk, "copyMessage")
    assert copied.params["message_thread_id"] == thread


async def test_forgetting_a_person_deletes_their_workers_topic(desk: RunningBot) -> None:
    thread = await open_ticket(desk)
    desk.api.push_callback(NEWCOMER, "leave")
    await to_newcomer(desk)
    await to_newcomer(desk)
    desk.api.push_text(NEWCOMER, "supprimer mes données")
    confirm = await to_newcomer(desk)
    assert "forget:yes" in actions(confirm)
    desk.api.push_callback(NEWCOMER, "forget:yes")
    deleted = await desk.api.wait_for("deleteForumTopic")
    assert deleted.params["message_thread_id"] == thread
    await to_newcomer(desk)
    assert await desk.app.storage.ticket(1) is None


async def test_one_persons_burst_to_their_worker_does_not_hold_up_anyone_else(
    desk: RunningBot,
) -> None:
    """300 messages from one person in 10 s queue behind the workers' group limit in that
    person's lane only; another person is answered meanwhile (make bench times it)."""
    await open_ticket(desk)
    desk.api.push_callback(NEWCOMER, "about:skip")
    await to_newcomer(desk)
    for k in range(300):
        desk.api.push_text(NEWCOMER, f"message {k}")
    other = NEWCOMER + 1
    desk.api.push_command(other, "/start")
    greeting = await desk.api.wait_for(("sendMessage", "sendPhoto"),
                                       lambda c: c.ok and c.chat_id == other, timeout=10)
    relayed = [c for c in desk.api.calls_of("copyMessage") if c.ok]
    assert greeting.ok and len(relayed) < 300, "the other person did not wait for the burst"
