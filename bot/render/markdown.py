"""The small Markdown subset of answers (bold, italic, links, line breaks) → HTML or text.

Why not a full Markdown renderer: Telegram accepts only a handful of HTML tags, so we
walk markdown-it's tokens and emit exactly those, escaping every text node.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("zero").enable(["emphasis", "link", "newline", "backticks"])
_ISOLATE = re.compile(r"https?://\S+|(?<!\w)/[a-z_]+|\+?\d[\d ./:-]*\d|\d")
FSI, PDI = "\u2068", "\u2069"


def isolate(text: str, rtl: bool) -> str:
    """Wrap numbers, dates, URLs and /commands in Unicode isolates (RTL cannot reorder them)."""
    if not rtl:
        return text
    return _ISOLATE.sub(lambda m: f"{FSI}{m.group(0)}{PDI}", text)


def to_html(markdown: str, rtl: bool = False) -> str:
    """Telegram-safe HTML: only <b>, <i>, <code>, <a href>; all text escaped."""
    return "\n\n".join(_inline(p, rtl, html_out=True) for p in _paragraphs(markdown))


def to_plain(markdown: str, rtl: bool = False) -> str:
    """Plain text; a link becomes 'text (url)'."""
    return "\n\n".join(_inline(p, rtl, html_out=False) for p in _paragraphs(markdown))


def _paragraphs(markdown: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", markdown.strip()) if p.strip()]


def _inline(paragraph: str, rtl: bool, *, html_out: bool) -> str:
    tokens = _PARSER.parseInline(paragraph)
    children: list[Token] = tokens[0].children or [] if tokens else []
    out: list[str] = []
    link_href: list[str] = []
    for token in children:
        kind = token.type
        if kind == "text":
            text = isolate(token.content, rtl)
            out.append(html.escape(text, quote=False) if html_out else text)
        elif kind in {"softbreak", "hardbreak"}:
            out.append("\n")
        elif kind == "code_inline":
            text = isolate(token.content, rtl)
            out.append(f"<code>{html.escape(text, quote=False)}</code>" if html_out else text)
        elif kind in {"strong_open", "strong_close", "em_open", "em_close"}:
            if html_out:
                tag = "b" if kind.startswith("strong") else "i"
                out.append(f"</{tag}>" if kind.endswith("close") else f"<{tag}>")
        elif kind == "link_open":
            href = str(token.attrs.get("href", ""))
            link_href.append(href)
            if html_out and href.startswith(("https://", "http://", "tel:")):
                out.append(f'<a href="{html.escape(href, quote=True)}">')
        elif kind == "link_close":
            href = link_href.pop() if link_href else ""
            if html_out and href.startswith(("https://", "http://", "tel:")):
                out.append("</a>")
            elif not html_out and href:
                out.append(f" ({href})")
    return "".join(out)
