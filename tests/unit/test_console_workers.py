"""The embedded office: a person asks for a worker on the web point, a worker answers in
the terminal that runs Passerelle (no Telegram anywhere)."""

from __future__ import annotations

import asyncio
import io
import os
import re

import httpx

from bot.application.desk import WorkersDesk
from bot.bootstrap import build, wire_escalation
from bot.channels.console_workers import ConsoleWorkers
from bot.channels.terminal import ConsoleDesk
from bot.channels.web.app import web_channel
from bot.config import Settings
from bot.content.source import ContentSource
from bot.domain.people import PersonRef
from tests.databases import fresh_database
from tests.unit.test_web import Web


async def test_a_worker_answers_a_web_request_from_the_console(
        content_source: ContentSource) -> None:
    app = await build(Settings(), content=content_source, db_path=await fresh_database())
    printed = io.StringIO()
    escalation = wire_escalation(app, ConsoleDesk(printed, workers_answer_here=True))
    channel = web_channel(app)
    desk = WorkersDesk(app.engine, escalation, app.engine.followup, app.router)
    console = ConsoleWorkers(desk, app.storage, app.clock, worker="Sara", out=printed)
    transport = httpx.ASGITransport(app=channel.asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        web = Web(app, channel, client, printed)
        await web.press("lang:fr")
        await web.press("person")
        await web.press("about:skip")
        announced = re.search(r"request #(\d+) .*answer with: #\1 your words", printed.getvalue())
        assert announced, printed.getvalue()
        number = announced.group(1)

        await console.line(f"#{number} Bonjour, je suis Sara <b>du CPAS</b>.")
        pushed = (await web.get()).text.split('id="pushed"', 1)[1].split("</section>", 1)[0]
        assert "Sara" in pushed and "je suis Sara &lt;b&gt;du CPAS&lt;/b&gt;." in pushed
        assert "✓ sent" in printed.getvalue()

        await console.line("#999 hello")
        await console.line("hello without a number")
        assert "No request #999." in printed.getvalue()
        assert "Write #<request number>" in printed.getvalue()

        await console.line(f"#{number} /close")
        person = await app.storage.person(PersonRef("web", web.sid()), app.clock.now())
        assert await app.storage.open_ticket_of(person.id) is None
    await app.close()


async def test_the_console_reader_stops_without_waiting_for_enter(
        content_source: ContentSource) -> None:
    app = await build(Settings(), content=content_source, db_path=await fresh_database())
    escalation = wire_escalation(app, ConsoleDesk(io.StringIO()))
    desk = WorkersDesk(app.engine, escalation, app.engine.followup, app.router)
    console = ConsoleWorkers(desk, app.storage, app.clock, out=io.StringIO())
    read, write = os.pipe()  # an open terminal: no line, no end of input
    stop = asyncio.Event()
    with open(read, encoding="utf-8") as source:
        task = asyncio.create_task(console.run(stop, source))
        await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(task, timeout=2)  # the reader thread is still waiting
        os.close(write)  # lets it end before its file is closed
    await app.close()
