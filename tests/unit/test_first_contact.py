"""First contact: what is kept and why, said once per person; the privacy commands in the
command menu."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.conversation.replies import Replies
from bot.domain.messages import Event, EventKind, Reply
from bot.domain.people import PersonRef
from bot.i18n.catalogs import Catalogs
from tests.databases import fresh_storage

CLOCK = ManualClock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))


def text_of(reply: Reply) -> str:
    return str(reply.context.get("text", ""))


async def test_the_privacy_note_comes_once_per_person_in_their_language(
    content_source: ContentSource,
) -> None:
    storage = await fresh_storage()
    engine = Engine(content_source, storage, Catalogs(PROJECT_ROOT / "locales"), CLOCK)
    ref = PersonRef("telegram", "31")

    async def start(hint: str = "fr") -> str:
        replies = await engine.handle(Event(ref, EventKind.COMMAND, command="start",
                                            language_hint=hint))
        assert len(replies) == 2, "the greeting and the language picker, as before"
        return text_of(replies[0])

    try:
        first = await start()
        assert "🔒" in first and "/forget" in first and "/mydata" in first
        assert "🔒" not in await start(), "once per person"
        assert "🔒" not in await start(), "nor the third time"
        await engine.handle(Event(ref, EventKind.BUTTON, action="forget:yes"))
        assert "🔒" in await start(), "after deleting their data, a new person is told again"
        other = PersonRef("telegram", "32")
        (greeting, _picker) = await engine.handle(Event(other, EventKind.COMMAND,
                                                        command="start", language_hint="ar"))
        assert greeting.lang == "ar" and "🔒" in text_of(greeting)
        assert "/privacy" in text_of(greeting)
        rows = await storage.query("SELECT privacy_noted_at FROM people ORDER BY id")
        assert all(row[0] is not None for row in rows)
    finally:
        await storage.close()


def test_privacy_mydata_and_forget_are_in_the_command_menu_of_every_language(
    content_source: ContentSource,
) -> None:
    replies = Replies(content_source, Catalogs(PROJECT_ROOT / "locales"), "fr")
    for language in ("fr", "nl", "ar", "ti", "en", "uk"):
        menu = dict(replies.command_descriptions(language))
        assert {"privacy", "mydata", "forget"} <= set(menu)
        assert all(1 <= len(text) <= 256 for text in menu.values()), "Bot API limits"


async def test_the_web_start_page_says_what_is_kept(content_source: ContentSource) -> None:
    """On the web point a new session is a new person: its start page carries the note."""
    import httpx

    from bot.bootstrap import build
    from bot.channels.web.app import web_channel
    from bot.config import Settings
    from tests.databases import fresh_database

    app = await build(Settings(), content=content_source, db_path=await fresh_database())
    try:
        transport = httpx.ASGITransport(app=web_channel(app).asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            page = await client.get("/", headers={"accept-language": "nl"},
                                    follow_redirects=True)
        assert page.status_code == 200 and "🔒" in page.text
    finally:
        await app.close()
