"""Shared fixtures: the loopback Bot API server and the real content, built once."""

pytest_plugins = ["tests.fakes.fixtures"]

import pytest  # noqa: E402

from bot.bootstrap import make_embedder  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.content.source import ContentSource  # noqa: E402
from tests.factory import CONTENT  # noqa: E402


@pytest.fixture(scope="session")
def content_source() -> ContentSource:
    """The real content with the real matcher (embeddings cached under var/cache)."""
    return ContentSource(CONTENT, make_embedder(Settings()))


@pytest.fixture(scope="session")
def offices_content(tmp_path_factory: pytest.TempPathFactory) -> ContentSource:
    """The real content plus the two example offices and their local answer
    (docs/examples/): content/ linked file by file, offices/ and local/ added."""
    from tests.factory import with_example_offices

    return ContentSource(with_example_offices(tmp_path_factory.mktemp("offices") / "content"),
                         make_embedder(Settings()))
