"""Is this a question about another country's rules? ("le RSA en France", "kinderbijslag in
Nederland", "допомога в Польщі").

Why a rule beside the out-of-scope examples: such a question is *about* a topic Passerelle
answers (family allowance, social aid), so the topic classifier is rightly sure of the
topic and wrongly answers with the Belgian rules. What makes it out of scope is one fact the
classifier does not weigh: the place. Editors list, in `content/elsewhere.yaml`, the names of
other countries and of their institutions (CAF, UWV, Jobcenter) in every language and
script. The matcher declines ("I can answer about …", with the menu) only when such a name
is there (not as where someone comes from: "from Spain"), nothing names Belgium or "here",
and the topic is not one where another country
is part of the question (travel, family abroad, a diploma from home).

Matching is on the normalised text (bot.understanding.normalize), one word or a few words
at word boundaries; an entry ending in `*` matches any word starting with it (inflected
forms: "Польщі", "німеччині"). Arabic proclitics (و ف ب ل ك, ال) are allowed before a word.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.understanding.normalize import ARABIC_PROCLITICS, normalize

log = logging.getLogger(__name__)

ELSEWHERE_FILE = "elsewhere.yaml"
SECTIONS = ("elsewhere", "here", "origin", "abroad_topics")


def _pattern(entries: Iterable[str]) -> re.Pattern[str] | None:
    """One regular expression for a list of entries (normalised, `*` for a word prefix)."""
    parts: list[str] = []
    for entry in entries:
        prefix = entry.strip().endswith("*")
        words = normalize(entry.strip().rstrip("*")).split()
        if not words:
            continue
        body = r"\s+".join(re.escape(word) for word in words)
        arabic = any("\u0600" <= char <= "\u06ff" for char in body)
        parts.append((ARABIC_PROCLITICS if arabic else "") + body + (r"\w*" if prefix else ""))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(parts, key=len, reverse=True)) +
                      r")(?!\w)")


@dataclass(frozen=True)
class ElsewhereRule:
    """`declines(text, topic)`: True when the message asks about another country's rules."""

    elsewhere: re.Pattern[str] | None
    here: re.Pattern[str] | None
    origin: re.Pattern[str] | None  # "from", "من", "ካብ", "з" right before the country
    abroad_topics: frozenset[str]

    @classmethod
    def from_content(cls, root: Path) -> ElsewhereRule:
        """Read `content/elsewhere.yaml`; absent or broken, the rule declines nothing."""
        path = root / ELSEWHERE_FILE
        data: dict[str, Any] = {}
        if path.exists():
            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
                data = loaded if isinstance(loaded, dict) else {}
            except (OSError, yaml.YAMLError) as error:
                log.error("%s unreadable, other countries not recognised: %s", path, error)
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ElsewhereRule:
        def strings(key: str) -> list[str]:
            value = data.get(key) or []
            return [str(item) for item in value] if isinstance(value, list) else []

        origin = _pattern(strings("origin"))
        return cls(_pattern(strings("elsewhere")), _pattern(strings("here")),
                   re.compile(origin.pattern + r"\s*$") if origin else None,
                   frozenset(strings("abroad_topics")))

    def names_elsewhere(self, text: str) -> bool:
        """Another country is named and neither Belgium nor "here" is."""
        if self.elsewhere is None:
            return False
        normal = normalize(text)
        places = [found for found in self.elsewhere.finditer(normal)
                  if self.origin is None or not self.origin.search(normal[:found.start()])]
        if not places:  # none, or only where someone comes from ("i am from spain")
            return False
        return self.here is None or not self.here.search(normal)

    def declines(self, text: str, topic: str | None) -> bool:
        """True when the best topic would answer another country's question with Belgian
        rules. Topics where abroad belongs to the question are never declined."""
        return topic not in self.abroad_topics and self.names_elsewhere(text)
