"""Replies → web blocks (the `web` templates of the shared renderer), and the Outbound port.

A glossary button becomes its explanation in place (a <details>, no JavaScript needed),
worded by the engine's own replies; everything else is shown as the engine said it.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from bot.application.outbound import Progress
from bot.channels.web.sessions import Block, Glossed, Screen, Sessions
from bot.conversation.events import Button, Reply
from bot.conversation.person import Person
from bot.render.renderer import Renderer

GlossaryLookup = Callable[[str, str], Reply]


class WebView:
    def __init__(self, sessions: Sessions, glossary: GlossaryLookup) -> None:
        self._sessions = sessions
        self._glossary = glossary
        self._renderer = Renderer("web")

    def block(self, reply: Reply) -> Block:
        rendered = self._renderer.render(reply)
        glossed: list[Glossed] = []
        rows: list[tuple[Button, ...]] = []
        for row in rendered.buttons:
            kept = []
            for button in row:
                kind, _sep, value = button.action.partition(":")
                if kind == "gloss" and value:
                    explanation = self._renderer.render(self._glossary(value, reply.lang))
                    term = button.label.removeprefix("❓").strip()
                    glossed.append(Glossed(term, Markup(explanation.text)))
                else:
                    kept.append(button)
            if kept:
                rows.append(tuple(kept))
        return Block(self._sessions.next_seq(), reply.template, reply.lang, rendered.rtl,
                     Markup(rendered.text), rendered.image, tuple(rows), tuple(glossed),
                     rendered.attachment)

    def screen(self, replies: list[Reply], previous_lang: str | None) -> Screen:
        blocks = [self.block(reply) for reply in replies]
        spoken = [b.lang for b in blocks if b.template != "answer"]
        lang = spoken[-1] if spoken else previous_lang or (blocks[0].lang if blocks else "fr")
        return Screen(self._sessions.next_seq(), lang, blocks)


class WebOutbound:
    """The Outbound port of the web channel: replies pushed to a person (a worker's answer,
    a check-in) wait in the session's bounded memory until the page shows them."""

    def __init__(self, sessions: Sessions, view: WebView) -> None:
        self._sessions = sessions
        self._view = view
        self.listeners: list[Callable[[str], None]] = []

    async def send(self, person: Person, reply: Reply, *, skip_parts: int = 0,
                   progress: Progress | None = None) -> None:
        state = self._sessions.state(person.ref.address)
        state.pushed.append(self._view.block(reply))
        for listener in self.listeners:
            listener(person.ref.address)
        if progress is not None:
            await progress(2 if reply.attachment else 1)
