"""A learned crisis detector: how likely is danger now, and of which kind?

Why a model beside the phrases: the phrase rules (`bot.understanding.crisis`) are exact
and reviewable, but every new way of saying "he is not breathing" in Darija or Tigrinya
in Latin letters needs a new rule, and the held-out splits kept finding the ones that were
missing. A classifier trained on many examples generalises over spellings and dialects.
It never silences the rules: a rule that fires decides, or asks when the model is almost
sure there is no danger (`Tuning.crisis_doubt_at`). The model adds two things:

- a **sure** estimate (P(danger) at `fire_at` or more) also sends the crisis reply;
- an **unsure** one (between `ask_at` and `fire_at`) makes the bot ask one question with
  two buttons ("Are you in danger right now?"), with 112 already on the screen. One
  ambiguous word thus never decides alone: it can at most ask.

Features, so that both scripts people really use are covered: the multilingual-e5 vector
of the message (meaning across languages) and character 2–5-grams of its crisis-normal
form and of its Latin skeleton (spellings: "ma bitnafas", "mabyetnafas", "ma byitnaffas").
Without the embedding model the character features stand alone.

Training data, all in `content/` so editors own it: `content/crisis/examples/<lang>.yaml`
(examples per category, and `not_crisis:` near misses and ordinary questions), plus every
ordinary topic's phrasings and the out-of-scope examples as "not a crisis". The fitted
model is cached per content version (our own file) like the topic classifier.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.understanding.crisis import (
    CrisisCategory,
    CrisisSignal,
    crisis_normal,
    read_yaml_folder,
    skeleton,
)
from bot.understanding.embeddings import Embedder
from bot.understanding.fit_cache import cached_fit, fit_key

log = logging.getLogger(__name__)

EXAMPLES_FOLDER = Path("crisis") / "examples"
NONE = "none"
REGULARISATION = 16.0
EMBEDDING_WEIGHT = 1.0  # the e5 block against the (L2-normalised) character block
FIRE_AT = 0.90  # P(danger): the crisis reply without asking
ASK_AT = 0.40  # P(danger): "Are you in danger right now?"
FEATURES = "chars-preprocessed"  # what the pickled vectorizer expects (part of the cache key)
_FITTED: dict[str, tuple[TfidfVectorizer, LogisticRegression]] = {}  # by content digest


@dataclass(frozen=True)
class CrisisEstimate:
    """The model's opinion on one message: P(danger now) and the likeliest kind."""

    danger: float
    category: CrisisCategory


@dataclass(frozen=True)
class CrisisAssessment:
    """What to do about danger in one message: `signal` is sure (send the crisis reply),
    `ask` is unsure (ask "Are you in danger right now?" first); both None: no danger."""

    signal: CrisisSignal | None = None
    ask: CrisisSignal | None = None


@dataclass(frozen=True)
class CrisisExamples:
    """Labelled training texts: a category value or "none" per text."""

    texts: tuple[str, ...]
    labels: tuple[str, ...]

    @classmethod
    def load(cls, folder: Path) -> CrisisExamples:
        """Read `content/crisis/examples/*.yaml`; a broken file is logged and skipped."""
        return cls.from_documents(read_yaml_folder(folder, "crisis examples"))

    @classmethod
    def from_documents(cls, documents: Mapping[str, Mapping[str, Any]]) -> CrisisExamples:
        texts: list[str] = []
        labels: list[str] = []
        known = {category.value for category in CrisisCategory} | {"not_crisis"}
        for name, data in documents.items():
            for key, values in data.items():
                if key not in known:
                    log.error("crisis examples %s: unknown section %r", name, key)
                    continue
                for text in _strings(values):
                    texts.append(text)
                    labels.append(NONE if key == "not_crisis" else str(key))
        return cls(tuple(texts), tuple(labels))

    def with_ordinary(self, ordinary: Iterable[str]) -> CrisisExamples:
        """These examples plus ordinary texts (topic phrasings) labelled "not a crisis"."""
        extra = [text for text in ordinary if text.strip()]
        return CrisisExamples(self.texts + tuple(extra), self.labels + (NONE,) * len(extra))

    def has_every_class(self) -> bool:
        return {category.value for category in CrisisCategory} | {NONE} <= set(self.labels)


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def character_form(text: str) -> str:
    """What the character n-grams read: the crisis-normal form and its Latin skeleton."""
    normal = crisis_normal(text)
    return f"{normal} | {skeleton(normal)}"


