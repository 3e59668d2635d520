"""The web point served by uvicorn on 127.0.0.1 in a background thread, and Debian's
Chromium for Playwright (never `playwright install`)."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.bootstrap import Passerelle, build, wire_escalation
from bot.channels.terminal import ConsoleDesk
from bot.channels.web.app import WebChannel, WebOptions, web_channel
from bot.config import Settings
from bot.content.source import ContentSource
from bot.runtime import WebPlace, bind, serve_web

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
T = TypeVar("T")


def require_chromium() -> None:
    """Skip only when Chromium is truly absent here; in CI (CI=true) fail instead."""
    missing = []
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        missing.append("Debian's chromium (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install playwright)")
    if not missing:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("browser tests need " + " and ".join(missing) + " (.ci/run installs them)")
    pytest.skip("browser tests need " + " and ".join(missing))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WebServer(threading.Thread):
    """Passerelle's web channel on its own event loop, in a daemon thread."""

    def __init__(self, content: ContentSource, db: Path, options: WebOptions) -> None:
        super().__init__(daemon=True, name="web-server")
        self.content = content
        self.db = db
        self.options = options
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.desk = io.StringIO()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.app: Passerelle | None = None
        self.channel: WebChannel | None = None
        self._stop_event: asyncio.Event | None = None
        self._ready = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported by start_and_wait
            self.error = error
            self._ready.set()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        self.app = await build(Settings(), content=self.content, db_path=self.db)
        wire_escalation(self.app, ConsoleDesk(self.desk))
        self.channel = web_channel(self.app, self.options)
        sock = bind(WebPlace("127.0.0.1", self.port))
        task = asyncio.create_task(serve_web(self.channel, sock, self._stop_event))
        self._ready.set()
        try:
            await task
        finally:
            await self.app.close()

    def start_and_wait(self) -> None:
        self.start()
        self._ready.wait(30)
        if self.error is not None:
            raise self.error
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("the web point did not start")

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop (e.g. a worker's answer via the router)."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def shutdown(self) -> None:
        if self.loop is not None and self._stop_event is not None:
            self.loop.call_soon_threadsafe(self._stop_event.set)
        self.join(15)
