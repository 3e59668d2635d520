"""The long-running Passerelle process: its channels, its jobs and its signals, in one place.

`passerelle run` starts the web point, plus the Telegram bot when a token is configured;
`passerelle web` starts only the web point. In webhook mode the one HTTP server also
receives Telegram's updates on the webhook's path (bot/channels/telegram/webhook.py).
Either way there is one application (one storage, one router, one dispatcher) and one set
of jobs, so a check-in or a worker's answer reaches a person on whichever channel they use.
SIGTERM/SIGINT stop gracefully (claims are given back, storage is closed); SIGHUP reloads
the content.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from bot.bootstrap import Passerelle
    from bot.channels.telegram.adapter import TelegramChannel
    from bot.channels.web.app import WebChannel

log = logging.getLogger("passerelle")


@dataclass(frozen=True)
class WebPlace:
    """Where the web point listens, and whether it is a waiting-room tablet."""

    host: str
    port: int
    kiosk: bool = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"


class PortInUse(Exception):
    def __init__(self, place: WebPlace, error: OSError) -> None:
        super().__init__(f"the web point cannot listen on {place.host}:{place.port} "
                         f"({error.strerror}); set PASSERELLE_WEB_PORT to a free port, "
                         "or PASSERELLE_WEB=off")


def bind(place: WebPlace) -> socket.socket:
    """Bind before anything starts, so a taken port is one clear message, not a half-started
    process."""
    family = socket.AF_INET6 if ":" in place.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((place.host, place.port))
    except OSError as error:
        sock.close()
        raise PortInUse(place, error) from error
    sock.set_inheritable(True)
    return sock


async def serve_web(channel: WebChannel | ASGIApp, sock: socket.socket,
                    stop: asyncio.Event) -> None:
    """Serve the web channel (or any ASGI app) on `sock` with uvicorn until `stop` is set.

    The process owns the signals (uvicorn would otherwise take SIGTERM for itself). No
    access log: a waiting room's addresses are nobody's business.
    """
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            yield

    asgi = channel.asgi if hasattr(channel, "asgi") else channel
    config = uvicorn.Config(asgi, access_log=False, log_level="warning",
                            lifespan="off", timeout_graceful_shutdown=3)
    server = Server(config)

    async def stopper() -> None:
        await stop.wait()
        server.should_exit = True

    watcher = asyncio.create_task(stopper(), name="web-stopper")
    try:
        await server.serve(sockets=[sock])
    finally:
        watcher.cancel()
        if not stop.is_set():  # uvicorn ended by itself: the whole process stops
            stop.set()


def on_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event,
               reload: Callable[[], object]) -> None:
    """SIGTERM/SIGINT stop gracefully; SIGHUP reloads the content."""
    unsupported = (NotImplementedError, AttributeError, RuntimeError)  # e.g. on Windows
    for name in ("SIGTERM", "SIGINT"):
        with contextlib.suppress(*unsupported):
            loop.add_signal_handler(getattr(signal, name), stop.set)
    with contextlib.suppress(*unsupported):
        loop.add_signal_handler(signal.SIGHUP, reload)


def _report_watcher_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("content hot reload stopped: %r", task.exception())


def run(settings: Settings, *, telegram: bool, web: WebPlace | None) -> int:
    """Run until a signal; 0 after a clean stop, 1 when the web port is taken."""
    from bot.channels.telegram.webhook import WebhookProblem, webhook_of

    if not telegram and web is None:
        print("Nothing to run: no TELEGRAM_BOT_TOKEN and the web point is off.", file=sys.stderr)
        return 1
    try:
        webhook = webhook_of(settings) if telegram else None
    except WebhookProblem as error:
        print(f"Passerelle cannot start: {error}.", file=sys.stderr)
        return 1
    # The webhook is served on the web point's host and port, even with the web point off.
    listen = web or (WebPlace(settings.web_host, settings.web_port) if webhook else None)
    try:
        sock = bind(listen) if listen is not None else None
    except PortInUse as error:
        print(f"Passerelle cannot start: {error}.", file=sys.stderr)
        return 1
    try:
        monitor = (bind(WebPlace(settings.metrics_host, settings.metrics_port))
                   if settings.metrics_port is not None else None)
    except PortInUse as error:
        if sock is not None:
            sock.close()
        print(f"Passerelle cannot start: {error} (PASSERELLE_METRICS_PORT).", file=sys.stderr)
        return 1
    asyncio.run(_serve(settings, telegram, web, sock, monitor))
    return 0


async def _serve(settings: Settings, telegram: bool, web: WebPlace | None,
                 sock: socket.socket | None, monitor: socket.socket | None = None) -> None:
    from bot.application.desk import WorkersDesk
    from bot.bootstrap import build, telegram_channel, wire_escalation
    from bot.channels.console_workers import ConsoleWorkers
    from bot.channels.terminal import ConsoleDesk

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    built: list[Passerelle] = []  # SIGHUP before the content is loaded: nothing to reload
    # Signals first: a SIGTERM while the content loads still stops cleanly (exit 0).
    on_signals(loop, stop, lambda: [loop.create_task(a.content.reload()) for a in built])
    app = await build(settings)
    built.append(app)
    if stop.is_set():
        await app.close()
        log.info("Passerelle stopped cleanly.")
        return
    watcher = loop.create_task(app.content.watch(), name="content-watch")
    watcher.add_done_callback(_report_watcher_end)
    bot = telegram_channel(app) if telegram else None
    console: asyncio.Task[None] | None = None
    if bot is None:  # no Telegram workers' group: the workers' side is this console
        escalation = wire_escalation(app, ConsoleDesk(workers_answer_here=True))
        desk = WorkersDesk(app.engine, escalation, app.engine.followup, app.router)
        workers = ConsoleWorkers(desk, app.storage, app.clock)
        console = loop.create_task(workers.run(stop), name="console-workers")
    web_task: asyncio.Task[None] | None = None
    jobs: asyncio.Task[None] | None = None
    monitoring = _monitoring(app, monitor, stop)
    try:
        if sock is not None:  # listening before setWebhook, so Telegram's first call lands
            asgi = _http_app(app, web, bot)
            web_task = loop.create_task(serve_web(asgi, sock, stop), name="web")
            if web is not None:
                print(f"Passerelle web point on {web.url}"
                      f"{' (kiosk mode)' if web.kiosk else ''} — Ctrl-C stops it.", flush=True)
        if bot is not None:
            await bot.start()  # polling or the webhook, the inbox and the jobs
            log.info("Passerelle is running on Telegram.")
        elif app.jobs is not None:
            await app.jobs.dispatcher.recover()
            jobs = loop.create_task(app.jobs.run(stop), name="jobs")
        await stop.wait()
    finally:
        stop.set()
        watcher.cancel()
        if console is not None:
            await asyncio.gather(console, return_exceptions=True)
        if web_task is not None:
            await asyncio.gather(web_task, return_exceptions=True)
        if monitoring is not None:
            await asyncio.gather(monitoring, return_exceptions=True)
        if bot is not None:
            await bot.stop()
        if jobs is not None:
            await jobs
        await app.close()
        log.info("Passerelle stopped cleanly.")


def _monitoring(app: Passerelle, sock: socket.socket | None,
                stop: asyncio.Event) -> asyncio.Task[None] | None:
    """/metrics and /healthz on their own local port (PASSERELLE_METRICS_PORT)."""
    if sock is None:
        return None
    from bot.monitoring.server import monitoring_app
    from bot.monitoring.wiring import instrument

    metrics, health = instrument(app)
    host, port = sock.getsockname()[:2]
    log.info("metrics and health on http://%s:%s/metrics and /healthz", host, port)
    return asyncio.get_running_loop().create_task(
        serve_web(monitoring_app(metrics, health, app.clock), sock, stop), name="monitoring")


def _http_app(app: Passerelle, web: WebPlace | None, bot: TelegramChannel | None) -> ASGIApp:
    """The web point, with the Telegram webhook's path in front of it in webhook mode."""
    from bot.channels.telegram.webhook import WebhookEndpoint

    page = _web_channel(app, web).asgi if web is not None else None
    if bot is not None and bot.webhook is not None:
        return WebhookEndpoint(bot.webhook, bot.accept, page)
    assert page is not None  # a server without the web point exists only for the webhook
    return page


def _web_channel(app: Passerelle, web: WebPlace) -> WebChannel:
    from bot.channels.web.app import WebOptions, web_channel

    return web_channel(app, WebOptions(kiosk=web.kiosk))
