"""A newcomer's conversation through the real python-telegram-bot stack.

Every request the bot sends is checked against the Bot API specification by the fake
server (the fixture fails the test on any violation). Tests wait on calls, never sleep.
"""

from __future__ import annotations

import re

from tests.e2e.conftest import RunningBot
from tests.fakes.botapi_server import Call

CHAT = 5001
ARABIC = re.compile("[\u0600-\u06ff]")
GEEZ = re.compile("[\u1200-\u137f]")
CYRILLIC = re.compile("[\u0400-\u04ff]")


def actions(call: Call) -> list[str]:
    return [button["callback_data"] for row in call.button_rows() for button in row]


def labels(call: Call) -> list[str]:
    return [button["text"] for row in call.button_rows() for button in row]


async def next_reply(bot: RunningBot, chat: int = CHAT) -> Call:
    """The next message or photo the bot sends to `chat`."""
    return await bot.api.wait_for(
        ("sendMessage", "sendPhoto"), lambda c: c.ok and c.chat_id == chat)


async def choose_language(bot: RunningBot, code: str, chat: int = CHAT) -> None:
    bot.api.push_callback(chat, f"lang:{code}")
    await next_reply(bot, chat)  # "your language is now …"
    menu = await next_reply(bot, chat)
    assert "theme:rights" in actions(menu)


async def test_start_language_menu_topic_answer_with_pictogram(bot: RunningBot) -> None:
    bot.api.push_command(CHAT, "/start", language_code="fr")
    greeting = await next_reply(bot)
    assert greeting.method == "sendMessage" and greeting.text
    picker = await next_reply(bot)
    names = labels(picker)
    for name in ("ትግርኛ", "العربية", "Nederlands", "English", "Українська"):
        assert name in names
    assert names[0] == "✓ Français"  # Telegram's language_code pre-selects French

    await choose_language(bot, "fr")
    bot.api.push_callback(CHAT, "theme:rights")
    theme = await next_reply(bot)
    assert "topic:rental-deposit" in actions(theme)

    bot.api.push_callback(CHAT, "topic:rental-deposit")
    answer = await next_reply(bot)
    assert answer.method == "sendPhoto"
    assert "photo" in answer.files, "the first pictogram is uploaded"
    assert "Garantie locative" in (answer.text or "")
    assert 'href="https://' in answer.params["caption"]
    assert {"fb:rental-deposit:1", "fb:rental-deposit:0", "menu", "person"} <= set(
        actions(answer))

    bot.api.push_callback(CHAT, "topic:rental-deposit")
    again = await next_reply(bot)
    assert again.method == "sendPhoto" and "photo" not in again.files
    assert isinstance(again.params["photo"], str), "re-sent by file_id"

    bot.api.push_callback(CHAT, "fb:rental-deposit:1")
    thanks = await next_reply(bot)
    assert thanks.method == "sendMessage"


async def test_commands_are_registered_in_every_language(bot: RunningBot) -> None:
    registered = {c.params.get("language_code") for c in bot.api.calls_of("setMyCommands")}
    assert {None, "fr", "nl", "ar", "ti", "en", "uk"} <= registered
    arabic = next(c for c in bot.api.calls_of("setMyCommands")
                  if c.params.get("language_code") == "ar")
    assert ARABIC.search(str(arabic.params["commands"]))


async def test_free_text_in_each_language_is_answered_in_the_chosen_language(
    bot: RunningBot,
) -> None:
    questions = {
        "fr": ("Le CPAS peut m'aider pour la caution de mon appartement ?", None),
        "nl": ("Kan het OCMW mijn huurwaarborg betalen?", None),
        "en": ("can the CPAS help me pay the rental deposit for my flat", None),
        "ar": ("هل يساعدني CPAS في دفع ضمان الإيجار؟", ARABIC),
        "ti": ("ውሕስና ክራይ ገዛይ CPAS ክኸፍሎ ይኽእል ድዩ?", GEEZ),
        "uk": ("Чи може CPAS допомогти оплатити гарантію за оренду квартири?", CYRILLIC),
    }
    for offset, (code, (question, script)) in enumerate(questions.items()):
        chat = CHAT + 10 + offset
        await choose_language(bot, code, chat)
        bot.api.push_text(chat, question)
        answer = await next_reply(bot, chat)
        assert "fb:rental-deposit:1" in actions(answer), (code, answer.text)
        if script is not None:
            assert script.search(answer.text or ""), (code, answer.text)


