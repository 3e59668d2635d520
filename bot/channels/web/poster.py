"""An A4 poster (SVG, 210 × 297 mm) with QR codes for the web point and the Telegram bot and
one line in each language, from the shared catalogs. segno draws the codes' modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import segno

from bot.i18n.locale import is_rtl, native_name

LINE = "Ask your question in your own words, or choose a theme."
FONTS = "'Noto Sans', 'Noto Sans Ethiopic', 'Noto Sans Arabic', system-ui, sans-serif"


def _qr(url: str, x: float, y: float, size: float) -> str:
    code = segno.make(url, error="m")
    matrix = [list(row) for row in code.matrix]
    border = 4
    modules = len(matrix) + 2 * border
    step = size / modules
    path = []
    for row_index, row in enumerate(matrix):
        for col_index, bit in enumerate(row):
            if bit:
                path.append(f"M{x + (col_index + border) * step:.3f} "
                            f"{y + (row_index + border) * step:.3f}h{step:.3f}v{step:.3f}"
                            f"h-{step:.3f}z")
    return (f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(path)}"/>')


def poster_svg(web_url: str, telegram_url: str | None, languages: Sequence[str],
               catalog: Callable[[str], object]) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
             'viewBox="0 0 210 297" lang="fr">',
             f'<style>text {{ font-family: {FONTS}; fill: #1a2530; }}</style>',
             '<rect width="210" height="297" fill="#fff"/>',
             '<rect width="210" height="34" fill="#0b5c8f"/>',
             '<text x="105" y="23" font-size="16" font-weight="700" text-anchor="middle" '
             'style="fill:#fff">Passerelle</text>']
    codes = [("Web", web_url)] + ([("Telegram", telegram_url)] if telegram_url else [])
    size = 78.0
    gap = (210 - size * len(codes)) / (len(codes) + 1)
    for index, (label, url) in enumerate(codes):
        x = gap + index * (size + gap)
        parts.append(_qr(url, x, 44, size))
        parts.append(f'<text x="{x + size / 2}" y="{44 + size + 9}" font-size="7" '
                     f'font-weight="700" text-anchor="middle">{escape(label)}</text>')
        parts.append(f'<text x="{x + size / 2}" y="{44 + size + 16}" font-size="4" '
                     f'text-anchor="middle">{escape(url)}</text>')
    y = 160.0
    for code in languages:
        gettext = getattr(catalog(code), "gettext", None)
        line = gettext(LINE) if callable(gettext) else LINE
        rtl = is_rtl(code)
        anchor_x, anchor = (195 if rtl else 15), "start"  # start is on the right in RTL
        parts.append(f'<text x="{anchor_x}" y="{y}" font-size="5" font-weight="700" '
                     f'text-anchor="{anchor}" direction="{"rtl" if rtl else "ltr"}" '
                     f'lang="{code}">{escape(native_name(code))}</text>')
        parts.append(f'<text x="{anchor_x}" y="{y + 7}" font-size="5.2" text-anchor="{anchor}" '
                     f'direction="{"rtl" if rtl else "ltr"}" lang="{code}">'
                     f'{escape(str(line))}</text>')
        y += 20
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
