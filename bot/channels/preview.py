"""Render what a phone shows for one topic into an HTML page (and a PNG if Chromium is there).

Reviewers see exactly the bot's reply: the engine answers a real button press from a
throw-away person in an in-memory database, and the Telegram HTML renderer formats it.
"""

from __future__ import annotations

import base64
import html
import shutil
import subprocess
import tempfile
from pathlib import Path

from bot.conversation.engine import Engine
from bot.domain.messages import Event, EventKind, Reply
from bot.domain.people import PersonRef
from bot.render.renderer import Renderer

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Passerelle preview: {title}</title>
<style>
body {{ background:#d7e3ec; font-family: system-ui, 'Noto Sans', 'Noto Sans Ethiopic',
       'Noto Sans Arabic', sans-serif; margin:0; padding:24px; }}
.phone {{ width:380px; margin:auto; background:#eef3f7; border-radius:28px; padding:16px;
          box-shadow:0 4px 24px #0003; }}
.bubble {{ background:white; border-radius:14px; padding:10px 12px; margin:8px 0;
           white-space:pre-wrap; line-height:1.35; font-size:15px; }}
.bubble img {{ width:100%; border-radius:10px; display:block; margin-bottom:8px; }}
.row {{ display:flex; gap:4px; margin-top:4px; }}
.row span {{ flex:1; background:#5b8fb9; color:white; border-radius:8px; padding:7px;
             text-align:center; font-size:14px; }}
</style></head><body><div class="phone">{bubbles}</div></body></html>
"""


async def preview_topic(engine: Engine, topic_id: str, lang: str) -> list[Reply]:
    """The replies a person with language `lang` gets when pressing the topic's button."""
    ref = PersonRef("preview", f"preview-{lang}")
    await engine.handle(Event(ref, EventKind.BUTTON, action=f"lang:{lang}"))
    return await engine.handle(Event(ref, EventKind.BUTTON, action=f"topic:{topic_id}"))


def page(replies: list[Reply], pictograms: dict[str, Path], lang: str, title: str) -> str:
    renderer = Renderer("html")
    bubbles = []
    for reply in replies:
        rendered = renderer.render(reply)
        image = ""
        picture = pictograms.get(rendered.image or "")
        if picture is not None:
            data = base64.b64encode(picture.read_bytes()).decode()
            image = f'<img alt="" src="data:image/png;base64,{data}">'
        direction = "rtl" if rendered.rtl else "ltr"
        rows = "".join(
            '<div class="row">' + "".join(f"<span>{html.escape(b.label)}</span>" for b in row)
            + "</div>" for row in rendered.buttons)
        bubbles.append(f'<div class="bubble" dir="{direction}">{image}{rendered.text}</div>{rows}')
    return PAGE.format(lang=lang, title=html.escape(title), bubbles="\n".join(bubbles))


def screenshot(html_file: Path, png_file: Path) -> bool:
    """PNG of the page with headless Chromium, when it is installed; False otherwise."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") \
        or shutil.which("google-chrome")
    if browser is None:
        return False
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--window-size=440,1100",
             f"--screenshot={png_file}", html_file.resolve().as_uri()],
            capture_output=True, timeout=60, check=False,
        )
    return result.returncode == 0 and png_file.exists()