async def test_question_in_another_language_is_answered_in_the_chosen_one(
    bot: RunningBot,
) -> None:
    await choose_language(bot, "ar")
    bot.api.push_text(CHAT, "ik zoek een sociale woning")
    answer = await next_reply(bot)
    assert "fb:social-housing:1" in actions(answer)
    assert ARABIC.search(answer.text or "")


async def test_typo_and_missing_accents_still_find_the_topic(bot: RunningBot) -> None:
    await choose_language(bot, "fr")
    bot.api.push_text(CHAT, "mutuele")
    answer = await next_reply(bot)
    assert "fb:health-insurance:1" in actions(answer)


async def test_unknown_question_is_said_kindly_with_menu_and_person(bot: RunningBot) -> None:
    await choose_language(bot, "fr")
    bot.api.push_text(CHAT, "Quel temps fera-t-il demain à la mer du Nord ?")
    reply = await next_reply(bot)
    assert reply.method == "sendMessage"
    assert {"menu", "person"} <= set(actions(reply))
    assert not any(a.startswith("fb:") for a in actions(reply))


async def test_crisis_message_gets_emergency_numbers_first_in_any_state(bot: RunningBot) -> None:
    await choose_language(bot, "nl")
    bot.api.push_callback(CHAT, "theme:rules")
    await next_reply(bot)
    bot.api.push_text(CHAT, "ik wil niet meer leven")
    first = await next_reply(bot)
    assert first.method == "sendMessage"
    assert "112" in (first.text or "") and "1813" in (first.text or "")
    assert "person:crisis" in actions(first)


async def test_photo_voice_sticker_location_and_long_text_get_a_kind_reply(
    bot: RunningBot,
) -> None:
    await choose_language(bot, "ti")
    for push in (bot.api.push_photo, bot.api.push_voice, bot.api.push_sticker,
                 bot.api.push_location, bot.api.push_document):
        push(CHAT)
        reply = await next_reply(bot)
        assert reply.method == "sendMessage" and GEEZ.search(reply.text or ""), push.__name__
        assert "menu" in actions(reply)
    bot.api.push_text(CHAT, "ሓገዝ " * 1300)
    reply = await next_reply(bot)
    assert GEEZ.search(reply.text or "") and "person" in actions(reply)
    bot.api.push_command(CHAT, "/doesnotexist")
    reply = await next_reply(bot)
    assert GEEZ.search(reply.text or "")


async def test_edited_message_is_answered(bot: RunningBot) -> None:
    await choose_language(bot, "en")
    bot.api.push_edited_text(CHAT, 1, "rental deposit")
    reply = await next_reply(bot)
    assert "fb:rental-deposit:1" in actions(reply)


async def test_language_is_kept_across_a_restart(bot: RunningBot) -> None:
    await choose_language(bot, "ar")
    await bot.restart()
    bot.api.push_command(CHAT, "/menu")
    menu = await next_reply(bot)
    assert ARABIC.search(menu.text or "")


async def test_typing_a_language_name_switches_language(bot: RunningBot) -> None:
    await choose_language(bot, "fr")
    bot.api.push_text(CHAT, "عربي")
    confirmation = await next_reply(bot)
    assert ARABIC.search(confirmation.text or "")


async def test_rate_limited_send_is_retried_after_retry_after(bot: RunningBot) -> None:
    await choose_language(bot, "fr")
    bot.api.fail_next("sendMessage", status=429, retry_after=1)
    bot.api.push_command(CHAT, "/help")
    reply = await next_reply(bot)
    rejected = [c for c in bot.api.calls_of("sendMessage") if c.status == 429]
    assert rejected, "the first attempt was refused with 429"
    assert reply.status == 200 and reply.index > rejected[0].index


async def test_rejected_cached_file_id_is_uploaded_again(bot: RunningBot) -> None:
    await choose_language(bot, "fr")
    await bot.app.storage.remember_remote_id("telegram", "pictogram:key", _fingerprint(bot),
                                             "stale-file-id")
    bot.api.push_callback(CHAT, "topic:rental-deposit")
    answer = await next_reply(bot)
    assert answer.method == "sendPhoto" and "photo" in answer.files


def _fingerprint(bot: RunningBot) -> str:
    import hashlib

    picture = bot.content.current.library.pictograms["key"]
    return hashlib.sha256(picture.read_bytes()).hexdigest()[:16]
