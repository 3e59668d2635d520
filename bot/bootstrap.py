"""The one place that wires configuration → storage → content → engine → channels.

Everything else receives its collaborators; nothing reaches for globals. Tests call
`build` with an in-memory database and a manual clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.i18n.catalogs import Catalogs
from bot.storage.sqlite import SqliteStorage
from bot.understanding.embeddings import Embedder, load_embedder


@dataclass
class Passerelle:
    """The wired application: what the entry points run."""

    settings: Settings
    storage: SqliteStorage
    content: ContentSource
    catalogs: Catalogs
    engine: Engine

    async def close(self) -> None:
        await self.storage.close()


def make_embedder(settings: Settings) -> Embedder | None:
    if not settings.semantic_matching:
        return None
    return load_embedder(settings.cache_dir / "embeddings.npz")


def load_content_source(settings: Settings) -> ContentSource:
    """Content and matcher; raises ContentError listing every problem."""
    return ContentSource(settings.content_dir, make_embedder(settings))


async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    content: ContentSource | None = None,
    db_path: Path | str | None = None,
) -> Passerelle:
    storage = await SqliteStorage.open(db_path if db_path is not None else settings.db_path)
    source = content or load_content_source(settings)
    catalogs = Catalogs(settings.locales_dir)
    engine = Engine(source, storage, catalogs, clock or SystemClock(), settings.default_language)
    return Passerelle(settings, storage, source, catalogs, engine)