def character_vectorizer() -> TfidfVectorizer:
    """Character 2–5-grams of `character_form`, for the crisis model and the topic
    classifier alike (spellings of both scripts: "vydalyty dani", "ma bitnafas")."""
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                           min_df=2, preprocessor=character_form)


class CrisisModel:
    """`estimate(text)` → CrisisEstimate. Read-only after fitting, so thread-safe."""

    def __init__(self, examples: CrisisExamples, embedder: Embedder | None = None,
                 cache_dir: Path | None = None) -> None:
        self._embedder = embedder
        self._vectorizer, self._model = self._cached(examples, cache_dir)
        classes = [str(c) for c in self._model.classes_]
        self._none = classes.index(NONE)
        self._categories = [(i, CrisisCategory(c)) for i, c in enumerate(classes) if c != NONE]

    def _cached(self, examples: CrisisExamples, cache_dir: Path | None
                ) -> tuple[TfidfVectorizer, LogisticRegression]:
        """Fit once per content version (bot.understanding.fit_cache), and once per
        process for the same content (tests, reloads)."""
        texts = list(examples.texts)

        def fit() -> tuple[TfidfVectorizer, LogisticRegression]:
            vectorizer = character_vectorizer()
            vectorizer.fit(texts)
            vectors = self._embedder.embed(texts) if self._embedder is not None else None
            model = LogisticRegression(C=REGULARISATION, max_iter=4000,
                                       class_weight="balanced")
            model.fit(_features(vectorizer, texts, vectors), list(examples.labels))
            return vectorizer, model
        settings = (f"{REGULARISATION}|{EMBEDDING_WEIGHT}|{self._embedder is not None}|"
                    f"{sklearn.__version__}|{FEATURES}")
        key = fit_key(settings, texts, examples.labels)
        return cached_fit(cache_dir, "crisis-model", key, fit, _FITTED)

    def estimate(self, text: str) -> CrisisEstimate:
        """P(danger now) = 1 − P(not a crisis); the kind is the likeliest category."""
        vector = self._embedder.embed_query(text) if self._embedder is not None else None
        proba = self._model.predict_proba(_features(self._vectorizer, [text], vector))[0]
        _, category = max(self._categories, key=lambda item: proba[item[0]])
        return CrisisEstimate(float(1.0 - proba[self._none]), category)


def _features(vectorizer: TfidfVectorizer, texts: list[str],
              vectors: np.ndarray | None) -> sparse.csr_matrix:
    """Character n-grams, beside the e5 vectors when there are any."""
    characters = vectorizer.transform(texts)
    if vectors is None:
        return sparse.csr_matrix(characters)
    return sparse.hstack([characters, sparse.csr_matrix(EMBEDDING_WEIGHT * vectors)],
                         format="csr")


def load_crisis_model(content_root: Path, ordinary: Iterable[str],
                      embedder: Embedder | None,
                      cache_dir: Path | None = None) -> CrisisModel | None:
    """The model from the content's examples, or None when they do not cover every
    category and "not a crisis" (then the phrase rules stand alone, as before). The fit
    is kept in `cache_dir`, else in the embedder's cache folder, else in memory only."""
    examples = CrisisExamples.load(content_root / EXAMPLES_FOLDER)
    if not examples.has_every_class():
        if examples.texts:
            log.error("crisis examples miss a category: the learned crisis model is off")
        return None
    cache_dir = cache_dir or getattr(embedder, "cache_dir", None)
    return CrisisModel(examples.with_ordinary(ordinary), embedder, cache_dir)
