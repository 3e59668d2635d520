"""The web point in a real browser (Debian's Chromium) with two offices: an office's URL
picks the office, and its answers show that office's address, phone and hours."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.channels.web.app import WebOptions
from bot.content.source import ContentSource
from tests.e2e.test_web_browser import PHONE, browser, playwright, press, shot
from tests.e2e.web_server import WebServer, require_chromium

__all__ = ["browser", "playwright"]  # fixtures shared with the other browser tests


@pytest.fixture(scope="module")
def server(offices_content: ContentSource, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[WebServer]:
    require_chromium()
    db = tmp_path_factory.mktemp("web-offices") / "web.sqlite3"
    running = WebServer(offices_content, db, WebOptions(poll_seconds=0.5))
    running.start_and_wait()
    yield running
    running.shutdown()


def test_an_offices_url_shows_its_details(server: WebServer, browser: Any) -> None:
    page = browser(PHONE, locale="nl-BE")
    page.goto(server.url + "/o/ocmw-gent/")
    assert page.get_by_role("button", name="ትግርኛ").count() == 1, "Gent offers Tigrinya"
    with page.expect_navigation():
        page.get_by_role("button", name="Nederlands").click()
    assert page.locator('main button[value^="office:"]').count() == 0, "not asked again"
    press(page, "theme:appointments")
    press(page, "topic:contact-social-worker")
    details = page.locator("article.block-answer .office")
    assert details.is_visible()
    text = details.inner_text()
    assert "Onderbergen 86, 9000 Gent" in text and "09 266 99 00" in text
    assert "donderdag: 09:00–12:00, 13:00–19:00" in text
    shot(page, "answer-office-nl-phone")
