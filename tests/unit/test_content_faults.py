"""Content reloads that go wrong keep the last good content, and say why (issue 12)."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest

from bot.content.loader import NOT_UTF8
from bot.content.source import ContentError, ContentSource
from tests.factory import CONTENT


@pytest.mark.parametrize(("name", "data"), [
    ("fr/rental-deposit.md", b"\xff\xfe\x00 not text"),  # saved as UTF-16 or binary
    ("nl/bank-account.md", b"---\nid: bank-account\ntitle: \xe9\n---\n"),  # Latin-1
    ("fr/glossary.yaml", b"\xff\xfe"),
    ("fr/_language.yaml", b"a: [unclosed"),
    ("topics.yaml", b"{{{{"),
    ("fr/rental-deposit.md", b""),
])
def test_a_broken_file_is_refused_and_the_last_good_content_served(
    tmp_path: Path, name: str, data: bytes, caplog: pytest.LogCaptureFixture,
) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    source = ContentSource(root, embedder=None)
    good = source.current
    (root / name).write_bytes(data)
    with caplog.at_level(logging.ERROR):
        assert asyncio.run(source.reload()) is False
    assert source.current is good
    assert caplog.records and not any(r.exc_info for r in caplog.records), "said, no traceback"


def test_a_file_not_in_utf8_is_an_editors_problem_not_a_crash(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    (root / "fr" / "rental-deposit.md").write_bytes("---\ntitle: Caution é\n---\n"
                                                    .encode("latin-1"))
    with pytest.raises(ContentError) as refused:
        ContentSource(root, embedder=None)
    assert any(p.message == NOT_UTF8 and p.path.name == "rental-deposit.md"
               for p in refused.value.problems)
