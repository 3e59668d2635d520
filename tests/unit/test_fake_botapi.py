"""Tests of the fake Bot API server and its spec validator, driven by real python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import json
import sys
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import telegram
from telegram import (
    ChatMemberAdministrator,
    ChatMemberLeft,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:  # the repository root is not on sys.path under plain `pytest`
    sys.path.insert(0, _ROOT)

from tests.fakes.botapi_server import TEST_TOKEN, Call, FakeBotApi  # noqa: E402
from tests.fakes.botapi_spec import (  # noqa: E402
    decode_call,
    parse_html,
    parse_markdown_v2,
    validate_call,
    validate_object,
)

pytest_plugins = ["tests.fakes.fixtures"]

CHAT = 4242


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    """A server whose violations are inspected by the tests themselves."""
    srv = FakeBotApi()
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest_asyncio.fixture
async def bot(server: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    b = telegram.Bot(TEST_TOKEN, base_url=server.base_url, base_file_url=server.base_file_url)
    async with b:
        yield b


async def post_raw(
    server: FakeBotApi, method: str, *, data: dict[str, str] | None = None,
    json_body: dict[str, Any] | None = None,
) -> tuple[int, dict[str, Any]]:
    url = f"{server.base_url}{TEST_TOKEN}/{method}"
    async with aiohttp.ClientSession() as session, session.post(
        url, data=data, json=json_body
    ) as resp:
        return resp.status, await resp.json()


def buttons(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Choisir", callback_data=data)]])


# ---------------------------------------------------------------------- happy paths via PTB


async def test_send_message_ok_with_fixture(fake_botapi: FakeBotApi,
                                            fake_bot: telegram.Bot) -> None:
    me = await fake_bot.get_me()
    assert me.id == 1000 and me.username == "passerelle_test_bot" and me.is_bot
    msg = await fake_bot.send_message(
        CHAT, "<b>Bonjour</b> &amp; bienvenue", parse_mode=ParseMode.HTML,
        reply_markup=buttons("lang:fr"),
    )
    assert msg.message_id == 1 and msg.chat.id == CHAT and msg.chat.type == "private"
    assert msg.text == "Bonjour & bienvenue"
    assert msg.entities[0].type == "bold" and msg.entities[0].length == 7
    assert msg.from_user is not None and msg.from_user.id == 1000
    assert msg.reply_markup is not None
    assert msg.reply_markup.inline_keyboard[0][0].callback_data == "lang:fr"
    second = await fake_bot.send_message(CHAT, "deux")
    assert second.message_id == 2
    [first_call, second_call] = fake_botapi.sent(CHAT)
    assert first_call.params["chat_id"] == CHAT  # decoded to int
    assert first_call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Choisir"
    assert second_call.text == "deux"
    assert fake_botapi.sent_texts(CHAT)[1] == "deux"
    assert fake_botapi.violations == []


async def test_boolean_methods_and_bot_setup_calls(bot: telegram.Bot, server: FakeBotApi) -> None:
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert await bot.set_my_commands([("start", "Commencer"), ("aide", "Aide")]) is True
    cmds = await bot.get_my_commands()
    assert [c.command for c in cmds] == ["start", "aide"]
    assert await bot.delete_my_commands() is True
    assert await bot.set_chat_menu_button(menu_button=telegram.MenuButtonCommands()) is True
    assert await bot.send_chat_action(CHAT, "typing") is True
    assert await bot.set_my_description("Passerelle") is True
    assert await bot.answer_callback_query("123", text="ok") is True
    chat = await bot.get_chat(CHAT)
    assert chat.id == CHAT and chat.type == "private"
    assert server.violations == []


async def test_invalid_bot_command_flagged(bot: telegram.Bot, server: FakeBotApi) -> None:
    with pytest.raises(BadRequest, match=r"(?i)command"):
        await bot.set_my_commands([("Start-Now", "x")])
    assert server.violations


async def test_ptb_encoding_is_urlencoded_then_multipart(bot: telegram.Bot,
                                                         server: FakeBotApi) -> None:
    """PTB sends form fields (strings; objects JSON-serialized); files force multipart."""
    seen: list[str] = []

    async def spy(srv: FakeBotApi, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        seen.append(",".join(sorted(files)))
        return True

    server.on("sendChatAction", spy)
    await bot.send_chat_action(CHAT, "typing")
    assert seen == [""]
    msg = await bot.send_photo(CHAT, b"\x89PNG fake", caption="Légende")
    call = server.calls[-1]
    assert call.method == "sendPhoto" and set(call.files) == {"photo"}
    assert call.files["photo"] == b"\x89PNG fake"
    assert msg.photo[-1].file_id.startswith("photo-") and msg.caption == "Légende"


# ---------------------------------------------------------------------- structural violations


async def test_unknown_parameter_flagged(server: FakeBotApi) -> None:
    status, body = await post_raw(server, "sendMessage",
                                  data={"chat_id": "1", "text": "hi", "colour": "red"})
    assert status == 400 and body["ok"] is False and body["error_code"] == 400
    assert body["description"].startswith("Bad Request: colour")
    assert any("colour: unknown parameter" in v for v in server.violations)


async def test_missing_required_flagged(server: FakeBotApi) -> None:
    status, body = await post_raw(server, "sendMessage", data={"chat_id": "1"})
    assert status == 400
    assert body["description"] == "Bad Request: text: required parameter is missing"
    assert server.violations == ["sendMessage: text: required parameter is missing"]
    assert server.calls[-1].violations == ["text: required parameter is missing"]


async def test_unknown_method_is_404(server: FakeBotApi) -> None:
    status, body = await post_raw(server, "sendmessage", data={"chat_id": "1", "text": "x"})
    assert status == 404 and body["description"] == "Not Found"
    assert "did you mean 'sendMessage'" in server.violations[0]


async def test_json_body_accepted(server: FakeBotApi) -> None:
    status, body = await post_raw(server, "sendMessage", json_body={
        "chat_id": 7, "text": "json", "reply_markup": {"inline_keyboard": [[
            {"text": "a", "callback_data": "b"}]]}})
    assert status == 200 and body["result"]["text"] == "json"
    assert server.violations == []
    status, _ = await post_raw(server, "sendMessage", json_body={"chat_id": 7, "text": 5})
    assert status == 400 and "text: expected String" in server.violations[0]


async def test_string_42_stays_string_and_abc_is_not_integer(server: FakeBotApi) -> None:
    status, body = await post_raw(server, "sendMessage", data={"chat_id": "5", "text": "42"})
    assert status == 200 and body["result"]["text"] == "42"
    call = server.calls[-1]
    assert call.params["text"] == "42" and isinstance(call.params["text"], str)
    assert call.params["chat_id"] == 5
    status, body = await post_raw(server, "sendMessage", data={
        "chat_id": "5", "text": "x", "message_thread_id": "abc"})
    assert status == 400
    assert server.violations == ["sendMessage: message_thread_id: expected Integer, got 'abc'"]


def test_validator_types_and_unions() -> None:
    assert validate_call("getChatMember", {"chat_id": "@chan", "user_id": "12"}) == []
    assert validate_call("getChatMember", {"chat_id": "1", "user_id": "1.5"}) != []
    assert validate_call("sendMessage", {"chat_id": "1", "text": "x",
                                         "disable_notification": "yes"}) != []
    params, errs = decode_call("sendMessage", {"chat_id": "-100", "text": "x",
                                               "disable_notification": "true"})
    assert errs == [] and params["chat_id"] == -100 and params["disable_notification"] is True
    # reply_markup accepts any of the four markups ...
    for markup in ({"keyboard": [[{"text": "Oui"}]], "resize_keyboard": True},
                   {"remove_keyboard": True}, {"force_reply": True}):
        assert validate_call("sendMessage", {"chat_id": "1", "text": "x",
                                             "reply_markup": json.dumps(markup)}) == []
    # ... but not a malformed one, nor unknown button fields, nor a missing button text
    bad: list[dict[str, Any]] = [
           {"inline_keyboard": [[{"text": "a", "callback_data": "b", "colour": "red"}]]},
           {"inline_keyboard": [[{"callback_data": "b"}]]},
           {"inline_keyboard": [[{"text": "", "callback_data": "b"}]]},
           {"inline_keyboard": [[{"text": "a"}]]},
           {"inline_keyboard": [{"text": "a", "callback_data": "b"}]},
           {"keyboard": [["Oui"]]},
           {"remove_keyboard": "yes"}]
    for markup in bad:
        errs = validate_call("sendMessage", {"chat_id": "1", "text": "x",
                                             "reply_markup": json.dumps(markup)})
        assert errs, markup
    assert validate_call("sendMessage", {"chat_id": "1", "text": "x",
                                         "reply_markup": "{not json"}) != []
    # subtype discriminators
    ok_scope = json.dumps({"type": "chat", "chat_id": 5})
    assert validate_call("setMyCommands", {"commands": '[{"command":"a","description":"b"}]',
                                           "scope": ok_scope}) == []
    errs = validate_call("setMyCommands", {"commands": '[{"command":"a","description":"b"}]',
                                           "scope": json.dumps({"type": "chatx", "chat_id": 5})})
    assert errs and "must be 'chat'" in errs[0]
    # files: an InputFile field accepts an upload or a string; attach:// must resolve
    assert validate_call("sendPhoto", {"chat_id": "1"}, {"photo": b"x"}) == []
    assert validate_call("sendPhoto", {"chat_id": "1", "photo": "AgACAgIAAx"}) == []
    assert validate_call("sendPhoto", {"chat_id": "1"}) != []
    assert validate_call("sendMessage", {"chat_id": "1", "text": "x"}, {"text": b"x"}) != []
    media = json.dumps([{"type": "photo", "media": "attach://p1"},
                        {"type": "photo", "media": "attach://p2"}])
    assert validate_call("sendMediaGroup", {"chat_id": "1", "media": media},
                         {"p1": b"1", "p2": b"2"}) == []
    assert validate_call("sendMediaGroup", {"chat_id": "1", "media": media}, {"p1": b"1"}) != []
    assert validate_call("editMessageText", {"text": "x"}) != []  # no target message


# ---------------------------------------------------------------------- Telegram limits


async def test_text_length_limits(bot: telegram.Bot, server: FakeBotApi) -> None:
    ok = await bot.send_message(CHAT, "a" * 4096)
    assert ok.text == "a" * 4096
    # markup does not count, entities count as one character
    await bot.send_message(CHAT, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    assert server.violations == []
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(CHAT, "a" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)too long"):  # 2049 emoji = 4098 UTF-16 code units
        await bot.send_message(CHAT, "😀" * 2049)
    with pytest.raises(BadRequest, match=r"(?i)empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode="HTML")
    assert len(server.violations) == 3
    assert all(c.text != "a" * 4097 for c in server.sent(CHAT))


async def test_html_rules(bot: telegram.Bot, server: FakeBotApi) -> None:
    bad = [
        "<script>alert(1)</script>",
        "Fish & chips",
        "<b><i>croisé</b></i>",
        "<b>jamais fermé",
        "a < b",
        "a > b",
        "&nbsp;",
        '<span class="rouge">x</span>',
        '<a href="https://x.be" target="_blank">x</a>',
        '<code class="language-py">x</code>',
        "<br/>",
        "<pre><b>x</b></pre>",
        "<blockquote><blockquote>x</blockquote></blockquote>",
        "</b>",
    ]
    for text in bad:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(CHAT, text, parse_mode=ParseMode.HTML)
    rejected = [c for c in server.calls if c.violations]
    assert len(rejected) == len(bad) and all(c.status == 400 for c in rejected)
    good = [
        html.escape("Fish & chips <3 \"quoted\" 'single'", quote=True),
        "<b>gras</b> <strong>s</strong> <i>i</i><em>e</em> <u>u</u><ins>i</ins> <s>s</s>"
        "<strike>s</strike><del>d</del> <tg-spoiler>x</tg-spoiler>"
        '<span class="tg-spoiler">y</span>',
        '<a href="https://example.be/?a=1&amp;b=2">lien</a> &#128512; &#x1F600; &quot;',
        '<pre><code class="language-python">print("x")</code></pre> <code>c</code>',
        '<blockquote expandable>long</blockquote><blockquote>b <b>x</b></blockquote>',
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "<B>casse</B>",
    ]
    for text in good:
        await bot.send_message(CHAT, text, parse_mode=ParseMode.HTML)
    assert [c for c in server.calls if c.violations] == rejected, server.violations


def test_html_parser_entities_and_text() -> None:
    parsed = parse_html('😀<b>x</b> <a href="https://a.be/?q=1&amp;r=2">l</a> '
                        '<pre><code class="language-py">c</code></pre>')
    assert parsed.errors == []
    assert parsed.text == "😀x l c"
    assert parsed.entities == [
        {"type": "bold", "offset": 2, "length": 1},  # UTF-16 offsets
        {"type": "text_link", "url": "https://a.be/?q=1&r=2", "offset": 4, "length": 1},
        {"type": "pre", "language": "py", "offset": 6, "length": 1},
    ]
    assert parse_html("<b>x</i>").errors
    assert parse_html("x &amp y").errors  # missing semicolon
    assert parse_html("&#55296;").errors  # surrogate code point


def test_markdown_v2_rules() -> None:
    assert parse_markdown_v2("*gras* _it_ __u__ ~s~ ||sp|| `c` [l](https://x.be) fin\\.").errors \
        == []
    assert parse_markdown_v2("fin.").errors
    assert parse_markdown_v2("*pas fermé").errors
    assert parse_markdown_v2("a - b").errors
    assert validate_call("sendMessage", {"chat_id": "1", "text": "Prix: 5.00",
                                         "parse_mode": "MarkdownV2"}) != []
    assert validate_call("sendMessage", {"chat_id": "1", "text": "x",
                                         "parse_mode": "Textile"}) != []


async def test_callback_data_bytes(bot: telegram.Bot, server: FakeBotApi) -> None:
    ok = "é" * 32  # 32 characters, 64 bytes
    await bot.send_message(CHAT, "choix", reply_markup=buttons(ok))
    assert server.violations == []
    too_long = "é" * 32 + "a"  # 33 characters, 65 bytes
    with pytest.raises(BadRequest, match=r"(?i)callback_data"):
        await bot.send_message(CHAT, "choix", reply_markup=buttons(too_long))
    assert len(server.violations) == 1 and "65 bytes" in server.violations[0]
    with pytest.raises(BadRequest):
        await bot.send_message(CHAT, "choix", reply_markup=buttons(""))
    with pytest.raises(BadRequest, match=r"(?i)button text"):
        await bot.send_message(CHAT, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(" ", callback_data="a")]]))


async def test_caption_limit_and_photo_file_ids(bot: telegram.Bot, server: FakeBotApi) -> None:
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(CHAT, b"img", caption="c" * 1025)
    assert len(server.violations) == 1
    msg = await bot.send_photo(CHAT, b"img", caption="c" * 1024)
    file_id = msg.photo[-1].file_id
    assert file_id.startswith("photo-") and msg.caption == "c" * 1024
    again = await bot.send_photo(CHAT, file_id)  # re-using an issued file_id
    assert again.photo[-1].file_id == file_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier/HTTP URL specified"):
        await bot.send_photo(CHAT, "AgACAgQAAxkBAAIBnever-issued")
    assert len(server.violations) == 1  # a wrong file id is an API error, not a violation


async def test_answer_callback_and_topic_name_limits(bot: telegram.Bot,
                                                     server: FakeBotApi) -> None:
    await bot.answer_callback_query("1", text="x" * 200)
    with pytest.raises(BadRequest):
        await bot.answer_callback_query("1", text="x" * 201)
    topic = await bot.create_forum_topic(-1001, "Logement")
    assert topic.name == "Logement" and topic.message_thread_id > 0
    with pytest.raises(BadRequest):
        await bot.create_forum_topic(-1001, "n" * 129)
    assert await bot.edit_forum_topic(-1001, topic.message_thread_id, name="Emploi") is True
    assert await bot.close_forum_topic(-1001, topic.message_thread_id) is True
    assert await bot.reopen_forum_topic(-1001, topic.message_thread_id) is True
    assert await bot.delete_forum_topic(-1001, topic.message_thread_id) is True
    assert len(server.violations) == 2


# ---------------------------------------------------------------------- fault injection


async def test_fail_next_429_is_retry_after(bot: telegram.Bot, server: FakeBotApi) -> None:
    server.fail_next("sendMessage")
    with pytest.raises(RetryAfter) as exc:
        await bot.send_message(CHAT, "x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB deprecation notice about the int/timedelta type
        assert exc.value.retry_after in (1, dtm.timedelta(seconds=1))
    assert server.calls[-1].response == {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1}}
    assert server.sent(CHAT) == []
    await bot.send_message(CHAT, "x")  # only the next call fails
    assert len(server.sent(CHAT)) == 1 and server.violations == []


async def test_fail_next_403_and_thread_not_found(bot: telegram.Bot, server: FakeBotApi) -> None:
    server.fail_next("sendMessage", status=403,
                     description="Forbidden: bot was blocked by the user", times=2)
    for _ in range(2):
        with pytest.raises(Forbidden, match=r"(?i)blocked"):
            await bot.send_message(CHAT, "x")
    server.fail_next("sendMessage", status=400,
                     description="Bad Request: message thread not found")
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(-1001, "x", message_thread_id=77)
    await bot.send_message(CHAT, "x")
    assert server.violations == []


# ---------------------------------------------------------------------- edits and messages


async def test_edit_flow(bot: telegram.Bot, server: FakeBotApi) -> None:
    msg = await bot.send_message(CHAT, "Menu", reply_markup=buttons("a"))
    edited = await bot.edit_message_text("Menu 2", CHAT, msg.message_id,
                                         reply_markup=buttons("b"))
    assert isinstance(edited, telegram.Message) and edited.text == "Menu 2"
    assert edited.reply_markup is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Menu 2", CHAT, msg.message_id, reply_markup=buttons("b"))
    edited = await bot.edit_message_reply_markup(CHAT, msg.message_id)
    assert isinstance(edited, telegram.Message) and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)
    assert await bot.delete_message(CHAT, msg.message_id) is True
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(CHAT, msg.message_id)
    photo = await bot.send_photo(CHAT, b"img", caption="avant")
    edited = await bot.edit_message_caption(CHAT, photo.message_id, caption="<i>après</i>",
                                            parse_mode="HTML")
    assert isinstance(edited, telegram.Message) and edited.caption == "après"
    user_update = server.push_text(CHAT, "salut")
    with pytest.raises(BadRequest, match=r"(?i)can't be edited"):
        await bot.edit_message_text("x", CHAT, user_update["message"]["message_id"])
    assert server.violations == []


async def test_copy_forward_media_and_location(bot: telegram.Bot, server: FakeBotApi) -> None:
    upd = server.push_text(CHAT, "à transmettre")
    mid = upd["message"]["message_id"]
    copied = await bot.copy_message(-1002, CHAT, mid)
    assert copied.message_id == 1
    fwd = await bot.forward_message(-1002, CHAT, mid)
    assert fwd.text == "à transmettre" and fwd.forward_origin is not None
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(-1002, CHAT, 12345)
    doc = await bot.send_document(CHAT, b"%PDF", filename="guide.pdf", caption="Guide")
    assert doc.document is not None and doc.document.file_id.startswith("document-")
    voice = await bot.send_voice(CHAT, b"OggS", duration=2)
    assert voice.voice is not None and server.calls[-1].result["voice"]["duration"] == 2
    audio = await bot.send_audio(CHAT, b"ID3")
    assert audio.audio is not None
    video = await bot.send_video(CHAT, b"mp4")
    assert video.video is not None
    sticker_id = server.push_sticker(CHAT)["message"]["sticker"]["file_id"]
    sticker = await bot.send_sticker(CHAT, sticker_id)
    assert sticker.sticker is not None and sticker.sticker.file_id == sticker_id
    loc = await bot.send_location(CHAT, 50.85, 4.35, message_thread_id=None)
    assert loc.location is not None and loc.location.latitude == 50.85
    topic_msg = await bot.send_message(-1003, "sujet", message_thread_id=9)
    assert topic_msg.message_thread_id == 9
    assert [c.method for c in server.sent(-1002)] == ["copyMessage", "forwardMessage"]
    assert server.violations == []


async def test_get_chat_member_statuses(bot: telegram.Bot, server: FakeBotApi) -> None:
    server.members[(-1001, 7)] = "administrator"
    server.members[(-1001, 8)] = "member"
    admin = await bot.get_chat_member(-1001, 7)
    assert isinstance(admin, ChatMemberAdministrator) and admin.user.id == 7
    assert (await bot.get_chat_member(-1001, 8)).status == "member"
    assert isinstance(await bot.get_chat_member(-1001, 9), ChatMemberLeft)
    for status in ("creator", "restricted", "kicked"):
        server.members[(-1001, 10)] = status
        assert (await bot.get_chat_member(-1001, 10)).status == status
    assert server.violations == []


# ---------------------------------------------------------------------- updates


async def test_get_updates_parsed_by_ptb(bot: telegram.Bot, server: FakeBotApi) -> None:
    pushed = server.push_text(CHAT, "Bonjour", language_code="ar", first_name="Amina")
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 1
    upd = updates[0]
    assert isinstance(upd, Update) and upd.update_id == pushed["update_id"]
    assert upd.message is not None and upd.message.text == "Bonjour"
    assert upd.effective_user is not None and upd.effective_user.language_code == "ar"
    assert upd.effective_chat is not None and upd.effective_chat.id == CHAT
    # not confirmed yet: delivered again
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [upd.update_id]
    # confirmed by a higher offset
    assert await bot.get_updates(offset=upd.update_id + 1, timeout=0) == ()
    assert server.violations == []


async def test_get_updates_limit_and_all_builders(bot: telegram.Bot, server: FakeBotApi) -> None:
    server.push_command(CHAT, "/start ref42")
    sent = await bot.send_message(CHAT, "Choisissez", reply_markup=buttons("lang:fr"))
    server.push_callback(CHAT, "lang:fr")
    server.push_photo(CHAT, caption="papiers")
    server.push_voice(CHAT, content=b"OggS-voice")
    server.push_document(CHAT)
    server.push_sticker(CHAT)
    server.push_location(CHAT)
    server.push_edited_text(CHAT, 1, "/start")
    server.push_group_text(-100777, "Question", thread_id=12, user_id=55, first_name="Yusuf")
    first = await bot.get_updates(limit=3, timeout=0)
    assert len(first) == 3
    rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    updates = [*first, *rest]
    assert len(updates) == 9
    ids = [u.update_id for u in updates]
    assert ids == sorted(ids) and len(set(ids)) == 9
    cmd, cb, photo, voice, doc, sticker, loc, edited, group = updates
    assert cmd.message is not None and cmd.message.text == "/start ref42"
    assert cmd.message.entities[0].type == "bot_command" and cmd.message.entities[0].length == 6
    assert cb.callback_query is not None and cb.callback_query.data == "lang:fr"
    assert cb.callback_query.message is not None
    assert cb.callback_query.message.message_id == sent.message_id
    assert cb.callback_query.chat_instance
    assert photo.message is not None and photo.message.photo and photo.message.caption == "papiers"
    assert voice.message is not None and voice.message.voice is not None
    assert doc.message is not None and doc.message.document is not None
    assert sticker.message is not None and sticker.message.sticker is not None
    assert loc.message is not None and loc.message.location is not None
    assert edited.edited_message is not None and edited.edited_message.text == "/start"
    gm = group.message
    assert gm is not None and gm.chat.type == "supergroup" and gm.chat.is_forum
    assert gm.message_thread_id == 12 and gm.is_topic_message
    assert gm.from_user is not None and gm.from_user.first_name == "Yusuf"
    # files of pushed media can be downloaded through getFile
    assert voice.message.voice is not None
    tg_file = await bot.get_file(voice.message.voice.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == b"OggS-voice"
    assert server.violations == []


async def test_long_polling_wakes_on_push_and_caps_wait(bot: telegram.Bot,
                                                        server: FakeBotApi) -> None:
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    assert await bot.get_updates(timeout=30) == ()
    assert loop.time() - t0 < 2.5  # capped at ~1s
    loop.call_later(0.05, server.push_text, CHAT, "réveil")
    t0 = loop.time()
    updates = await bot.get_updates(timeout=30)
    assert loop.time() - t0 < 0.9
    assert updates[0].message is not None and updates[0].message.text == "réveil"


def test_pushed_updates_conform_to_spec() -> None:
    server = FakeBotApi()
    upd = server.push_group_text(-1005, "x", thread_id=3, user_id=9)
    assert validate_object("Update", upd) == []
    with pytest.raises(AssertionError, match=r"(?i)does not match"):
        server.push_update({"message": {"message_id": 1, "text": "no chat"}})
    assert validate_object("Update", {"update_id": 1, "message": {"chat": {}}}) != []


# ---------------------------------------------------------------------- waiting helpers


async def test_wait_for_consumes_calls(bot: telegram.Bot, server: FakeBotApi) -> None:
    task = asyncio.create_task(bot.send_message(CHAT, "un"))
    call = await server.wait_for("sendMessage")
    assert isinstance(call, Call) and call.text == "un"
    await task
    await bot.send_message(CHAT, "deux")
    await bot.send_message(CHAT, "trois")
    third = await server.wait_for("sendMessage", lambda c: c.text == "trois")
    second = await server.wait_for("sendMessage")
    assert (second.text, third.text) == ("deux", "trois")
    with pytest.raises(AssertionError, match=r"(?i)sendMessage"):
        await server.wait_for("sendMessage", timeout=0.2)


def test_assert_no_violations_helper() -> None:
    server = FakeBotApi()
    server.assert_no_violations()
    server.violations.append("sendMessage: text: required parameter is missing")
    with pytest.raises(AssertionError, match=r"(?i)required parameter is missing"):
        server.assert_no_violations()


async def test_ptb_application_polling_round_trip(fake_botapi: FakeBotApi) -> None:
    """Full PTB Application (Updater long polling) against the fake, no sleeps."""
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler

    app = (ApplicationBuilder().token(TEST_TOKEN).base_url(fake_botapi.base_url)
           .base_file_url(fake_botapi.base_file_url).build())

    async def start(update: Update, context: Any) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(
            "<b>Bienvenue</b> !", reply_markup=buttons("lang:fr"))

    async def on_button(update: Update, context: Any) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("OK")
        await query.edit_message_text(f"Langue : {query.data}")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_button))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=10,
                                        allowed_updates=Update.ALL_TYPES)
        try:
            fake_botapi.push_command(CHAT, "/start")
            reply = await fake_botapi.wait_for("sendMessage")
            assert reply.params["parse_mode"] == "HTML" and reply.text == "<b>Bienvenue</b> !"
            fake_botapi.push_callback(CHAT, "lang:fr")
            answer = await fake_botapi.wait_for("answerCallbackQuery")
            assert answer.params["text"] == "OK"
            edit = await fake_botapi.wait_for("editMessageText")
            assert edit.ok and edit.result["text"] == "Langue : lang:fr"
        finally:
            await app.updater.stop()
            await app.stop()
    methods = {c.method for c in fake_botapi.calls}
    assert {"getMe", "deleteWebhook", "getUpdates"} <= methods
