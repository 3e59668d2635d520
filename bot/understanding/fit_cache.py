"""Fitted models kept on disk, one file per content version.

Why: fitting the topic classifier and the crisis model takes from seconds to minutes;
the content changes only through a pull request. So a fit is keyed by everything it
learns from (settings, library versions, every labelled text) and pickled into the
cache folder. Only files this program wrote are read back. Several processes may share
the folder (the tests start many), so each writes its own temporary file and renames it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Callable, Iterable, MutableMapping
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

Fitted = TypeVar("Fitted")


def fit_key(settings: str, texts: Iterable[str], labels: Iterable[str]) -> str:
    """A short digest of what a model learns from: change one text, get another file."""
    digest = hashlib.sha256(settings.encode())
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"{label}\t{text}\n".encode())
    return digest.hexdigest()[:16]


def cached_fit(cache_dir: Path | None, name: str, key: str, fit: Callable[[], Fitted],
               memo: MutableMapping[str, Any] | None = None) -> Fitted:
    """`fit()` once per key: from `memo` (this process), else `<name>-<key>.pkl` in the
    cache folder, else fitted now and written there. An unreadable file is fitted again."""
    if memo is not None and key in memo:
        found: Fitted = memo[key]
        return found
    path = cache_dir / f"{name}-{key}.pkl" if cache_dir else None
    fitted: Fitted | None = None
    if path is not None and path.exists():
        try:
            with path.open("rb") as handle:
                fitted = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as error:
            log.warning("%s cache unreadable, fitting again: %s", name, error)
    if fitted is None:
        fitted = fit()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            with temporary.open("wb") as handle:
                pickle.dump(fitted, handle)
            temporary.replace(path)
    if memo is not None:
        memo[key] = fitted
    return fitted
