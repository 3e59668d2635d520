"""The real `passerelle run` in webhook mode: the loopback Bot API POSTs updates to it the
way Telegram does (secret header, sent again until a 2xx), and the replies are counted
there. Also: kill -9 right after a 200 loses nothing, and polling mode removes a webhook
left by an earlier run."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

from bot.channels.telegram.webhook import derived_secret
from bot.content.source import ContentSource
from tests.e2e.conftest import start_bot
from tests.fakes.botapi_server import TEST_TOKEN, ApiError, FakeBotApi, JSONDict
from tools.chaos import WORKER, WORKERS, Bot, run_chaos

PEOPLE = [7101, 7102, 7103]
MESSAGES = 3


def webhook_bot(api: FakeBotApi, folder: Path) -> tuple[Bot, str]:
    bot = Bot(api, folder)
    port = bot.env["PASSERELLE_WEB_PORT"]
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    bot.env["PASSERELLE_WEBHOOK_URL"] = url
    return bot, url


async def started(api: FakeBotApi) -> None:
    await api.wait_for("setWebhook", lambda c: c.ok, timeout=90)


def log_of(folder: Path, bot: Bot) -> str:
    bot.log.close()
    return (folder / "bot.log").read_text(encoding="utf-8", errors="replace")


async def eventually(check: Callable[[], object], timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.1)


async def test_run_in_webhook_mode_answers_what_telegram_posts() -> None:
    api = FakeBotApi()
    await api.start()
    api.register_chat(WORKERS, type="supergroup", title="CPAS workers", is_forum=True)
    api.members[(WORKERS, WORKER)] = "member"
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            bot, url = webhook_bot(api, folder)
            await bot.start()
            try:
                await started(api)
                hook = api.calls_of("setWebhook")[0].params
                assert hook["url"] == url and hook["secret_token"] == derived_secret(TEST_TOKEN)
                assert hook.get("drop_pending_updates") in (None, False)
                assert "message" in hook["allowed_updates"]
                for chat in PEOPLE:
                    api.push_command(chat, "/start")
                    api.push_command(chat, "/person")
                relayed: list[tuple[int, int]] = []
                for k in range(MESSAGES):
                    for chat in PEOPLE:
                        pushed = api.push_text(chat, f"message {k} from {chat}")
                        relayed.append((chat, pushed["message"]["message_id"]))

                def copies() -> Counter[tuple[object, object]]:
                    return Counter((c.params.get("from_chat_id"), c.params.get("message_id"))
                                   for c in api.calls_of("copyMessage")
                                   if c.ok and c.chat_id == WORKERS)

                await eventually(lambda: all(copies()[key] for key in relayed), timeout=120)
                async with httpx.AsyncClient() as client:  # someone who is not Telegram
                    forged = await client.post(url, json={
                        "update_id": 1, "message": {"message_id": 1, "date": 0, "text": "x",
                                                    "chat": {"id": 7199, "type": "private"}}},
                        headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
                    page = await client.get(url.rsplit("/telegram", 1)[0] + "/")
                await asyncio.sleep(1.0)  # let doubles, if any, show up
            finally:
                code = await bot.terminate()
            output = log_of(folder, bot)
        assert all(copies()[key] == 1 for key in relayed), copies()  # each once, none lost
        for chat in PEOPLE:  # /start and /person were answered too
            assert len(api.sent(chat)) >= 2, api.summary()
        assert forged.status_code == 401 and api.sent(7199) == []
        assert page.status_code == 200 and "<html" in page.text  # one server: the web point too
        pushed_ids = {u["update_id"] for u in api.delivered_updates}
        assert all(p.status == 200 for p in api.webhook_posts if p.update_id in pushed_ids)
        assert api.pending_updates == [] and api.calls_of("getUpdates") == []
        assert api.calls_of("deleteWebhook") == []  # the webhook stays: Telegram keeps updates
        assert code == 0 and "Traceback" not in output, output[-3000:]
        api.assert_no_violations()
    finally:
        await api.stop()


async def test_killed_right_after_a_200_the_update_is_handled_after_the_restart() -> None:
    api = FakeBotApi()
    await api.start()
    stuck = asyncio.Event()

    async def hold_replies(_server: FakeBotApi, params: JSONDict, _files: object) -> object:
        await stuck.wait()  # if the bot got that far, it cannot finish before the kill
        raise ApiError(502, "Bad Gateway")

    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            bot, _url = webhook_bot(api, folder)
            await bot.start()
            await started(api)
            api.on("sendMessage", hold_replies)
            process = bot.process
            assert process is not None

            def kill_at_the_200(update_id: int, status: int | None) -> None:
                if status == 200:  # kill -9 the moment Telegram has its answer
                    os.kill(process.pid, signal.SIGKILL)

            api.on_webhook_answer = kill_at_the_200
            update = api.push_command(7201, "/start")
            await api.wait_for_webhook_ok(update["update_id"])
            await asyncio.wait_for(process.wait(), timeout=10)
            api.on_webhook_answer = None
            assert api.pending_updates == []
            assert api.sent(7201) == []
            del api.handlers["sendMessage"]
            await bot.start()
            try:
                await api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == 7201,
                                   timeout=90)
            finally:
                code = await bot.terminate()
            output = log_of(folder, bot)
        assert len(api.posts_of(update["update_id"])) == 1  # delivered once, handled after all
        texts = api.sent_texts(7201)  # a /start's welcome and language menu, each once
        assert len(texts) == 2 and texts[0].startswith("Bonjour") and "langue" in texts[1]
        assert code == 0, output[-3000:]
    finally:
        stuck.set()
        await api.stop()


async def test_polling_removes_a_webhook_left_by_an_earlier_run(
        fake_botapi: FakeBotApi, tmp_path: Path, content_source: ContentSource) -> None:
    fake_botapi.webhook = {"url": "https://old.example.be/telegram", "secret_token": "x",
                           "max_connections": 40}
    running = await start_bot(fake_botapi, tmp_path / "p.sqlite3", content_source)
    try:
        fake_botapi.push_command(7301, "/start")
        await fake_botapi.wait_for("sendMessage", lambda c: c.chat_id == 7301, timeout=30)
    finally:
        await running.stop()
    delete = fake_botapi.calls_of("deleteWebhook")
    assert len(delete) == 1 and not delete[0].params.get("drop_pending_updates")
    assert fake_botapi.webhook is None
    statuses = {c.status for c in fake_botapi.calls_of("getUpdates")}
    assert 409 not in statuses, statuses  # never refused for a webhook still set


async def test_killed_three_times_in_webhook_mode_nothing_promised_is_lost() -> None:
    result = await run_chaos(kills=3, people_count=3, messages=3, seed=13, webhook=True)
    assert result.promised == 3 * 3 * 2 + 3
    assert result.lost == 0, result.details
    assert "exit code after SIGTERM: 0" in result.details
