"""`passerelle web` (only the web information point) and `passerelle poster` (the A4 page
with QR codes a CPAS puts on its waiting-room wall)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from bot.config import Settings


def run_web(args: argparse.Namespace, settings: Settings) -> int:
    """`passerelle web`: the web point alone; tickets go to the console desk (this terminal)."""
    from bot.runtime import WebPlace, run

    place = WebPlace(args.host or settings.web_host, args.port or settings.web_port,
                     bool(args.kiosk) or settings.web_kiosk)
    return run(settings, telegram=False, web=place)


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
