"""The loaded, validated content that the engine reads from.

It answers "which text do I show this person for this topic?" including the fallback
chain (ti → en → fr) and whether a translation is older than its French source.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.content.model import SOURCE_LANGUAGE, GlossaryEntry, Language, Topic, TopicCatalogue
from bot.offices.model import Offices


def source_hash(topic: Topic) -> str:
    """Version of a French answer: changes whenever its title or body changes."""
    digest = hashlib.sha256(f"{topic.title}\n{topic.body.strip()}".encode()).hexdigest()
    return f"{SOURCE_LANGUAGE}@{digest[:10]}"


@dataclass(frozen=True)
class ServedTopic:
    """A topic as it will be shown: possibly from a fallback language or outdated."""

    topic: Topic
    requested_lang: str

    @property
    def is_fallback(self) -> bool:
        return self.topic.lang != self.requested_lang


@dataclass(frozen=True)
class ContentLibrary:
    """All topics in all languages, plus glossaries, pictograms and the content version."""

    root: Path
    catalogue: TopicCatalogue
    languages: dict[str, Language]
    topics: dict[tuple[str, str], Topic]
    glossaries: dict[str, dict[str, GlossaryEntry]]
    pictograms: dict[str, Path]
    version: str
    pictogram_emoji: dict[str, str]
    out_of_scope: tuple[str, ...] = ()
    offices: Offices = field(default_factory=Offices)
    # (office, lang, topic id) → the answer as an office's people see it (content/local/)
    local: dict[tuple[str, str, str], Topic] = field(default_factory=dict)
    local_written: tuple[Topic, ...] = ()  # the local files as written, for the linter

    def served(self, lang: str, topic_id: str, office: str | None = None) -> ServedTopic | None:
        """The topic in `lang`, else along the language's fallback chain; in each language
        the office's local answer first, when `office` has one."""
        for candidate in self.chain(lang):
            topic = self.local.get((office, candidate, topic_id)) if office else None
            topic = topic or self.topics.get((candidate, topic_id))
            if topic is not None:
                return ServedTopic(topic=topic, requested_lang=lang)
        return None

    def chain(self, lang: str) -> tuple[str, ...]:
        language = self.languages.get(lang)
        chain = (lang, *(language.fallback if language else ()), SOURCE_LANGUAGE)
        return tuple(dict.fromkeys(chain))

    def is_outdated(self, topic: Topic) -> bool:
        """True when a translation was made from an older French version."""
        if topic.lang == SOURCE_LANGUAGE:
            return False
        source = self.topics.get((SOURCE_LANGUAGE, topic.id))
        if source is None or topic.translated_from is None:
            return False  # unknown is reported by `content check`, not guessed at the person
        return topic.translated_from != source_hash(source)

    def glossary_entry(self, lang: str, entry_id: str) -> GlossaryEntry | None:
        for candidate in self.chain(lang):
            entry = self.glossaries.get(candidate, {}).get(entry_id)
            if entry is not None:
                return entry
        return None

    def theme_topics(self, theme: str) -> tuple[str, ...]:
        return self.catalogue.themes.get(theme, ())

    @property
    def latest_checked(self) -> date | None:
        """The most recent review by a person (None while every answer is a draft)."""
        dates = [t.checked for t in self.topics.values() if t.checked is not None]
        return max(dates) if dates else None

    @property
    def latest_seen(self) -> date | None:
        """The most recent day an official page of the evidence was seen (for /about)."""
        dates = [seen for t in self.topics.values() if (seen := t.source_seen) is not None]
        return max(dates) if dates else None

    def topics_in(self, lang: str) -> list[Topic]:
        return [t for (code, _), t in self.topics.items() if code == lang]
