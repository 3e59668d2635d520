"""Mixed languages: a message clearly written in another served language than the chosen
one is answered in the chosen language, with one button offering to switch (issue 10)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.config import PROJECT_ROOT
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.domain.messages import Event, EventKind, Reply
from bot.domain.people import PersonRef
from bot.i18n.catalogs import Catalogs
from bot.understanding.written_language import CUES, written_language
from tests.databases import fresh_storage
from tests.unit.test_engine import CLOCK

SERVED = {"fr", "nl", "en", "ar", "ti", "uk"}
REF = PersonRef("test", "mixed")


@pytest.mark.parametrize(("text", "expected"), [
    ("كيف أفتح حساب في البنك", "ar"),
    ("ብኸመይ ናይ ባንኪ ሕሳብ ይኸፍት", "ti"),
    ("як відкрити рахунок у банку", "uk"),
    ("как открыть счет в банке", "uk"),          # Russian from a Ukrainian speaker
    ("how do i open a bank account", "en"),
    ("hoe kan ik een rekening openen", "nl"),
    ("je veux ouvrir un compte", "fr"),
    ("mijn CPAS wil niet betalen", "nl"),
])
def test_a_clear_language_is_recognised(text: str, expected: str) -> None:
    assert written_language(text, SERVED) == expected


@pytest.mark.parametrize("text", [
    "leefloon",                       # one word: the same in every language
    "mutuelle?",
    "CPAS OCMW",
    "kifach n7al compte f bank",      # Arabic in Latin letters: not guessed
    "yak vidkryty rahunok v banku",   # Ukrainian in Latin letters: not guessed
    "ok merci 7",
    "🙂🙂",
    "the leefloon van het OCMW",      # one English cue against Dutch ones: not clear
])
def test_no_language_is_claimed_without_clear_evidence(text: str) -> None:
    assert written_language(text, SERVED) is None


def test_only_served_languages_are_named() -> None:
    assert written_language("كيف أفتح حساب في البنك", {"fr", "nl"}) is None
    assert written_language("how do i open a bank account", {"fr", "nl"}) is None


def test_no_cue_word_counts_for_two_languages() -> None:
    for lang, cues in CUES.items():
        for other, more in CUES.items():
            if lang != other:
                assert not cues & more, (lang, other, cues & more)


@pytest_asyncio.fixture
async def engine(content_source: ContentSource) -> AsyncIterator[Engine]:
    storage = await fresh_storage()
    yield Engine(content_source, storage, Catalogs(PROJECT_ROOT / "locales"), CLOCK)
    await storage.close()


def actions(reply: Reply) -> list[str]:
    return [button.action for row in reply.buttons for button in row]


async def say(engine: Engine, text: str) -> list[Reply]:
    return await engine.handle(Event(REF, EventKind.TEXT, text=text))


async def test_another_language_gets_the_answer_in_the_chosen_one_and_a_switch(
    engine: Engine,
) -> None:
    await engine.handle(Event(REF, EventKind.BUTTON, action="lang:nl"))
    *answer, offer = await say(engine, "كيف أفتح حساب في البنك")
    assert answer and all(reply.lang == "nl" for reply in answer)
    assert offer.lang == "nl"
    assert "العربية" in str(offer.context["text"]) and "Antwoorden" in str(offer.context["text"])
    assert actions(offer) == ["lang:ar"]
    switched = await engine.handle(Event(REF, EventKind.BUTTON, action=actions(offer)[0]))
    assert switched[0].lang == "ar"
    replies = await say(engine, "كيف أفتح حساب في البنك")
    assert not any("lang:ar" in actions(reply) for reply in replies), "no offer once chosen"


async def test_the_chosen_language_and_unclear_messages_get_no_offer(engine: Engine) -> None:
    await engine.handle(Event(REF, EventKind.BUTTON, action="lang:fr"))
    for text in ("je veux ouvrir un compte en banque", "leefloon", "mutuelle?"):
        replies = await say(engine, text)
        assert not any(a.startswith("lang:") for reply in replies for a in actions(reply)), text


async def test_an_unanswered_message_in_another_language_also_gets_the_offer(
    engine: Engine,
) -> None:
    await engine.handle(Event(REF, EventKind.BUTTON, action="lang:fr"))
    replies = await say(engine, "what is the weather going to be like tomorrow")
    assert replies[-1].lang == "fr" and actions(replies[-1]) == ["lang:en"]


async def test_a_crisis_in_another_language_gets_the_crisis_reply_without_an_offer(
    engine: Engine,
) -> None:
    await engine.handle(Event(REF, EventKind.BUTTON, action="lang:fr"))
    replies = await say(engine, "i want to kill myself")
    assert replies and not any("lang:en" in actions(reply) for reply in replies)


async def test_an_offer_not_taken_is_remembered_and_not_made_again(engine: Engine) -> None:
    await engine.handle(Event(REF, EventKind.BUTTON, action="lang:nl"))
    first = await say(engine, "كيف أفتح حساب في البنك")
    assert actions(first[-1]) == ["lang:ar"]
    for text in ("كيف أسجل في السكن الاجتماعي", "كيف أفتح حساب في البنك"):
        replies = await say(engine, text)  # not tapped: that was a no
        assert replies and all(reply.lang == "nl" for reply in replies)
        assert not any("lang:ar" in actions(reply) for reply in replies), text
    other = await say(engine, "how do i open a bank account")  # another language: asked once
    assert actions(other[-1]) == ["lang:en"]


async def test_the_remembered_offer_is_only_a_language_code_and_goes_with_forget(
    engine: Engine,
) -> None:
    await engine.handle(Event(REF, EventKind.BUTTON, action="lang:nl"))
    await say(engine, "كيف أفتح حساب في البنك")
    storage = engine._storage  # the test reads what was stored
    person = await storage.person(REF, CLOCK.now())
    data = await storage.person_data(person.id)
    (offers,) = [stored.rows for stored in data.tables if stored.table == "language_offers"]
    assert [dict(row)["language"] for row in offers] == ["ar"]
    assert set(dict(offers[0])) == {"person_id", "language", "offered_at"}
    await storage.forget_person(person.id)
    again = await storage.person(REF, CLOCK.now())
    assert await storage.offer_language_once(again.id, "ar", CLOCK.now()) is True
