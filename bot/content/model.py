"""The content's domain objects: topics, glossary entries, languages, problems.

These are plain frozen dataclasses so that the engine, the matcher and the linter can
share them without knowing where they came from (files today, a CMS later).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

SOURCE_LANGUAGE = "fr"
THEMES = ("rights", "appointments", "rules")
FUNCTIONS = ("talk-to-a-person", "change-language", "main-menu", "delete-my-data", "crisis",
             "crisis-medical", "crisis-poisoning", "crisis-violence", "crisis-suicide",
             "crisis-fire")
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Evidence:
    """One fact of an answer backed by an official page (front matter `evidence:`).

    `claim` is a few words copied from the body sentence it supports (that is how the item
    is mapped to its sentence), `quote` the exact words on the page at `url`, `seen` the
    day the page (or a stored copy of it) was read.
    """

    claim: str
    url: str
    quote: str
    seen: date


@dataclass(frozen=True)
class Topic:
    """One answer (or conversation function) in one language.

    `checked`/`checked_by` are set only when a *person* reviewed the facts (with
    `status: reviewed`); drafts have neither. `evidence` is this file's own list;
    translations also carry the French file's list in `shared_evidence`.
    """

    id: str
    lang: str
    theme: str | None
    title: str
    pictogram: str
    body: str
    phrasings: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    glossary: tuple[str, ...] = ()
    source: str | None = None
    checked: date | None = None
    checked_by: str | None = None
    status: str = "draft"
    translated_from: str | None = None
    path: Path = Path()
    body_line: int = 1
    evidence: tuple[Evidence, ...] = ()
    shared_evidence: tuple[Evidence, ...] = ()

    @property
    def is_function(self) -> bool:
        return self.theme is None

    @property
    def all_evidence(self) -> tuple[Evidence, ...]:
        """This file's evidence, then the French file's (for translations)."""
        return self.evidence + self.shared_evidence

    @property
    def source_seen(self) -> date | None:
        """When the official source was seen: what the newcomer is shown instead of a check.

        The latest `seen` of the evidence items whose url is `source`; if none cites the
        source, the latest `seen` of all items; None without evidence.
        """
        items = self.all_evidence
        on_source = [e.seen for e in items if self.source and e.url == self.source]
        dates = on_source or [e.seen for e in items]
        return max(dates) if dates else None

    @property
    def source_site(self) -> str | None:
        """The source's site for display, e.g. "wallonie.be" ("Information from …")."""
        if not self.source:
            return None
        host = urlsplit(self.source).hostname or ""
        return host.removeprefix("www.") or None


@dataclass(frozen=True)
class GlossaryEntry:
    """A hard word that answers may use, explained in plain words."""

    id: str
    term: str
    means: str


@dataclass(frozen=True)
class Language:
    """A served language: discovered from its content folder and `_language.yaml`."""

    code: str
    native_name: str
    direction: Literal["ltr", "rtl"]
    fallback: tuple[str, ...] = ()
    max_words_per_sentence: int = 15
    partial: bool = False
    telegram_codes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """One thing an editor must fix (error) or should look at (warning)."""

    path: Path
    line: int
    message: str
    hint: str = ""
    severity: Severity = "error"

    def describe(self, root: Path | None = None) -> str:
        where = self.path
        if root is not None:
            with contextlib.suppress(ValueError):
                where = self.path.resolve().relative_to(root.resolve())
        label = "ERROR" if self.severity == "error" else "warning"
        hint = f" → {self.hint}" if self.hint else ""
        return f"{where}:{self.line}: {label}: {self.message}{hint}"


@dataclass(frozen=True)
class TopicCatalogue:
    """The topic registry (`content/topics.yaml`): ids, themes and briefs."""

    themes: dict[str, tuple[str, ...]]
    functions: tuple[str, ...]
    briefs: dict[str, str] = field(default_factory=dict)

    def theme_of(self, topic_id: str) -> str | None:
        for theme, ids in self.themes.items():
            if topic_id in ids:
                return theme
        return None

    @property
    def all_ids(self) -> tuple[str, ...]:
        return tuple(i for ids in self.themes.values() for i in ids) + self.functions
