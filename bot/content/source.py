"""The content currently served, swapped atomically when editors publish a change.

A running bot reloads on SIGHUP or when a file under `content/` changes. If the new
content has errors, it keeps serving the last good version and logs every problem.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.content.library import ContentLibrary
from bot.content.loader import load_content
from bot.content.model import Problem
from bot.domain.errors import PasserelleError
from bot.understanding.embeddings import Embedder
from bot.understanding.matcher import Matcher

log = logging.getLogger(__name__)


class ContentError(PasserelleError):
    """The content cannot be served; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} content problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class Snapshot:
    library: ContentLibrary
    matcher: Matcher


def build_snapshot(root: Path, embedder: Embedder | None,
                   cache_dir: Path | None = None) -> Snapshot:
    """Load and validate content and build its matcher, or raise ContentError. Fitted
    models are kept in `cache_dir` (default: the embedder's cache folder)."""
    library, problems = load_content(root)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ContentError(errors)
    matcher = Matcher(library, embedder, cache_dir=cache_dir)
    save = getattr(embedder, "save", None)
    if callable(save):
        save()
    return Snapshot(library, matcher)


class ContentSource:
    """Gives the engine the current snapshot; reloads without a restart."""

    def __init__(self, root: Path, embedder: Embedder | None,
                 cache_dir: Path | None = None) -> None:
        self._root = root
        self._embedder = embedder
        self._cache_dir = cache_dir
        self._snapshot = build_snapshot(root, embedder, cache_dir)

    @property
    def current(self) -> Snapshot:
        return self._snapshot

    async def reload(self) -> bool:
        """Try the content on disk now; on failure keep serving the last good one."""
        try:
            snapshot = await asyncio.to_thread(build_snapshot, self._root, self._embedder,
                                             self._cache_dir)
        except ContentError as error:
            log.error("new content refused, still serving %s:", self._snapshot.library.version)
            for problem in error.problems:
                log.error("  %s", problem.describe(self._root))
            return False
        except Exception as error:  # a file the checks did not foresee: still no outage
            log.error("new content refused (%s: %s), still serving %s", type(error).__name__,
                      error, self._snapshot.library.version)
            return False
        self._snapshot = snapshot
        log.info("content reloaded: version %s", snapshot.library.version)
        return True

    async def watch(self) -> None:
        """Reload whenever a content file changes (runs until cancelled)."""
        from watchfiles import awatch

        async for _changes in awatch(self._root, debounce=1000):
            await self.reload()
