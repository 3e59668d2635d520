"""The Telegram webhook endpoint: the secret is checked, an update is in the inbox on disk
before the 200, a re-sent update is stored once, oversized or broken bodies are refused,
and a storage failure answers 5xx so that Telegram sends the update again."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from bot.bootstrap import Passerelle, build, telegram_channel
from bot.channels.telegram.adapter import TelegramChannel
from bot.channels.telegram.webhook import (
    MAX_UPDATE_BYTES,
    Webhook,
    WebhookEndpoint,
    WebhookProblem,
    derived_secret,
    webhook_of,
)
from bot.config import Settings, load_settings
from bot.content.source import ContentSource

TOKEN = "123456:TEST-token_for_FakeBotApi"
URL = "https://bot.example.be/telegram/hook"
SETTINGS = Settings(telegram_token=TOKEN, webhook_url=URL, webhook_secret="s3cret_-Token")
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def update(update_id: int, text: str = "bonjour", chat: int = 4242) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": 7, "date": 1764770000, "text": text,
        "chat": {"id": chat, "type": "private", "first_name": "Amina"},
        "from": {"id": chat, "is_bot": False, "first_name": "Amina", "language_code": "fr"}}}


class Door:
    """A real Telegram channel (not started: nothing handles the inbox) behind the endpoint."""

    def __init__(self, app: Passerelle, channel: TelegramChannel, db: Path,
                 fallback_hits: list[str]) -> None:
        self.app, self.channel, self.db = app, channel, db
        self.fallback_hits = fallback_hits
        assert channel.webhook is not None
        self.endpoint = WebhookEndpoint(channel.webhook, channel.accept, self._fallback)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.endpoint),
                                        base_url="https://bot.example.be")

    async def _fallback(self, scope: dict[str, object], receive: object, send: object) -> None:
        self.fallback_hits.append(str(scope["path"]))
        from starlette.responses import PlainTextResponse

        await PlainTextResponse("web point")(scope, receive, send)  # type: ignore[arg-type]

    async def post(self, body: bytes | dict[str, object], secret: str | None = "s3cret_-Token",
                   **headers: str) -> httpx.Response:
        sent = {**headers, **({HEADER: secret} if secret is not None else {})}
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await self.client.post("/telegram/hook", content=content,
                                      headers={"content-type": "application/json", **sent})

    def rows_on_disk(self) -> list[tuple[int, str | None]]:
        """Read by a second, independent connection: what a restarted process would find."""
        with sqlite3.connect(self.db) as other:
            return list(other.execute(
                "SELECT external_id, payload FROM inbox WHERE channel = 'telegram'"
                " ORDER BY id"))


@pytest_asyncio.fixture
async def door(tmp_path: Path, content_source: ContentSource) -> AsyncIterator[Door]:
    db = tmp_path / "webhook.sqlite3"
    app = await build(replace(SETTINGS, db_path=db), content=content_source)
    channel = telegram_channel(app)
    hits: list[str] = []
    door = Door(app, channel, db, hits)
    try:
        yield door
    finally:
        await door.client.aclose()
        await app.close()


async def test_an_update_is_on_disk_when_the_200_is_sent(door: Door) -> None:
    response = await door.post(update(900001))
    assert response.status_code == 200
    rows = door.rows_on_disk()
    assert [r[0] for r in rows] == [900001]
    assert rows[0][1] is not None and json.loads(rows[0][1])["message"]["text"] == "bonjour"


async def test_the_answer_waits_for_the_write(tmp_path: Path) -> None:
    release = asyncio.Event()
    stored: list[dict[str, object]] = []

    async def slow_store(data: dict[str, object]) -> None:
        await release.wait()
        stored.append(data)

    endpoint = WebhookEndpoint(Webhook(URL, "/telegram/hook", "abc"), slow_store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=endpoint),
                                 base_url="https://x") as client:
        request = asyncio.create_task(client.post(
            "/telegram/hook", json=update(1), headers={HEADER: "abc"}))
        for _ in range(50):
            await asyncio.sleep(0)
        assert not request.done() and stored == []  # no answer while the write is pending
        release.set()
        response = await request
    assert response.status_code == 200 and len(stored) == 1


@pytest.mark.parametrize("secret", [None, "", "wrong", "s3cret_-Toke", "s3cret_-Token2"])
async def test_without_the_right_secret_nothing_is_stored(door: Door, secret: str | None) -> None:
    response = await door.post(update(900002), secret=secret)
    assert response.status_code == 401
    assert door.rows_on_disk() == []


async def test_an_update_sent_twice_is_stored_once(door: Door) -> None:
    first = await door.post(update(900003))
    again = await door.post(update(900003))  # Telegram did not see our first 200
    other = await door.post(update(900004, chat=77))
    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 200)
    assert [r[0] for r in door.rows_on_disk()] == [900003, 900004]


async def test_an_oversized_body_is_refused_unread(door: Door) -> None:
    big = update(900005, text="x" * (MAX_UPDATE_BYTES + 1))
    response = await door.post(big)
    assert response.status_code == 413
    assert door.rows_on_disk() == []


async def test_a_body_longer_than_its_content_length_says_is_refused(tmp_path: Path) -> None:
    stored: list[object] = []

    async def store(data: dict[str, object]) -> None:
        stored.append(data)

    endpoint = WebhookEndpoint(Webhook(URL, "/telegram/hook", "abc"), store, max_bytes=100)
    body = json.dumps(update(1, text="y" * 500)).encode()
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:  # 10 chunks, no content-length
        chunk = body[len(sent) * 60:(len(sent) + 1) * 60]
        sent.append({})
        return {"type": "http.request", "body": chunk, "more_body": len(sent) * 60 < len(body)}

    answer: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        answer.append(message)

    scope = {"type": "http", "method": "POST", "path": "/telegram/hook",
             "headers": [(b"x-telegram-bot-api-secret-token", b"abc")]}
    await endpoint(scope, receive, send)  # type: ignore[arg-type]
    assert answer[0]["status"] == 413 and stored == []
    assert len(sent) < 10  # it stopped reading once past the limit


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"message": {}}',
                                  b'{"update_id": "12"}', b"\xff\xfe"])
async def test_a_body_that_is_not_an_update_is_refused(door: Door, body: bytes) -> None:
    response = await door.post(body)
    assert response.status_code == 400
    assert door.rows_on_disk() == []


async def test_a_storage_failure_answers_503_so_telegram_sends_it_again(door: Door) -> None:
    storage = door.app.storage
    pages = int((await storage.query("PRAGMA page_count"))[0][0])
    await storage.query(f"PRAGMA max_page_count = {pages}")  # the disk is now full
    long = update(900006, text="é" * 100_000)  # needs new pages
    refused = await door.post(long)
    assert refused.status_code == 503 and door.rows_on_disk() == []
    await storage.query("PRAGMA max_page_count = 1073741823")  # room again
    again = await door.post(long)  # Telegram sends it again
    assert again.status_code == 200 and [r[0] for r in door.rows_on_disk()] == [900006]


async def test_only_post_on_the_webhook_path_other_paths_are_the_web_point(door: Door) -> None:
    got = await door.client.get("/telegram/hook", headers={HEADER: "s3cret_-Token"})
    page = await door.client.get("/")
    assert got.status_code == 405
    assert page.status_code == 200 and page.text == "web point"
    assert door.fallback_hits == ["/"] and door.rows_on_disk() == []


def test_the_settings_come_from_the_environment() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "PASSERELLE_WEBHOOK_URL": URL,
                              "PASSERELLE_WEBHOOK_SECRET": "abc"})
    assert (settings.webhook_url, settings.webhook_secret) == (URL, "abc")
    assert webhook_of(settings) == Webhook(URL, "/telegram/hook", "abc")
    assert webhook_of(load_settings({"TELEGRAM_BOT_TOKEN": TOKEN})) is None  # polling


def test_without_a_secret_one_is_derived_from_the_token() -> None:
    hook = webhook_of(replace(SETTINGS, webhook_secret=None))
    assert hook is not None and hook.secret == derived_secret(TOKEN)
    assert hook.secret == webhook_of(replace(SETTINGS, webhook_secret=None)).secret  # type: ignore[union-attr]
    assert hook.secret != derived_secret("654321:another-bot")
    assert len(hook.secret) == 64 and TOKEN.split(":")[1] not in hook.secret


@pytest.mark.parametrize(("changes", "words"), [
    ({"webhook_url": "http://bot.example.be/telegram"}, "https://"),
    ({"webhook_url": "https://bot.example.be/"}, "needs a path"),
    ({"webhook_url": "https://bot.example.be"}, "needs a path"),
    ({"webhook_secret": "has space"}, "A-Z, a-z, 0-9"),
    ({"webhook_secret": "x" * 257}, "1 to 256"),
    ({"telegram_token": None}, "TELEGRAM_BOT_TOKEN"),
])
def test_unusable_webhook_settings_say_what_to_change(changes: dict[str, object],
                                                      words: str) -> None:
    with pytest.raises(WebhookProblem, match=words.replace(".", r"\.").replace("(", r"\(")):
        webhook_of(replace(SETTINGS, **changes))  # type: ignore[arg-type]


def test_plain_http_is_only_for_this_machine() -> None:
    for url in ("http://127.0.0.1:8080/telegram", "http://localhost/t", "http://[::1]:9/t"):
        assert webhook_of(replace(SETTINGS, webhook_url=url)) is not None


async def test_with_the_web_point_off_the_server_answers_only_the_webhook(
        tmp_path: Path, content_source: ContentSource) -> None:
    from bot.runtime import WebPlace, _http_app

    app = await build(replace(SETTINGS, db_path=tmp_path / "w.sqlite3", web_enabled=False),
                      content=content_source)
    try:
        channel = telegram_channel(app)
        for web, page_status in ((None, 404), (WebPlace("127.0.0.1", 8080), 200)):
            asgi = _http_app(app, web, channel)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi),
                                         base_url="https://bot.example.be") as client:
                page = await client.get("/")
                hook = await client.post("/telegram/hook", json=update(900100 + page_status),
                                         headers={HEADER: "s3cret_-Token"})
            assert (page.status_code, hook.status_code) == (page_status, 200)
    finally:
        await app.close()


def test_run_refuses_unusable_webhook_settings_in_one_sentence(
        capsys: pytest.CaptureFixture[str]) -> None:
    from bot.runtime import run

    bad = replace(SETTINGS, webhook_url="http://bot.example.be/telegram")
    assert run(bad, telegram=True, web=None) == 1
    assert capsys.readouterr().err.startswith("Passerelle cannot start: PASSERELLE_WEBHOOK_URL")
