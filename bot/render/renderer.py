"""Render engine Replies with jinja2 templates for one text format.

`html` is Telegram's HTML subset (autoescaped: every value is escaped unless a filter
marked it safe); `plain` is for the terminal and logs-free previews; `web` is HTML for
the web information point (autoescaped too; paragraphs as <p>).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bot.domain.messages import Button, Reply
from bot.i18n.locale import is_rtl
from bot.render import markdown

Format = Literal["html", "plain", "web"]


@dataclass(frozen=True)
class Rendered:
    """A reply ready for a channel: text in its format, pictogram name, button rows."""

    text: str
    image: str | None
    buttons: tuple[tuple[Button, ...], ...]
    rtl: bool
    attachment: tuple[str, bytes] | None = None


class Renderer:
    def __init__(self, fmt: Format) -> None:
        self.format = fmt
        self._env = Environment(
            loader=PackageLoader("bot.render", "templates"),
            autoescape=fmt in ("html", "web"),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._env.filters["markdown"] = self._markdown
        self._env.filters["isolate"] = markdown.isolate

    def _markdown(self, text: str, rtl: bool = False) -> str:
        if self.format == "html":
            return Markup(markdown.to_html(text, rtl))
        if self.format == "web":  # to_html escapes every text node; only <p>/<br> added
            return Markup("".join("<p>" + p.replace("\n", "<br>\n") + "</p>\n"
                                  for p in markdown.to_html(text, rtl).split("\n\n")))
        return markdown.to_plain(text, rtl)

    def render(self, reply: Reply) -> Rendered:
        rtl = is_rtl(reply.lang)
        template = self._env.get_template(f"{self.format}/{reply.template}.j2")
        text = template.render(**reply.context, rtl=rtl).strip()
        return Rendered(text=text, image=reply.image, buttons=reply.buttons, rtl=rtl,
                        attachment=reply.attachment)
