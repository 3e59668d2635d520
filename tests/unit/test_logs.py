"""Logs: a JSON option, and the proof that what a person types never reaches a log record."""

from __future__ import annotations

import io
import json
import logging
import re

import httpx
import pytest

from bot.bootstrap import build, wire_escalation
from bot.channels.terminal import ConsoleDesk
from bot.channels.web.app import web_channel
from bot.config import Settings, load_settings
from bot.content.source import ContentSource
from bot.monitoring.logs import JsonFormatter, configure
from tests.databases import fresh_database

SECRET = "Zorglub-7731"
TOKEN = re.compile(r'name="t" value="([0-9a-f]+)"')


def test_json_lines_hold_time_level_logger_message_and_the_error_type() -> None:
    record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "ticket %s failed", (12,),
                               None)
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "ERROR" and line["logger"] == "bot.x"
    assert line["message"] == "ticket 12 failed" and line["time"].endswith("+00:00")
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        failed = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "oops", (),
                                   sys.exc_info())
    line = json.loads(JsonFormatter().format(failed))
    assert line["error"] == "ValueError" and "Traceback" in str(line["traceback"])


def test_the_format_is_chosen_by_a_setting() -> None:
    assert load_settings({}).log_format == "text"
    assert load_settings({"PASSERELLE_LOG_FORMAT": "JSON"}).log_format == "json"
    assert load_settings({"PASSERELLE_LOG_FORMAT": "xml"}).log_format == "text"
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        root.handlers[:] = []  # a process of its own, as `passerelle run` is
        configure("text", logging.INFO)
        configure("json", logging.INFO)  # one handler, whatever the number of calls
        assert len(root.handlers) == 1 and isinstance(root.handlers[0].formatter,
                                                      JsonFormatter)
        host = logging.NullHandler()
        root.handlers[:] = [host]  # a host that set up logging itself keeps its own
        configure("json", logging.WARNING)
        assert root.handlers == [host] and root.level == logging.WARNING
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])


async def test_what_a_person_types_never_reaches_a_log_record(
    content_source: ContentSource, caplog: pytest.LogCaptureFixture,
) -> None:
    """The whole web point, every path a text can take: answered, not understood, a cry
    for help, too long, relayed to a worker, a forged button; DEBUG and up captured."""
    caplog.set_level(logging.DEBUG)
    app = await build(Settings(), content=content_source, db_path=await fresh_database())
    wire_escalation(app, ConsoleDesk(io.StringIO()))
    channel = web_channel(app)
    transport = httpx.ASGITransport(app=channel.asgi)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def post(path: str, field: str, value: str) -> None:
                page = (await client.get("/", follow_redirects=True)).text
                found = TOKEN.search(page)
                assert found
                answer = await client.post(path, data={field: value, "t": found.group(1)},
                                           follow_redirects=True)
                assert answer.status_code == 200

            await post("/act", "a", "lang:fr")
            for text in (f"garantie locative {SECRET}", f"{SECRET} qwxz", f"je veux mourir "
                         f"{SECRET}", f"{SECRET} " * 120):
                await post("/ask", "q", text)
            await post("/act", "a", f"topic:{SECRET}")
            await post("/act", "a", "person")
            await post("/ask", "q", f"mon propriétaire {SECRET}")  # relayed to a worker
    finally:
        await app.close()
    assert caplog.records, "the capture works (the application logs something)"
    for record in caplog.records:
        shown = record.getMessage() + repr(record.args) + str(record.exc_text or "")
        assert SECRET not in shown, f"{record.name}: {shown[:200]}"
