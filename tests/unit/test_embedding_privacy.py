"""Nothing a person typed is written to disk by the matcher (only content phrasings are)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from bot.understanding.embeddings import E5Embedder


def _fake_encode(texts: list[str], is_query: bool = True) -> np.ndarray:
    return np.asarray([[float(len(t)), 1.0] for t in texts], np.float32)


def test_typed_messages_stay_in_a_small_memory_cache_and_never_reach_the_disk(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "embeddings.npz"
    embedder = E5Embedder(cache)
    embedder._encode = _fake_encode  # the model itself is not what this test is about
    embedder.embed(["garantie locative"])  # a content phrasing
    embedder.query_cache_size = 2
    for typed in ("my husband hits me", "ma caution", "je veux parler à Marie"):
        assert embedder.embed_query(typed).shape == (1, 2)
    embedder.save()
    with np.load(cache) as stored:
        keys = set(stored.files)
    assert hashlib.sha1(b"garantie locative").hexdigest() in keys
    assert len(keys) == 1, "only the content phrasing is on disk"
    assert len(embedder._queries) == 2, "the query cache forgets the oldest"
