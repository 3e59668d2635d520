"""Semantic topic probabilities: a classifier over multilingual sentence embeddings.

Why a classifier and not nearest-phrasing: the editors' phrasings, keywords and answer
sentences in six languages are thousands of labelled examples; a logistic regression over
their multilingual-e5 vectors learns what separates topics (and gives calibrated-enough
probabilities to say "not sure"), where the single nearest phrasing is easily fooled by a
shared word like "CPAS".
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

from bot.content.library import ContentLibrary
from bot.content.sentences import split_sentences
from bot.understanding.embeddings import Embedder

REGULARISATION = 20.0
OUT_OF_SCOPE = "__out_of_scope__"


def training_examples(library: ContentLibrary) -> tuple[list[str], list[str]]:
    """(texts, topic ids): titles, phrasings, keywords and answer sentences, all languages."""
    texts: list[str] = []
    labels: list[str] = []
    for topic in library.topics.values():
        examples = [topic.title, *topic.phrasings, *topic.keywords]
        examples += split_sentences(topic.body) if topic.body else []
        for text in examples:
            if text.strip():
                texts.append(text.strip())
                labels.append(topic.id)
    for example in library.out_of_scope:
        texts.append(example)
        labels.append(OUT_OF_SCOPE)
    return texts, labels


class SemanticClassifier:
    """P(topic | message) from the embedding of the message."""

    def __init__(self, library: ContentLibrary, embedder: Embedder, topic_ids: list[str]) -> None:
        self._embedder = embedder
        texts, labels = training_examples(library)
        vectors = embedder.embed(texts)
        model = LogisticRegression(C=REGULARISATION, max_iter=3000)
        model.fit(vectors, labels)
        order = {label: i for i, label in enumerate(model.classes_)}
        self._columns = np.asarray([order.get(t, -1) for t in topic_ids])
        self._none_column = order.get(OUT_OF_SCOPE, -1)
        self._model = model

    def probabilities(self, text: str) -> tuple[npt.NDArray[np.float32], float]:
        """One probability per topic id (in the matcher's order), and P(out of scope)."""
        vector = self._embedder.embed([text])
        proba = self._model.predict_proba(vector)[0]
        out = np.where(self._columns >= 0, proba[np.maximum(self._columns, 0)], 0.0)
        none = float(proba[self._none_column]) if self._none_column >= 0 else 0.0
        return out.astype(np.float32), none
