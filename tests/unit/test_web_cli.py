"""`passerelle poster` and the web point's settings."""

from __future__ import annotations

from pathlib import Path

import segno

from bot.channels.web.cli import add_commands
from bot.channels.web.poster import poster_svg
from bot.config import load_settings
from bot.i18n.catalogs import Catalogs
from tests.factory import REPO


def test_poster_has_two_codes_and_a_line_per_language() -> None:
    catalogs = Catalogs(REPO / "locales")
    svg = poster_svg("https://example.be/", "https://t.me/PasserelleBot",
                     ["fr", "nl", "ar", "ti", "en", "uk"], catalogs.get)
    assert svg.count('<path fill="#000"') == 2
    assert 'viewBox="0 0 210 297"' in svg, "A4 in millimetres"
    for name in ("Français", "Nederlands", "العربية", "ትግርኛ", "English", "Українська"):
        assert name in svg
    assert 'direction="rtl" lang="ar"' in svg
    assert "https://t.me/PasserelleBot" in svg
    assert segno.make("https://example.be/", error="m").version >= 1


def test_poster_without_telegram_has_one_code() -> None:
    svg = poster_svg("https://example.be/", None, ["fr"], Catalogs(REPO / "locales").get)
    assert svg.count('<path fill="#000"') == 1


def test_poster_command_writes_an_svg(tmp_path: Path) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"))
    out = tmp_path / "poster.svg"
    args = parser.parse_args(["poster", "--web-url", "https://example.be/", "--out", str(out)])
    assert args.handler(args, load_settings({})) == 0
    assert out.read_text(encoding="utf-8").startswith("<?xml")


def test_web_settings_from_the_environment() -> None:
    settings = load_settings({"PASSERELLE_WEB_HOST": "0.0.0.0", "PASSERELLE_WEB_PORT": "9000",
                              "PASSERELLE_WEB_KIOSK": "1"})
    assert (settings.web_host, settings.web_port, settings.web_kiosk) == ("0.0.0.0", 9000, True)
    defaults = load_settings({})
    assert (defaults.web_host, defaults.web_port, defaults.web_kiosk) == ("127.0.0.1", 8080,
                                                                          False)
