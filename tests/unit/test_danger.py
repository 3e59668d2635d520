"""A cry for help at the end of a long message still gets the emergency numbers first (the
matcher reads only the start of a message)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from bot.content.source import ContentSource
from bot.conversation.danger import crisis_anywhere, crisis_beyond
from bot.conversation.engine import Engine
from bot.domain.messages import Event, EventKind
from bot.domain.people import PersonRef
from bot.i18n.catalogs import Catalogs
from tests.databases import fresh_storage

STORY = "Bonjour, je vous écris parce que ma situation est compliquée depuis l'été. "


@pytest.mark.parametrize("repeat", [6, 12, 40, 130])
async def test_danger_words_after_the_first_hundreds_of_characters(
    content_source: ContentSource, repeat: int,
) -> None:
    storage = await fresh_storage()
    engine = Engine(content_source, storage, Catalogs(PROJECT_ROOT / "locales"),
                    ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
    ref = PersonRef("test", "1")
    try:
        await engine.handle(Event(ref, EventKind.BUTTON, action="lang:fr"))
        text = STORY * repeat + "Je n'en peux plus, je veux mourir."
        (reply,) = await engine.handle(Event(ref, EventKind.TEXT, text=text))
        assert reply.template == "crisis" and "1813" in str(reply.context["numbers"])
        replies = await engine.handle(Event(ref, EventKind.MEDIA, media="photo", text=text[-900:]))
        assert replies[0].template == "crisis"
        (calm,) = await engine.handle(Event(ref, EventKind.TEXT, text=STORY * repeat))
        assert calm.template != "crisis"
    finally:
        await storage.close()


def test_windows_overlap_so_no_phrase_is_cut(content_source: ContentSource) -> None:
    matcher = content_source.current.matcher
    for offset in range(0, 600, 37):  # the phrase at every position
        text = "x " * offset + "ik wil niet meer leven" + " y" * 200
        assert crisis_anywhere(matcher, text) is not None, offset
    assert crisis_beyond(matcher, "ik wil niet meer leven") is None  # the matcher's part
