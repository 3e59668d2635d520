"""Property tests: whatever text reaches a template (bidi controls, zero-width characters,
emoji sequences, combining marks, control characters, 10,000 characters, HTML and
Markdown fragments), rendering never raises; Telegram output uses only the HTML Telegram
accepts, split within its limits; web output is escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.telegram.sender import (
    MAX_CAPTION,
    MAX_TEXT,
    is_blank,
    split_text,
    visible_length,
)
from bot.domain.messages import Reply
from bot.render.markdown import to_html
from bot.render.renderer import Renderer

FRAGMENTS = ["<b>", "</b>", "<i>", "<a href='x'>", "</a>", "<script>alert(1)</script>",
             "<img src=x onerror=alert(1)>", "&amp;", "&", "&#0;", "&lt;", "<", ">", '"', "'",
             "**", "*", "_", "__", "`", "```", "[lien](https://a.be)", "[x](javascript:alert(1))",
             "[x](https://a.be/\"onclick=\")", "](", "\\", "\n", "\n\n", "\r\n", "<!--", "-->",
             "\u202e", "\u202b", "\u2066", "\u2069", "\u200f", "\u200b", "\u200d", "\ufeff",
             "\u0301", "\u0651", "👩‍👩‍👧", "🇧🇪", "👍🏽", "\x00", "\x07", "\x1b[31m", "\u0085",
             "/start", "112", "+32 2 555 00 00", "https://t.me/x?start=1"]
CHARACTERS = st.characters(codec="utf-8")  # everything but surrogates (scrubbed earlier)
NASTY = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(CHARACTERS, max_size=12)),
                 max_size=30).map("".join)
LONG = st.builds(lambda piece, n: (piece * n)[:10_000],
                 st.one_of(st.sampled_from(FRAGMENTS), st.text(CHARACTERS, min_size=1,
                                                              max_size=5)),
                 st.just(10_000))
TEXT = st.one_of(NASTY, LONG)
LANGS = st.sampled_from(["fr", "ar", "ti", "uk"])
PROPERTIES = settings(max_examples=150, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])

TELEGRAM_TAG = re.compile(r'<(b|i|code)>|</(b|i|code|a)>|<a href="(https?://|tel:)[^"<>]*">')
ENTITY = re.compile(r"&(amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);")
WEB_TAGS = {"p": {"class", "role"}, "h2": {"class"}, "div": {"class"}, "strong": set(),
            "b": set(), "i": set(), "code": set(), "br": set(), "a": {"href", "rel"}}


def replies(draw: st.DrawFn) -> Reply:
    template = draw(st.sampled_from(["message", "answer", "confirm", "crisis", "glossary"]))
    lang = draw(LANGS)
    value = lambda: draw(TEXT)  # noqa: E731
    contexts = {
        "message": lambda: {"text": value()},
        "answer": lambda: {"title": value(), "body": value(), "checked": value(),
                           "checked_label": value(), "source": draw(st.one_of(
                               TEXT, st.just("https://www.mi-is.be/fr"))),
                           "source_label": value(), "helped": value(),
                           "notices": draw(st.lists(NASTY, max_size=2))},
        "confirm": lambda: {"body": value(), "question": value()},
        "crisis": lambda: {"numbers": value(), "body": value(), "offer": value()},
        "glossary": lambda: {"term": value(), "means": value()},
    }
    return Reply(template, lang, contexts[template]())


REPLIES = st.composite(replies)()


def assert_telegram_html(text: str) -> None:
    """Only Telegram's tags, properly nested; every other <, > and & escaped."""
    stack: list[str] = []
    position = 0
    for match in re.finditer(r"<[^>]*>", text):
        between = text[position:match.start()]
        assert "<" not in between and ">" not in between, text
        assert TELEGRAM_TAG.fullmatch(match.group(0)), match.group(0)
        tag = match.group(0)
        name = re.match(r"</?([a-z]+)", tag).group(1)  # type: ignore[union-attr]
        if tag.startswith("</"):
            assert stack and stack.pop() == name, text
        else:
            stack.append(name)
        position = match.end()
    assert ">" not in text[position:] and "<" not in text[position:]
    assert not stack, text
    assert "&" not in ENTITY.sub("", text), "a bare & Telegram would refuse"


class WebChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = WEB_TAGS.get(tag)
        if allowed is None:
            self.problems.append(f"tag {tag}")
            return
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"attribute {name} on {tag}")
            if name == "href" and not (value or "").startswith(("https://", "http://", "tel:")):
                self.problems.append(f"href {value!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")


@PROPERTIES
@given(REPLIES)
def test_telegram_rendering_is_valid_html_within_the_limits(reply: Reply) -> None:
    rendered = Renderer("html").render(reply)
    assert_telegram_html(rendered.text)
    parts = split_text(rendered.text)
    assert bool(parts) != is_blank(rendered.text)
    for part in parts:
        assert 0 < visible_length(part) <= MAX_TEXT
        assert_telegram_html(part)
    if visible_length(rendered.text) <= MAX_CAPTION:  # what the sender sends as a caption
        assert len(parts) <= 1


@PROPERTIES
@given(REPLIES)
def test_web_rendering_is_escaped(reply: Reply) -> None:
    rendered = Renderer("web").render(reply)
    checker = WebChecker()
    checker.feed(rendered.text)
    checker.close()
    assert checker.problems == [], (checker.problems, rendered.text[:300])
    assert "<script" not in rendered.text.lower() and "<img" not in rendered.text.lower()


@PROPERTIES
@given(REPLIES)
def test_plain_rendering_never_raises(reply: Reply) -> None:
    assert isinstance(Renderer("plain").render(reply).text, str)


@PROPERTIES
@given(TEXT, st.booleans())
def test_markdown_to_telegram_html_is_always_valid(text: str, rtl: bool) -> None:
    assert_telegram_html(to_html(text, rtl))


MARKUP = ["<b>", "</b>", "<i>", "</i>", '<a href="https://a.be">', "</a>", "&amp;", " ", "\n",
          "\n\n"]


@PROPERTIES
@given(st.lists(st.one_of(st.sampled_from(MARKUP),
                          st.text(CHARACTERS, min_size=1, max_size=40)), max_size=400),
       st.integers(min_value=8, max_value=300))
def test_split_text_never_cuts_inside_a_tag_or_past_the_limit(pieces: list[str],
                                                              limit: int) -> None:
    text, stack = "", []
    for piece in pieces:  # a well-formed message of any length, tags properly nested
        if piece in {"</b>", "</i>", "</a>"}:
            if stack and stack[-1] == piece:
                text += stack.pop()
            continue
        if piece in {"<b>", "<i>", '<a href="https://a.be">'}:
            stack.append("</" + piece[1] + ">")
        text += piece if piece in MARKUP else (
            piece.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    text += "".join(reversed(stack))
    for part in split_text(text, limit):
        assert visible_length(part) <= limit
        assert_telegram_html(part)
