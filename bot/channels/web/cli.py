"""`passerelle web` (only the web information point) and `passerelle poster` (the A4 page
with QR codes a CPAS puts on its waiting-room wall)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from bot.bootstrap import Passerelle
    from bot.channels.web.app import WebChannel

log = logging.getLogger("passerelle")


async def serve(app: Passerelle, channel: WebChannel, host: str, port: int,
                stop: asyncio.Event | None = None) -> None:
    """Serve the channel with uvicorn until `stop` is set (or SIGINT/SIGTERM).

    No access log: paths are harmless, but a waiting room's addresses are nobody's business.
    """
    import uvicorn

    config = uvicorn.Config(channel.asgi, host=host, port=port, access_log=False,
                            log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    if stop is not None:
        async def stopper() -> None:
            await stop.wait()
            server.should_exit = True
        watcher = asyncio.create_task(stopper())
    try:
        await server.serve()
    finally:
        if stop is not None:
            watcher.cancel()


def run_web(args: argparse.Namespace, settings: Settings) -> int:
    """`passerelle web`: the web point alone; tickets go to the console desk (this terminal)."""
    from bot.bootstrap import build, wire_escalation
    from bot.channels.terminal import ConsoleDesk
    from bot.channels.web.app import WebOptions, web_channel

    host = args.host or settings.web_host
    port = args.port or settings.web_port
    kiosk = bool(args.kiosk) or settings.web_kiosk

    async def main() -> None:
        app = await build(settings)
        wire_escalation(app, ConsoleDesk())
        channel = web_channel(app, WebOptions(kiosk=kiosk))
        stop = asyncio.Event()
        jobs = None
        if app.jobs is not None:
            await app.jobs.dispatcher.recover()
            jobs = asyncio.create_task(app.jobs.run(stop), name="jobs")
        watcher = asyncio.create_task(app.content.watch(), name="content-watch")
        print(f"Passerelle web point on http://{host}:{port}/ "
              f"{'(kiosk mode) ' if kiosk else ''}— Ctrl-C stops it.", flush=True)
        try:
            await serve(app, channel, host, port)
        finally:
            stop.set()
            watcher.cancel()
            if jobs is not None:
                await jobs
            await app.close()

    asyncio.run(main())
    return 0


def run_poster(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.web.poster import poster_svg
    from bot.i18n.catalogs import Catalogs

    web_url = args.web_url or f"http://{settings.web_host}:{settings.web_port}/"
    catalogs = Catalogs(settings.locales_dir)
    languages = args.languages.split(",") if args.languages else ["fr", "nl", "ar", "ti",
                                                                  "en", "uk"]
    svg = poster_svg(web_url, args.telegram_url, languages, catalogs.get)
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        if not _pdf(svg, out):
            print("A PDF needs Chromium (apt-get install chromium); write an .svg instead.")
            return 1
    else:
        out.write_text(svg, encoding="utf-8")
    print(f"wrote {out}")
    return 0


def _pdf(svg: str, out: Path) -> bool:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return False
    page = ("<!doctype html><html><head><meta charset='utf-8'><style>@page{size:A4;margin:0}"
            "body{margin:0}svg{display:block;width:210mm;height:297mm}</style></head><body>"
            + svg.split("?>", 1)[-1] + "</body></html>")
    with tempfile.TemporaryDirectory() as folder:
        html = Path(folder) / "poster.html"
        html.write_text(page, encoding="utf-8")
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={folder}/profile", "--no-pdf-header-footer",
             f"--print-to-pdf={out.resolve()}", html.as_uri()],
            capture_output=True, timeout=90, check=False)
    return result.returncode == 0 and out.exists()


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The sub-parsers, for bot/__main__.py."""
    web = commands.add_parser("web", help="serve only the web information point")
    web.add_argument("--host", default=None, help="default PASSERELLE_WEB_HOST or 127.0.0.1")
    web.add_argument("--port", type=int, default=None, help="default PASSERELLE_WEB_PORT or 8080")
    web.add_argument("--kiosk", action="store_true", help="waiting-room tablet mode")
    web.set_defaults(handler=run_web)
    poster = commands.add_parser("poster", help="an A4 poster with QR codes (SVG or PDF)")
    poster.add_argument("--web-url", default=None, help="the web point's public address")
    poster.add_argument("--telegram-url", default=None, help="e.g. https://t.me/YourBot")
    poster.add_argument("--languages", default=None, help="comma-separated, default all six")
    poster.add_argument("--out", type=Path, default=Path("var/poster.svg"))
    poster.set_defaults(handler=run_poster)
