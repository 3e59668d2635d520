"""Lexical scores with rapidfuzz: typos, missing accents, one-word queries, keywords.

Every topic's title, phrasings and keywords in every language are indexed after
normalisation, so "leefloon?" typed by someone who chose Arabic still scores.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from bot.content.library import ContentLibrary
from bot.understanding.normalize import normalize

Scores = npt.NDArray[np.float32]


class LexicalIndex:
    """Fuzzy similarity of a message to each topic's phrasings and keywords."""

    def __init__(
        self, library: ContentLibrary, topic_ids: list[str], keyword_min: int = 88
    ) -> None:
        self.topic_ids = topic_ids
        self._keyword_min = keyword_min
        position = {topic_id: i for i, topic_id in enumerate(topic_ids)}
        self._phrasings: list[str] = []
        self._phrasing_owner: list[int] = []
        owners: dict[str, set[int]] = defaultdict(set)
        for topic in library.topics.values():
            if topic.id not in position:
                continue  # not ranked (the crisis category replies)
            owner = position[topic.id]
            for phrasing in (topic.title, *topic.phrasings):
                normal = normalize(phrasing)
                if normal:
                    self._phrasings.append(normal)
                    self._phrasing_owner.append(owner)
            for keyword in (*topic.keywords, topic.title):
                normal = normalize(keyword)
                if len(normal) >= 3:
                    owners[normal].add(owner)
        self._keywords = list(owners)
        self._keyword_owners = [sorted(o) for o in owners.values()]
        self._owner_array = np.asarray(self._phrasing_owner)

    def phrase_scores(self, query: str) -> Scores:
        """Best whole-message similarity to any phrasing of each topic, in [0, 1]."""
        scores = np.zeros(len(self.topic_ids), np.float32)
        if not self._phrasings:
            return scores
        similarity = process.cdist([query], self._phrasings, scorer=fuzz.token_sort_ratio)[0]
        if len(query.split()) >= 3:  # long messages: shared words count, order free
            shared = process.cdist([query], self._phrasings, scorer=fuzz.token_set_ratio)[0]
            similarity = np.maximum(similarity, 0.9 * shared)
        np.maximum.at(scores, self._owner_array, similarity / 100.0)
        return scores

    def keyword_scores(self, query: str) -> Scores:
        """A keyword typed alone or inside the message; shared keywords count less."""
        scores = np.zeros(len(self.topic_ids), np.float32)
        for keyword, owners in zip(self._keywords, self._keyword_owners, strict=True):
            similarity = keyword_similarity(keyword, query, self._keyword_min)
            if similarity < self._keyword_min:
                continue
            specificity = 1.0 / len(owners) ** 0.5
            coverage = min(1.0, len(keyword) / max(len(query), 1) + 0.5)
            value = (similarity / 100.0) * specificity * coverage
            for owner in owners:
                scores[owner] = max(scores[owner], value)
        return scores

    def keywords_of(self, owner: int) -> list[str]:
        return [k for k, owners in zip(self._keywords, self._keyword_owners, strict=True)
                if owner in owners]


def keyword_similarity(keyword: str, query: str, cutoff: float = 0.0) -> float:
    """How well `keyword` appears in `query` as whole words, allowing typos in long words.

    Below `cutoff` the exact value does not matter: a fast C-level partial match rules
    most keywords out before the word-by-word comparison.
    """
    if f" {keyword} " in f" {query} ":
        return 100.0
    if len(keyword) < 5:
        return 0.0
    if cutoff and fuzz.partial_ratio(keyword, query, score_cutoff=cutoff - 10) == 0:
        return 0.0
    size = len(keyword.split())
    tokens = query.split()
    best = 0.0
    for width in {max(size - 1, 1), size, size + 1}:
        for start in range(max(len(tokens) - width + 1, 1)):
            window = " ".join(tokens[start : start + width])
            best = max(best, fuzz.ratio(keyword, window))
    return best
