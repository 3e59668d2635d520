"""The web point with two offices: the URL picks the office (/o/<office>/ or ?office=),
else the bot asks; the answers show that office's details; a ticket goes to that
office's desk; a kiosk keeps its office across "start again"."""

from __future__ import annotations

import html
import io
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from bot.bootstrap import build, wire_escalation
from bot.channels.terminal import ConsoleDesk
from bot.channels.web.app import web_channel
from bot.config import Settings
from bot.content.source import ContentSource
from bot.domain.people import PersonRef
from tests.databases import fresh_database
from tests.unit.test_web import Web


@pytest_asyncio.fixture
async def web(offices_content: ContentSource) -> AsyncIterator[Web]:
    root = offices_content.current.library.root
    app = await build(Settings(content_dir=root), content=offices_content,
                      db_path=await fresh_database())
    desk = io.StringIO()
    wire_escalation(app, ConsoleDesk(desk))
    channel = web_channel(app)
    transport = httpx.ASGITransport(app=channel.asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Web(app, channel, client, desk)
    await app.close()


async def office_of(web: Web) -> str | None:
    person = await web.app.storage.person(PersonRef("web", web.sid()), web.app.clock.now())
    return person.office


async def test_the_url_picks_the_office(web: Web) -> None:
    start = (await web.get("/o/ocmw-gent")).text  # without the slash: redirected
    assert 'value="lang:ti"' in start or "lang:ti" in start
    page = await web.press("lang:nl")
    assert "office:ocmw-gent" not in page, "not asked: the URL said"
    assert await office_of(web) == "ocmw-gent"
    answer = html.unescape(await web.press("topic:contact-social-worker"))
    assert "Onderbergen 86, 9000 Gent" in answer and "09 266 99 00" in answer
    await web.press("person")
    assert "request #1" in web.desk.getvalue()


async def test_the_query_parameter_and_an_unknown_office(web: Web) -> None:
    await web.get("/?office=cpas-liege")
    await web.press("lang:fr")
    assert await office_of(web) == "cpas-liege"
    answer = html.unescape(await web.press("topic:first-appointment"))
    assert "À Liège" in answer and "Place Saint-Jacques 13" in answer
    unknown = await web.client.get("/o/%3Cscript%3E/")
    assert unknown.status_code == 303 and unknown.headers["location"] == "/"


async def test_without_an_office_in_the_url_the_bot_asks_once(web: Web) -> None:
    page = await web.press("lang:fr")
    assert "office:cpas-liege" in page and "office:ocmw-gent" in page
    page = html.unescape(await web.ask("4020"))
    assert "CPAS de Liège" in page
    assert await office_of(web) == "cpas-liege"


async def test_a_kiosk_keeps_its_office_after_start_again(web: Web) -> None:
    await web.get("/o/ocmw-gent/?kiosk=1")
    page = await web.press("lang:nl")
    token = web.token(page)
    restart = await web.client.post("/reset", data={"t": token})
    assert restart.status_code == 303 and restart.headers["location"] == "/o/ocmw-gent/"
    await web.get(restart.headers["location"])
    await web.press("lang:nl")
    assert await office_of(web) == "ocmw-gent"
