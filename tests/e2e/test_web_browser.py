"""The web point in a real browser: Debian's Chromium driven by Playwright, the app served
by uvicorn on 127.0.0.1. Screenshots go to var/screenshots/ (phone 390×844, tablet 820×1180).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.web.app import WebOptions
from bot.content.source import ContentSource
from bot.conversation.events import Reply
from bot.conversation.person import PersonRef
from tests.e2e.web_server import CHROMIUM, FLAGS, SCREENSHOTS, WebServer, require_chromium

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
METRICS: dict[str, Any] = {}


@pytest.fixture(scope="module")
def server(content_source: ContentSource, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[WebServer]:
    require_chromium()
    db = tmp_path_factory.mktemp("web") / "web.sqlite3"
    running = WebServer(content_source, db, WebOptions(poll_seconds=0.5, kiosk_idle_seconds=3))
    running.start_and_wait()
    yield running
    running.shutdown()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "metrics.json").write_text(json.dumps(METRICS, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture
def browser(playwright: Any, tmp_path: Path) -> Iterator[Any]:
    """A factory of fresh browser profiles (a new --user-data-dir each)."""
    contexts: list[Any] = []

    def open_page(viewport: dict[str, int] = PHONE, *, javascript: bool = True,
                  locale: str = "fr-BE") -> Any:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(contexts)}"), executable_path=CHROMIUM,
            headless=True, args=FLAGS, viewport=viewport, java_script_enabled=javascript,
            locale=locale)
        contexts.append(context)
        return context.pages[0] if context.pages else context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def press(page: Any, action: str) -> None:
    with page.expect_navigation():
        page.locator(f'main button[value="{action}"], nav button[value="{action}"]').first.click()


def axe(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the current page."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"] if v["impact"] in {"serious", "critical"}]


def weight(page: Any, url: str) -> dict[str, int]:
    """Bytes of HTML, CSS, fonts and images a fresh load of `url` downloads."""
    sizes = {"html": 0, "css": 0, "font": 0, "image": 0, "script": 0}

    def on_response(response: Any) -> None:
        kind = response.request.resource_type
        key = {"document": "html", "stylesheet": "css", "font": "font", "image": "image",
               "script": "script"}.get(kind)
        if key is not None:
            with contextlib.suppress(Exception):  # a redirect or an aborted load has no body
                sizes[key] += len(response.body())

    page.on("response", on_response)
    page.goto(url, wait_until="load")  # polling never lets the network idle
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_timeout(300)
    page.remove_listener("response", on_response)
    return sizes


def test_choose_a_language_open_a_topic_and_ask(server: WebServer, browser: Any) -> None:
    page = browser(PHONE)
    page.goto(server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    shot(page, "start-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="Français").click()
    press(page, "theme:rights")
    shot(page, "theme-fr-phone")
    started = time.perf_counter()
    press(page, "topic:rental-deposit")
    METRICS["answer_page_ms_after_click"] = round((time.perf_counter() - started) * 1000)
    answer = page.locator("article.block-answer")
    assert answer.is_visible()
    assert page.locator("article.block-answer img.pictogram").evaluate(
        "img => img.complete && img.naturalWidth > 0")
    assert page.locator("article.block-answer .source a").count() == 1
    shot(page, "answer-fr-phone")
    question = page.get_by_label("Posez votre question avec vos mots, ou choisissez un thème.")
    question.fill("mutuelle")
    started = time.perf_counter()
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer").click()
    METRICS["typed_question_ms"] = round((time.perf_counter() - started) * 1000)
    assert page.locator(".screen article").count() >= 1
    shot(page, "question-fr-phone")


def test_a_typed_script_tag_stays_text(server: WebServer, browser: Any) -> None:
    page = browser(PHONE)
    page.goto(server.url + "/")
    press(page, "lang:en")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator("#q").fill("<script>alert(1)</script><img src=x onerror=alert(2)>")
    with page.expect_navigation():
        page.locator(".askrow button").click()
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.locator(".screen script, .screen img[src='x']").count() == 0


def test_arabic_is_right_to_left_with_mirrored_navigation(server: WebServer,
                                                          browser: Any) -> None:
    for name, viewport in (("phone", PHONE), ("tablet", TABLET)):
        page = browser(viewport, locale="ar")
        page.goto(server.url + "/")
        press(page, "lang:ar")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("html").get_attribute("lang") == "ar"
        assert page.evaluate("() => getComputedStyle(document.querySelector('main')).direction"
                             ) == "rtl"
        brand = page.locator(".brand").bounding_box()
        nav = page.locator(".top nav").bounding_box()
        assert brand["x"] > nav["x"], "the brand is on the right, the menu on the left"
        shot(page, f"menu-ar-{name}")
        press(page, "theme:rights")
        press(page, "topic:rental-deposit")
        picture = page.locator("article.block-answer img.pictogram").bounding_box()
        body = page.locator("article.block-answer").bounding_box()
        assert picture["x"] + picture["width"] > body["x"] + body["width"] / 2, \
            "the pictogram starts on the right"
        shot(page, f"answer-ar-{name}")


def test_tigrinya_renders_in_the_geez_font(server: WebServer, browser: Any) -> None:
    for name, viewport in (("phone", PHONE), ("tablet", TABLET)):
        page = browser(viewport)
        page.goto(server.url + "/")
        press(page, "lang:ti")
        press(page, "theme:rights")
        press(page, "topic:rental-deposit")
        page.evaluate("() => document.fonts.ready.then(() => true)")
        family = page.evaluate(
            "() => getComputedStyle(document.querySelector('article.block-answer')).fontFamily")
        assert family.startswith('"Passerelle Ethiopic"'), family
        loaded = page.evaluate("""() => Array.from(document.fonts)
            .filter(f => f.family.replace(/"/g, '') === 'Passerelle Ethiopic'
                         && f.status === 'loaded').map(f => f.weight)""")
        assert "400" in loaded or "normal" in loaded, loaded
        assert page.evaluate("() => document.fonts.check('16px \"Passerelle Ethiopic\"', 'ሰላም')")
        shot(page, f"answer-ti-{name}")


def test_everything_works_with_javascript_off(server: WebServer, browser: Any) -> None:
    page = browser(PHONE, javascript=False)
    page.goto(server.url + "/")
    press(page, "lang:nl")
    press(page, "theme:appointments")
    topic = page.locator('main button[value^="topic:"]').first
    with page.expect_navigation():
        topic.click()
    assert page.locator("article.block-answer").is_visible()
    summary = page.locator("details.gloss summary")
    if summary.count():
        summary.first.click()
        assert page.locator("details.gloss[open]").count() == 1
    page.locator("#q").fill("huurwaarborg")
    with page.expect_navigation():
        page.locator(".askrow button").click()
    assert page.locator(".screen article").count() >= 1
    press(page, "person")
    press(page, "about:skip")
    sid = next(c["value"] for c in page.context.cookies() if c["name"] == "passerelle_sid")
    send_worker_reply(server, sid, "nl", "Hallo, ik ben Sara van het OCMW.")
    page.reload()
    assert "Hallo, ik ben Sara" in page.locator("#pushed").inner_text()
    shot(page, "nojs-worker-reply-nl-phone")


def send_worker_reply(server: WebServer, sid: str, lang: str, text: str) -> None:
    app = server.app
    assert app is not None

    async def send() -> None:
        person = await app.storage.person(PersonRef("web", sid), app.clock.now())
        await app.router.send(person, Reply("message", lang, {"text": text}))

    server.call(send())


def test_a_ticket_and_the_workers_reply_appear_without_a_refresh(server: WebServer,
                                                                 browser: Any) -> None:
    page = browser(PHONE)
    page.goto(server.url + "/")
    press(page, "lang:fr")
    press(page, "person")
    assert "[to the workers]" in server.desk.getvalue()
    press(page, "about:skip")
    assert page.locator("#pushed").is_hidden()
    sid = next(c["value"] for c in page.context.cookies() if c["name"] == "passerelle_sid")
    started = time.perf_counter()
    send_worker_reply(server, sid, "fr", "Bonjour, je suis Sara, assistante sociale.")
    page.locator("#pushed").get_by_text("je suis Sara").wait_for(timeout=10_000)
    METRICS["worker_reply_visible_ms (poll 0.5 s)"] = round((time.perf_counter() - started) * 1000)
    assert page.locator("#pushed").is_visible()
    shot(page, "ticket-worker-reply-fr-phone")


def test_kiosk_resets_to_the_language_screen_and_forgets(server: WebServer,
                                                          browser: Any) -> None:
    page = browser(TABLET)
    page.goto(server.url + "/?kiosk=1")
    assert "kiosk" in (page.locator("html").get_attribute("class") or "")
    press(page, "lang:uk")
    press(page, "theme:rights")
    first = next(c["value"] for c in page.context.cookies() if c["name"] == "passerelle_sid")
    shot(page, "kiosk-uk-tablet")
    page.wait_for_url(server.url + "/", timeout=10_000)  # 3 s without a touch
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator('button[value="lang:ti"]').is_visible()
    second = next(c["value"] for c in page.context.cookies() if c["name"] == "passerelle_sid")
    assert second != first, "a new session id"
    assert server.channel is not None and server.channel.sessions.get(first) is None
    page.go_back()
    assert page.locator('button[value="theme:rights"]').count() == 0 or \
        page.locator("html").get_attribute("lang") == "fr", "no-store: nothing to go back to"


def test_kiosk_without_javascript_uses_a_meta_refresh(server: WebServer, browser: Any) -> None:
    page = browser(TABLET, javascript=False)
    page.goto(server.url + "/?kiosk=1")
    press(page, "lang:en")
    page.wait_for_url(server.url + "/", timeout=10_000)
    assert page.locator('button[value="lang:ar"]').is_visible()


def test_no_serious_accessibility_violations(server: WebServer, browser: Any) -> None:
    page = browser(PHONE)
    found: dict[str, list[dict[str, Any]]] = {}
    page.goto(server.url + "/")
    found["start"] = axe(page)
    press(page, "lang:fr")
    found["menu"] = axe(page)
    press(page, "theme:rights")
    found["theme"] = axe(page)
    press(page, "topic:rental-deposit")
    found["answer-fr"] = axe(page)
    press(page, "languages")
    press(page, "lang:ar")
    press(page, "theme:rules")
    found["theme-ar"] = axe(page)
    press(page, "languages")
    press(page, "lang:ti")
    press(page, "theme:rights")
    press(page, "topic:rental-deposit")
    found["answer-ti"] = axe(page)
    page.locator("#q").fill("je veux me suicider")
    with page.expect_navigation():
        page.locator(".askrow button").click()
    found["crisis"] = axe(page)
    assert {name: issues for name, issues in found.items() if issues} == {}


def test_page_weights(server: WebServer, browser: Any) -> None:
    page = browser(PHONE)
    METRICS["start_page_bytes"] = weight(page, server.url + "/")
    press(page, "lang:fr")
    press(page, "theme:rights")
    press(page, "topic:rental-deposit")
    fresh = browser(PHONE)
    fresh.context.add_cookies(page.context.cookies())
    METRICS["answer_page_fr_bytes"] = weight(fresh, page.url)
    press(page, "languages")
    press(page, "lang:ti")
    press(page, "theme:rights")
    press(page, "topic:rental-deposit")
    fresh_ti = browser(PHONE)
    fresh_ti.context.add_cookies(page.context.cookies())
    METRICS["answer_page_ti_bytes"] = weight(fresh_ti, page.url)
    start = METRICS["start_page_bytes"]
    assert start["html"] + start["css"] + start["font"] < 400_000
