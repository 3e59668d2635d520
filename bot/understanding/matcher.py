"""Find the topic a typed message is about: lexical fuzzy matching plus embeddings.

Why hybrid: rapidfuzz catches typos, missing accents and one-word queries ("mutuelle",
"leefloon?") against the editors' keywords and phrasings; the multilingual embedding
catches paraphrases and questions typed in another language. Every language's phrasings
are indexed, so a Dutch question finds the topic and is answered in the chosen language.
The matcher prefers "did you mean" over a confident wrong answer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from bot.content.library import ContentLibrary
from bot.understanding.embeddings import Embedder, Vectors
from bot.understanding.language_names import LanguageNames
from bot.understanding.normalize import normalize

CRISIS = "crisis"
CHANGE_LANGUAGE = "change-language"


@dataclass(frozen=True)
class MatchResult:
    """What the bot would do with a message.

    `topic` is answered directly; None means "did you mean" (when `alternatives` is not
    empty) or "I don't know". `language` is set when the message names a language.
    """

    topic: str | None
    score: float
    alternatives: tuple[str, ...] = ()
    language: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"topic": self.topic, "score": round(self.score, 4),
                "alternatives": list(self.alternatives)}


@dataclass(frozen=True)
class Tuning:
    """Thresholds and weights, measured on the development set with `make bench`."""

    answer_at: float = 0.60
    suggest_at: float = 0.42
    margin: float = 0.05
    embedding_weight: float = 0.55
    embedding_floor: float = 0.78
    embedding_ceiling: float = 0.93
    keyword_min: int = 88
    crisis_keyword_min: int = 90
    max_query_chars: int = 400


@dataclass
class _Index:
    topic_ids: list[str] = field(default_factory=list)
    phrasing_texts: list[str] = field(default_factory=list)
    phrasing_topics: list[int] = field(default_factory=list)
    keyword_texts: list[str] = field(default_factory=list)
    keyword_topics: list[list[int]] = field(default_factory=list)
    vectors: Vectors | None = None
    vector_topics: np.ndarray | None = None


class Matcher:
    """Ranks topics for a message. Build once per content version; matching is read-only."""

    def __init__(
        self,
        library: ContentLibrary,
        embedder: Embedder | None = None,
        tuning: Tuning | None = None,
    ) -> None:
        self._tuning = tuning or Tuning()
        self._embedder = embedder
        self._index = self._build(library)
        extra_names = {code: tuple(lang.names) for code, lang in library.languages.items()}
        self.language_names = LanguageNames(sorted(library.languages), extra_names)

    def _build(self, library: ContentLibrary) -> _Index:
        index = _Index()
        index.topic_ids = sorted({topic_id for (_, topic_id) in library.topics})
        position = {topic_id: i for i, topic_id in enumerate(index.topic_ids)}
        keyword_owners: dict[str, set[int]] = defaultdict(set)
        passages: list[str] = []
        passage_topics: list[int] = []
        for topic in library.topics.values():
            owner = position[topic.id]
            for phrasing in (topic.title, *topic.phrasings):
                normal = normalize(phrasing)
                if normal:
                    index.phrasing_texts.append(normal)
                    index.phrasing_topics.append(owner)
                    passages.append(phrasing)
                    passage_topics.append(owner)
            for keyword in (*topic.keywords, topic.title):
                normal = normalize(keyword)
                if len(normal) >= 3:
                    keyword_owners[normal].add(owner)
        index.keyword_texts = list(keyword_owners)
        index.keyword_topics = [sorted(owners) for owners in keyword_owners.values()]
        if self._embedder is not None and passages:
            index.vectors = self._embedder.embed([_passage(p) for p in passages])
            index.vector_topics = np.asarray(passage_topics)
        return index

    @property
    def semantic(self) -> bool:
        return self._index.vectors is not None

    def scores(self, text: str) -> dict[str, float]:
        """Combined score in [0, 1] for every topic (higher is better)."""
        tuning = self._tuning
        query = normalize(text[: tuning.max_query_chars])
        index = self._index
        count = len(index.topic_ids)
        if not query or count == 0:
            return {}
        lexical = np.zeros(count, np.float32)
        phrase_scores = process.cdist([query], index.phrasing_texts, scorer=_phrase_similarity)[0]
        np.maximum.at(lexical, np.asarray(index.phrasing_topics), phrase_scores / 100.0)
        keyword = self._keyword_scores(query)
        lexical = np.maximum(lexical, keyword)
        if index.vectors is None or index.vector_topics is None or self._embedder is None:
            return dict(zip(index.topic_ids, lexical.tolist(), strict=True))
        query_vector = self._embedder.embed([_passage(text[: tuning.max_query_chars])])[0]
        similarity = index.vectors @ query_vector
        semantic = np.zeros(count, np.float32)
        np.maximum.at(semantic, index.vector_topics, similarity)
        span = tuning.embedding_ceiling - tuning.embedding_floor
        semantic = np.clip((semantic - tuning.embedding_floor) / span, 0.0, 1.0)
        weight = tuning.embedding_weight
        combined = weight * semantic + (1 - weight) * lexical
        combined = np.maximum(combined, keyword * 0.9)
        return dict(zip(index.topic_ids, combined.tolist(), strict=True))

    def _keyword_scores(self, query: str) -> np.ndarray:
        """A keyword typed alone or inside the message, allowing small typos."""
        index = self._index
        scores = np.zeros(len(index.topic_ids), np.float32)
        for keyword, owners in zip(index.keyword_texts, index.keyword_topics, strict=True):
            similarity = _keyword_similarity(keyword, query)
            if similarity < self._tuning.keyword_min:
                continue
            specificity = 1.0 / len(owners) ** 0.5
            coverage = min(1.0, len(keyword) / max(len(query), 1) + 0.5)
            value = (similarity / 100.0) * specificity * coverage
            for owner in owners:
                scores[owner] = max(scores[owner], value)
        return scores

    def is_crisis(self, text: str) -> bool:
        """Words of immediate danger, in any served language, anywhere in the message."""
        query = normalize(text[: self._tuning.max_query_chars])
        crisis = self._index.topic_ids.index(CRISIS) if CRISIS in self._index.topic_ids else -1
        if crisis < 0 or not query:
            return False
        for keyword, owners in zip(
            self._index.keyword_texts, self._index.keyword_topics, strict=True
        ):
            if crisis in owners and _keyword_similarity(keyword, query) >= self._tuning.crisis_keyword_min:
                return True
        return False

    def match(self, text: str) -> MatchResult:
        """Decide: answer directly, suggest up to three, or admit not knowing."""
        tuning = self._tuning
        language = self.language_names.find(text)
        if language is not None:
            return MatchResult(CHANGE_LANGUAGE, 1.0, (), language)
        if self.is_crisis(text):
            return MatchResult(CRISIS, 1.0)
        ranked = sorted(self.scores(text).items(), key=lambda item: item[1], reverse=True)
        if not ranked:
            return MatchResult(None, 0.0)
        best_id, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if best_id == CRISIS and best >= tuning.suggest_at:
            return MatchResult(CRISIS, best)
        close = [tid for tid, score in ranked[:3] if score >= tuning.suggest_at
                 and score >= best - 0.15]
        if best >= tuning.answer_at and best - runner_up >= tuning.margin:
            others = tuple(tid for tid, _ in ranked[1:4])
            return MatchResult(best_id, best, others)
        if best >= tuning.suggest_at:
            return MatchResult(None, best, tuple(close))
        return MatchResult(None, best, ())


def _passage(text: str) -> str:
    return text.strip()


def _phrase_similarity(query: str, phrasing: str, **_: object) -> float:
    """Whole-message similarity: word order free, tolerant of typos."""
    return float(max(fuzz.token_sort_ratio(query, phrasing), 0.9 * fuzz.token_set_ratio(query, phrasing)
                     if len(query.split()) >= 3 else 0.0))


def _keyword_similarity(keyword: str, query: str) -> float:
    """How well `keyword` appears in `query` as whole words, allowing typos in long words."""
    if f" {keyword} " in f" {query} ":
        return 100.0
    if len(keyword) < 5:
        return 0.0
    size = len(keyword.split())
    tokens = query.split()
    best = 0.0
    for width in {max(size - 1, 1), size, size + 1}:
        for start in range(max(len(tokens) - width + 1, 1)):
            window = " ".join(tokens[start : start + width])
            best = max(best, fuzz.ratio(keyword, window))
    return best
