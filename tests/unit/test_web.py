"""The web information point: pages, escaping, direction, JS-off flows, tickets, kiosk."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio

from bot.bootstrap import Passerelle, build, wire_escalation
from bot.channels.terminal import ConsoleDesk
from bot.channels.web.app import WebChannel, WebOptions, web_channel
from bot.config import Settings
from bot.content.source import ContentSource
from bot.domain.messages import Reply
from bot.domain.people import PersonRef
from tests.databases import fresh_database

TOKEN = re.compile(r'name="t" value="([0-9a-f]+)"')


@dataclass
class Web:
    app: Passerelle
    channel: WebChannel
    client: httpx.AsyncClient
    desk: io.StringIO

    async def get(self, url: str = "/") -> httpx.Response:
        response = await self.client.get(url, follow_redirects=True)
        assert response.status_code == 200, response.text[:300]
        return response

    def token(self, html: str) -> str:
        found = TOKEN.search(html)
        assert found, "every page carries the form token"
        return found.group(1)

    async def press(self, action: str) -> str:
        page = (await self.get()).text
        response = await self.client.post("/act", data={"a": action, "t": self.token(page)},
                                          follow_redirects=True)
        assert response.status_code == 200, response.text[:300]
        return response.text

    async def ask(self, text: str) -> str:
        page = (await self.get()).text
        response = await self.client.post("/ask", data={"q": text, "t": self.token(page)},
                                          follow_redirects=True)
        assert response.status_code == 200, response.text[:300]
        return response.text

    def sid(self) -> str:
        value = self.client.cookies.get("passerelle_sid")
        assert value
        return value


async def _web(content_source: ContentSource, options: WebOptions | None = None
               ) -> tuple[Passerelle, WebChannel, io.StringIO]:
    app = await build(Settings(), content=content_source, db_path=await fresh_database())
    desk = io.StringIO()
    wire_escalation(app, ConsoleDesk(desk))
    return app, web_channel(app, options), desk


@pytest_asyncio.fixture
async def web(content_source: ContentSource) -> AsyncIterator[Web]:
    app, channel, desk = await _web(content_source)
    transport = httpx.ASGITransport(app=channel.asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Web(app, channel, client, desk)
    await app.close()


async def test_start_page_lists_languages_by_native_name_with_headers(web: Web) -> None:
    response = await web.get()
    html = response.text
    for name in ("Français", "Nederlands", "العربية", "ትግርኛ", "English", "Українська"):
        assert name in html
    assert '<html lang="fr" dir="ltr"' in html
    assert 'name="a" value="lang:ar" class="b b-lang" lang="ar"' in html
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "<script src=\"/static/app.js\" defer></script>" in html
    assert "<script>" not in html, "no inline script (CSP)"


async def test_language_themes_topics_and_an_answer_without_javascript(web: Web) -> None:
    html = await web.press("lang:fr")
    assert 'value="theme:rights"' in html
    html = await web.press("theme:rights")
    assert 'value="topic:rental-deposit"' in html
    assert re.search(r'<img src="/pictograms/[a-z-]+\.svg" alt=""', html), "topic pictograms"
    html = await web.press("topic:rental-deposit")
    assert 'class="block block-answer"' in html
    assert 'class="pictogram" src="/pictograms/' in html
    assert '<h2 class="title">' in html
    assert 'class="source"' in html
    assert 'value="person"' in html, "talk to a person"
    picture = re.search(r'class="pictogram" src="(/pictograms/[^"]+)"', html)
    assert picture
    served = await web.client.get(picture.group(1))
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/")


async def test_glossary_words_are_explained_in_place(web: Web) -> None:
    await web.press("lang:fr")
    library = web.app.content.current.library
    topic = next(t for t in library.topics_in("fr") if t.glossary and not t.is_function)
    html = await web.press(f"topic:{topic.id}")
    assert '<details class="gloss"><summary>❓ ' in html
    assert 'value="gloss:' not in html


async def test_a_typed_script_tag_is_escaped(web: Web) -> None:
    await web.press("lang:fr")
    html = await web.ask("<script>alert(1)</script>")
    assert "<script>alert" not in html
    assert 'class="block' in html, "the engine answered (did you mean / not understood)"


async def test_a_question_is_matched_and_crisis_comes_first(web: Web) -> None:
    await web.press("lang:fr")
    html = await web.ask("mutuelle")
    assert "block-answer" in html or "Did you mean" in html or 'value="topic:' in html
    html = await web.ask("je veux me suicider")
    screen = html.split('class="screen"', 1)[1]
    first = re.search(r'class="block block-([a-z]+)"', screen)
    assert first and first.group(1) == "crisis", "the crisis answer comes first"
    assert "112" in screen


async def test_arabic_is_right_to_left_and_tigrinya_has_its_lang(web: Web) -> None:
    html = await web.press("lang:ar")
    assert '<html lang="ar" dir="rtl"' in html
    html = await web.press("lang:ti")
    assert '<html lang="ti" dir="ltr"' in html


async def test_forms_need_the_session_token(web: Web) -> None:
    await web.get()
    response = await web.client.post("/act", data={"a": "lang:fr", "t": "0" * 32})
    assert response.status_code == 403
    response = await web.client.post("/act", data={"a": "lang:fr"})
    assert response.status_code == 403


async def test_a_ticket_and_the_workers_answer_through_the_router(web: Web) -> None:
    await web.press("lang:fr")
    html = await web.press("person")
    assert "about:" in html
    assert "[to the workers]" in web.desk.getvalue(), "the console desk got the ticket"
    await web.press("about:skip")
    person = await web.app.storage.person(PersonRef("web", web.sid()), web.app.clock.now())
    await web.app.router.send(person, Reply("message", "fr", {"text": "Bonjour <b>Amina</b>"}))
    html = (await web.get()).text
    pushed = html.split('id="pushed"', 1)[1].split("</section>", 1)[0]
    assert "Bonjour &lt;b&gt;Amina&lt;/b&gt;" in pushed, "escaped, and shown after a refresh"
    updates = (await web.client.get("/updates?after=0")).json()
    assert "Bonjour" in updates["html"] and updates["last"] > 0
    again = (await web.client.get(f"/updates?after={updates['last']}")).json()
    assert again["html"] == ""


async def test_kiosk_reset_forgets_the_visitor(content_source: ContentSource) -> None:
    app, channel, _desk = await _web(content_source, WebOptions(kiosk=True, kiosk_idle_seconds=60))
    transport = httpx.ASGITransport(app=channel.asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        web = Web(app, channel, client, _desk)
        html = (await web.get()).text
        assert 'class="kiosk"' in html
        assert '<noscript><meta http-equiv="refresh" content="60;url=/reset?t=' in html
        await web.press("lang:ar")
        await web.press("topic:rental-deposit")
        old = web.sid()
        person = await app.storage.person(PersonRef("web", old), app.clock.now())
        assert await app.storage.recent_views(person.id)
        token = web.token((await web.get()).text)
        response = await client.get(f"/reset?t={token}", follow_redirects=True)
        assert response.status_code == 200
        assert web.sid() != old, "a new session id"
        assert '<html lang="fr"' in response.text and "lang:ti" in response.text
        assert channel.sessions.get(old) is None
        again = await app.storage.person(PersonRef("web", old), app.clock.now())
        assert again.id != person.id and not await app.storage.recent_views(again.id)
    await app.close()


async def test_kiosk_by_url_flag(web: Web) -> None:
    html = (await web.get("/?kiosk=1")).text
    assert 'class="kiosk"' in html
    html = (await web.get("/")).text
    assert 'class="kiosk"' in html, "kept for the device"
    html = (await web.get("/?kiosk=0")).text
    assert 'class="kiosk"' not in html


async def test_static_files_and_font_are_served(web: Web) -> None:
    css = await web.client.get("/static/style.css")
    assert css.status_code == 200 and "Passerelle Ethiopic" in css.text
    font = await web.client.get("/static/fonts/NotoSansEthiopic-Regular.woff2")
    assert font.status_code == 200 and font.content[:4] == b"wOF2"
    assert len(font.content) > 50_000, "the whole Ethiopic block, not a stub"
    assert (await web.client.get("/pictograms/..%2Fsecret.svg")).status_code == 404
