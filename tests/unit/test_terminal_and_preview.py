"""The terminal channel and the reviewers' preview use the same engine as Telegram."""

from __future__ import annotations

import io
from pathlib import Path

from bot.bootstrap import build
from bot.channels.preview import page, preview_topic
from bot.channels.terminal import TerminalChat
from bot.config import Settings
from bot.content.source import ContentSource
from tests.databases import fresh_database


async def test_terminal_chat_numbers_buttons_and_answers(content_source: ContentSource) -> None:
    app = await build(Settings(), content=content_source, db_path=await fresh_database())
    out = io.StringIO()
    chat = TerminalChat(app.engine, language="fr", out=out)
    lines = io.StringIO("1\nmutuelle\n/menu\n")
    await chat.run(lines)
    await app.close()
    text = out.getvalue()
    assert "[1] 📜" in text, "the menu's first button is numbered"
    assert text.count("[pictogram: ") == 1, "'mutuelle' got one answer with its pictogram"
    assert text.rstrip().endswith(">"), "the chat waits for the next line after the menu"


async def test_preview_renders_a_phone_page_with_picture_and_direction(
    content_source: ContentSource, tmp_path: Path
) -> None:
    app = await build(Settings(), content=content_source, db_path=await fresh_database())
    replies = await preview_topic(app.engine, "rental-deposit", "ar")
    await app.close()
    html = page(replies, content_source.current.library.pictograms, "ar", "rental-deposit")
    assert 'dir="rtl"' in html and "data:image/png;base64," in html
    assert "<script" not in html
