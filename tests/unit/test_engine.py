"""The engine driven directly: a manual clock, an in-memory store, the real content."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from bot.content.library import source_hash
from bot.content.source import ContentSource
from bot.content.stamp import write_translated_from
from bot.conversation.engine import Engine
from bot.domain.messages import Event, EventKind, Reply
from bot.domain.people import PersonRef
from bot.i18n.catalogs import Catalogs
from bot.storage.sqlite import SqlStorage
from bot.understanding.crisis import CrisisCategory
from bot.understanding.crisis_model import ASK_AT, FIRE_AT, CrisisEstimate
from tests.databases import fresh_storage
from tests.factory import CONTENT, topic_file

REF = PersonRef("test", "1")
CLOCK = ManualClock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))


@pytest_asyncio.fixture
async def engine(content_source: ContentSource) -> AsyncIterator[Engine]:
    storage = await fresh_storage()
    yield Engine(content_source, storage, Catalogs(PROJECT_ROOT / "locales"), CLOCK)
    await storage.close()


def actions(reply: Reply) -> list[str]:
    return [button.action for row in reply.buttons for button in row]


def labels(reply: Reply) -> list[str]:
    return [button.label for row in reply.buttons for button in row]


async def press(engine: Engine, action: str) -> list[Reply]:
    return await engine.handle(Event(REF, EventKind.BUTTON, action=action))


async def say(engine: Engine, text: str) -> list[Reply]:
    return await engine.handle(Event(REF, EventKind.TEXT, text=text))


async def test_start_preselects_the_telegram_language(engine: Engine) -> None:
    replies = await engine.handle(Event(REF, EventKind.COMMAND, command="start",
                                        language_hint="ar"))
    greeting, picker = replies
    assert greeting.lang == "ar"
    assert labels(picker)[0] == "✓ العربية"
    assert "lang:ti" in actions(picker) and "lang:uk" in actions(picker)


async def test_theme_lists_its_topics_in_registry_order(engine: Engine) -> None:
    await press(engine, "lang:fr")
    (theme,) = await press(engine, "theme:appointments")
    topics = [a for a in actions(theme) if a.startswith("topic:")]
    assert topics == ["topic:first-appointment", "topic:documents-to-bring",
                      "topic:reschedule-or-cancel", "topic:contact-social-worker",
                      "topic:appointment-reminders"]


async def test_answer_has_pictogram_source_date_feedback_and_related(engine: Engine) -> None:
    await press(engine, "lang:nl")
    (answer,) = await press(engine, "topic:rental-deposit")
    assert answer.template == "answer" and answer.image == "key"
    assert str(answer.context["source"]).startswith("https://")
    assert answer.context["checked_label"] == "Informatie van", "no check claimed for a draft"
    site, _sep, seen = str(answer.context["checked"]).partition(", ")
    assert site and site in str(answer.context["source"]) and "20" in seen
    assert {"fb:rental-deposit:1", "fb:rental-deposit:0", "menu", "person"} <= set(
        actions(answer))
    assert any(a.startswith("topic:") for a in actions(answer))


async def test_feedback_and_views_are_stored_without_message_text(engine: Engine) -> None:
    await press(engine, "lang:fr")
    await say(engine, "garantie locative")
    await press(engine, "fb:rental-deposit:0")
    storage: SqlStorage = engine._storage  # type: ignore[assignment]
    person = await storage.person(REF, CLOCK.now())
    assert await storage.recent_views(person.id) == ["rental-deposit"]
    assert await storage.feedback_counts() == {("rental-deposit", False): 1}
    rows = await storage.query("SELECT * FROM people")
    stored = " ".join(str(v) for row in rows for v in tuple(row))
    assert "garantie" not in stored


async def test_glossary_button_explains_a_word(engine: Engine) -> None:
    await press(engine, "lang:fr")
    (answer,) = await press(engine, "topic:integration-contract")
    glossary = [a for a in actions(answer) if a.startswith("gloss:")]
    assert glossary
    (explanation,) = await press(engine, glossary[0])
    assert explanation.template == "glossary" and explanation.context["means"]


async def test_crisis_words_come_first_whatever_the_state(engine: Engine) -> None:
    await press(engine, "lang:uk")
    await press(engine, "theme:rules")
    replies = await say(engine, "I want to kill myself")
    assert replies[0].template == "crisis"
    assert "112" in str(replies[0].context["numbers"])
    assert "person:crisis" in actions(replies[0])


async def test_two_failures_offer_a_person(engine: Engine) -> None:
    await press(engine, "lang:fr")
    first = await say(engine, "xqzv blorf")
    assert "person" in actions(first[0])
    second = await say(engine, "wxcv plomk")
    assert len(second) == 2 and actions(second[-1]) == ["person:failed"]


async def test_delete_my_data_asks_then_forgets(engine: Engine) -> None:
    await press(engine, "lang:fr")
    (confirm,) = await say(engine, "supprimer mes données")
    assert confirm.template == "confirm" and "forget:yes" in actions(confirm)
    await press(engine, "forget:yes")
    replies = await engine.handle(Event(REF, EventKind.COMMAND, command="menu",
                                        language_hint="en"))
    assert replies[0].lang == "en", "the chosen language was forgotten"


async def test_unknown_button_and_failures_never_raise(engine: Engine) -> None:
    await press(engine, "lang:fr")
    (_notice, menu) = await press(engine, "topic-nonsense:¿")
    assert "theme:rights" in actions(menu)

    class BrokenStore:
        async def person(self, *_: object) -> None:
            raise RuntimeError("disk full")

    broken = Engine(engine._content, BrokenStore(), engine._catalogs, CLOCK)  # type: ignore[arg-type]
    (apology,) = await broken.handle(Event(REF, EventKind.TEXT, text="bonjour"))
    assert apology.template == "message" and "menu" in actions(apology)


async def test_about_shows_the_content_version(engine: Engine,
                                               content_source: ContentSource) -> None:
    (about,) = await engine.handle(Event(REF, EventKind.COMMAND, command="about"))
    assert content_source.current.library.version in str(about.context["text"])


async def test_fallback_language_and_outdated_translation_are_announced(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    de = root / "de"
    de.mkdir()
    (de / "_language.yaml").write_text("fallback: [en, fr]\npartial: true\n")
    (de / "bank-account.md").write_text(topic_file("bank-account", title="Bankkonto",
                                                   body="Jeder hat ein Recht auf ein Konto.",
                                                   pictogram="bank"))
    french = root / "fr" / "bank-account.md"
    french.write_text(french.read_text().replace("banque", "banque (changed)", 1))
    source = ContentSource(root, embedder=None)
    write_translated_from(root / "nl" / "bank-account.md", "fr@0000000000")
    source = ContentSource(root, embedder=None)
    storage = await fresh_storage()
    engine = Engine(source, storage, Catalogs(PROJECT_ROOT / "locales"), CLOCK)
    await press(engine, "lang:de")
    (fallback,) = await press(engine, "topic:rental-deposit")
    assert fallback.lang == "en" and fallback.context["notices"]
    (own,) = await press(engine, "topic:bank-account")
    assert own.context["title"] == "Bankkonto" and not own.context["notices"]
    await press(engine, "lang:nl")
    (outdated,) = await press(engine, "topic:bank-account")
    assert outdated.context["notices"], "a translation older than the French is flagged"
    library = source.current.library
    assert library.is_outdated(library.topics[("nl", "bank-account")])
    fresh = source_hash(library.topics[("fr", "bank-account")])
    assert fresh.startswith("fr@")
    await storage.close()


async def test_the_crisis_answer_fits_the_danger_in_any_state_and_in_captions(
    engine: Engine,
) -> None:
    await press(engine, "lang:fr")
    (poisoning,) = await say(engine, "mon fils a bu de l'eau de javel")
    assert poisoning.template == "crisis" and "070 245 245" in str(poisoning.context["body"])
    assert "1813" not in str(poisoning.context["numbers"]), "no suicide line for a poisoning"
    (suicide,) = await say(engine, "je veux mourir, je vais me tuer ce soir")
    assert "1813" in str(suicide.context["numbers"])
    replies = await engine.handle(Event(REF, EventKind.MEDIA, media="photo",
                                        text="il ne respire plus, aidez moi"))
    assert replies[0].template == "crisis" and "112" in str(replies[0].context["numbers"])
    (photo,) = await engine.handle(Event(REF, EventKind.MEDIA, media="photo", text="ma carte"))
    assert photo.template != "crisis", "an ordinary caption is not an emergency"


class _UnsureModel:
    """The crisis model unsure (P(danger) between asking and replying), whatever the text."""

    def estimate(self, text: str) -> CrisisEstimate:
        return CrisisEstimate((ASK_AT + FIRE_AT) / 2, CrisisCategory.MEDICAL)


async def test_an_unsure_crisis_model_asks_once_and_both_answers_lead_on(
    engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    matcher = engine.replies.snapshot.matcher
    monkeypatch.setattr(matcher, "crisis_model", _UnsureModel())
    await press(engine, "lang:ar")
    (question,) = await say(engine, "garantie locative cpas")
    assert "112" in question.context["text"] and "خطر" in question.context["text"]
    assert actions(question) == ["topic:crisis-medical", "topic:rental-deposit"]
    (crisis,) = await press(engine, "topic:crisis-medical")
    assert crisis.template == "crisis" and "112" in str(crisis.context["numbers"])
    answer = await press(engine, "topic:rental-deposit")
    assert answer[0].template == "answer"
    (unknown,) = await say(engine, "zzzz qqqq")
    assert "topic:crisis-medical" in actions(unknown) and "menu" in actions(unknown)
