"""The workers' side in the terminal that runs Passerelle, when no Telegram workers' group
is configured (`passerelle web`, or `passerelle run` without a token).

Requests are printed there by `ConsoleDesk`; a worker answers in the same terminal:

    #12 Bonjour, je suis Sara.       → to the person of request 12, signed "Sara"… or the
                                       name given with `--worker` (default "Worker")
    #12 /close                       → any desk command, for request 12
    /followups                       → a command outside any request

It is a thin adapter like the Telegram group: each line becomes a `WorkerEvent` for the
application's `WorkersDesk`, and its actions are carried out here.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from typing import TextIO

from bot.application.desk import ActionKind, DeskAction, WorkerEvent, WorkersDesk
from bot.clock import Clock
from bot.storage.ports import TicketStore

LINE = re.compile(r"#(?P<ticket>[0-9]{1,12})\s+(?P<text>.+)", re.DOTALL)


class ConsoleWorkers:
    def __init__(self, desk: WorkersDesk, tickets: TicketStore, clock: Clock, *,
                 worker: str = "Worker", out: TextIO = sys.stdout) -> None:
        self._desk = desk
        self._tickets = tickets
        self._clock = clock
        self._worker = worker
        self._out = out

    async def line(self, typed: str) -> None:
        """One line a worker typed; a mistake gets a hint, never an exception."""
        typed = typed.strip()
        if not typed:
            return
        match = LINE.fullmatch(typed)
        thread: str | None = None
        text = typed
        if match is not None:
            thread = await self._thread_of_ticket(int(match["ticket"]))
            text = match["text"].strip()
            if thread is None:
                self._say(f"No request #{match['ticket']}.")
                return
        elif not typed.startswith("/"):
            self._say("Write #<request number> then your answer, e.g. #3 Bonjour.")
            return
        actions = await self._desk.handle(WorkerEvent(self._worker, thread, text))
        await self._carry_out(actions, text)

    async def run(self, stop: asyncio.Event, source: TextIO = sys.stdin) -> None:
        """Read lines until `stop` (or the end of input: then the point keeps running).

        A daemon thread reads, so a stop never waits for someone to press Enter.
        """
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str] = asyncio.Queue()

        def read() -> None:
            for typed in source:
                loop.call_soon_threadsafe(lines.put_nowait, typed)
            loop.call_soon_threadsafe(lines.put_nowait, "")

        threading.Thread(target=read, name="console-workers", daemon=True).start()
        while not stop.is_set():
            waiting = asyncio.ensure_future(lines.get())
            stopping = asyncio.ensure_future(stop.wait())
            done, _pending = await asyncio.wait({waiting, stopping},
                                                return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            stopping.cancel()
            if waiting not in done:
                return
            typed = waiting.result()
            if typed == "":
                return
            await self.line(typed)

    async def _thread_of_ticket(self, ticket_id: int) -> str | None:
        """The console's "thread" of the request's person (made on first use)."""
        ticket = await self._tickets.ticket(ticket_id)
        if ticket is None:
            return None
        thread = await self._tickets.thread_of(ticket.person_id)
        if thread is None:
            thread = f"console:{ticket.person_id}"
            await self._tickets.remember_thread(ticket.person_id, thread, self._clock.now())
        return thread

    async def _carry_out(self, actions: list[DeskAction], text: str) -> None:
        for action in actions:
            if action.kind is ActionKind.SAY or action.kind is ActionKind.STATUS:
                self._say(action.text)
            elif action.kind is ActionKind.ENROL_LINK:
                self._say(f"/start {action.token}")
            elif action.kind is ActionKind.RELAY and action.person is not None:
                reply = self._desk.signed(action.person, action.signature, text)
                if await self._desk.send_to_person(action.ticket, action.person, [reply]):
                    self._say("✓ sent")

    def _say(self, text: str) -> None:
        self._out.write(f"    [desk] {text}\n")
        self._out.flush()
