"""A terminal channel: lines on stdin, replies on stdout, buttons as numbered choices.

It is the same engine as Telegram, so `make run` without a token is a faithful way to
try the conversation. Typing a number presses the button with that number.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.application.outbound import Progress
from bot.conversation.engine import COMMANDS, Engine
from bot.domain.messages import Button, Event, EventKind, Reply
from bot.domain.people import Person, PersonRef
from bot.domain.tickets import Ticket
from bot.escalation.ports import TicketBrief
from bot.render.renderer import Renderer

CHANNEL = "terminal"


class ConsoleDesk:
    """The workers' side for a terminal session: what would reach the workers is printed.

    The terminal's message reference is the typed line itself, so a relay shows it.
    """

    def __init__(self, out: TextIO = sys.stdout, *, workers_answer_here: bool = False) -> None:
        self._out = out
        self._hint = workers_answer_here  # bot.channels.console_workers reads this terminal

    async def announce(self, ticket: Ticket, person: Person, brief: TicketBrief) -> None:
        flag = "URGENT " if brief.urgent else ""
        hint = f"; answer with: #{ticket.id} your words" if self._hint else ""
        self._out.write(f"    [to the workers] {flag}request #{ticket.id} from "
                        f"{brief.pseudonym} ({brief.language}){hint}\n")

    async def relay_from_person(self, ticket: Ticket, person: Person, message_ref: str) -> None:
        self._out.write(f"    [to the workers, request #{ticket.id}] {message_ref}\n")

    async def forget(self, person: Person, thread: str, group: str | None = None) -> None:
        self._out.write("    [to the workers] a person asked to be forgotten: topic removed\n")

    async def notify(self, ticket: Ticket | None, person: Person, text: str) -> None:
        where = f", request #{ticket.id}" if ticket else ""
        self._out.write(f"    [to the workers{where}] {text}\n")


class TerminalChat:
    """One person talking to Passerelle in a terminal."""

    def __init__(
        self, engine: Engine, *, person: str = "local", language: str | None = None,
        out: TextIO = sys.stdout,
    ) -> None:
        self._engine = engine
        self._ref = PersonRef(CHANNEL, person)
        self._language = language
        self._out = out
        self._renderer = Renderer("plain")
        self._buttons: list[Button] = []

    def event_for(self, line: str) -> Event:
        """Turn one typed line into an engine event (a number presses a button)."""
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self._buttons):
            button = self._buttons[int(text) - 1]
            return Event(self._ref, EventKind.BUTTON, action=button.action)
        if text.startswith("/"):
            command = text[1:].split()[0].lower() if len(text) > 1 else ""
            if command in COMMANDS or command:
                argument = text[1:].partition(" ")[2].strip()
                return Event(self._ref, EventKind.COMMAND, command=command, text=argument,
                             language_hint=self._language)
        return Event(self._ref, EventKind.TEXT, text=text, language_hint=self._language,
                     message_ref=text)

    async def send(self, person: Person, reply: Reply, *, skip_parts: int = 0,
                   progress: Progress | None = None) -> None:
        """The Outbound port: a check-in or reminder appears between two prompts."""
        self._out.write("\n")
        self.show([reply])
        if progress is not None:
            await progress(2 if reply.attachment else 1)
        self._out.write("> ")
        self._out.flush()

    def show(self, replies: list[Reply]) -> None:
        self._buttons = []
        for reply in replies:
            rendered = self._renderer.render(reply)
            if rendered.image:
                self._out.write(f"[pictogram: {rendered.image}]\n")
            self._out.write(rendered.text + "\n")
            if rendered.attachment:
                self._out.write(f"[attachment: {rendered.attachment[0]}]\n")
            for row in rendered.buttons:
                labels = []
                for button in row:
                    self._buttons.append(button)
                    labels.append(f"[{len(self._buttons)}] {button.label}")
                self._out.write("   ".join(labels) + "\n")
            self._out.write("\n")
        self._out.flush()

    async def run(self, lines: TextIO = sys.stdin) -> None:
        """Greet, then answer each line until end of input."""
        self.show(await self._engine.handle(
            Event(self._ref, EventKind.COMMAND, command="start", language_hint=self._language)))
        if self._language:
            self.show(await self._engine.handle(
                Event(self._ref, EventKind.BUTTON, action=f"lang:{self._language}")))
        loop = asyncio.get_running_loop()
        while True:
            self._out.write("> ")
            self._out.flush()
            line = await loop.run_in_executor(None, lines.readline)
            if not line:
                break
            if line.strip().lower() in {"/quit", "/exit"}:
                break
            self.show(await self._engine.handle(self.event_for(line)))
