"""`make fuzz`: the whole application under random input, for many simulated people.

Each event is one of: a tap on a button the person was just shown, a stale button (shown
to someone else, or long ago), forged button data (non-ASCII digits, ids past 2**63, lone
surrogates, over-long, unknown kinds), typed text (content phrasings in every language,
crisis words, emoji, bidi controls, HTML and Markdown fragments, 10,000 characters), a
command (with or without a payload, a valid or a used enrolment link), a photo or voice
note, a worker's action in the person's thread (claim, close, answer, /template,
/appointment, /enrol, forged thread ids), or time passing (the outbox and the waiting
tickets job run, so check-ins, reminders and satisfaction buttons come back to be tapped).

It counts, and every count must be 0:
- exceptions: anything raised, or any ERROR logged (the engine logs before apologising);
- empty replies: an event that deserved an answer got none, or a reply renders blank;
- wrong language: a reply not in the person's language (a fallback answer or check-in
  question in the language's fallback chain is right), or, for Arabic, Tigrinya and
  Ukrainian, a reply without a single letter of their script (an untranslated text);
- invalid output: Telegram HTML Telegram would refuse or over its limits, button data
  over 64 bytes or that does not parse back, a web rendering that is not escaped;
- broken invariants at the end: feedback for an answer never shown, rows of nobody.

    python tools/fuzz.py --events 100000 --seed 1 --people 400
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.application.desk import ActionKind, WorkerEvent, WorkersDesk  # noqa: E402
from bot.application.dispatcher import Dispatcher, DispatchSettings  # noqa: E402
from bot.application.jobs import WaitingTickets  # noqa: E402
from bot.application.outbound import Progress, Router  # noqa: E402
from bot.channels.telegram.sender import (  # noqa: E402
    MAX_CAPTION,
    is_blank,
    split_text,
    visible_length,
)
from bot.clock import ManualClock  # noqa: E402
from bot.content.source import ContentSource  # noqa: E402
from bot.conversation.engine import COMMANDS, Engine  # noqa: E402
from bot.domain.actions import MAX_BYTES, Act, parse  # noqa: E402
from bot.domain.messages import Event, EventKind, Reply  # noqa: E402
from bot.domain.people import Person, PersonRef  # noqa: E402
from bot.domain.tickets import Ticket  # noqa: E402
from bot.escalation.office_hours import OfficeHours  # noqa: E402
from bot.escalation.ports import TicketBrief  # noqa: E402
from bot.escalation.service import EscalationService  # noqa: E402
from bot.followup.schedule import load_plan  # noqa: E402
from bot.followup.service import FollowupService  # noqa: E402
from bot.i18n.catalogs import Catalogs  # noqa: E402
from bot.render.renderer import Renderer  # noqa: E402
from bot.storage.sqlite import SqliteStorage  # noqa: E402

CHANNEL = "fuzz"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Brussels
FRAGMENTS = ["<b>", "</b>", "<a href='x'>", "<script>alert(1)</script>", "&amp;", "&", "<",
             ">", '"', "**", "_", "`", "[x](javascript:alert(1))", "[site](https://a.be)",
             "\n", "\n\n", "\u202e", "\u2066", "\u200f", "\u200b", "\u200d", "\ufeff",
             "\u0301", "\u0651", "👩‍👩‍👧", "🇧🇪", "👍🏽", "\x00", "\x1b[31m", "\ud800", "\udfff",
             "/start", "112", "+32 2 555 00 00", "ok", "merci", "؟", "?", "delete my data",
             "je veux mourir", "i want to die", "help", "CPAS", "OCMW"]
ODD_COMMANDS = ("forget", "mydata", "privacy", "START", "start@passerelle_bot", "", "x" * 80,
                "\ud800", "تحقق")
MEDIA = ("photo", "voice", "audio", "video", "video_note", "document", "sticker",
         "location", "contact", "poll", "dice", "other")
TELEGRAM_TAG = re.compile(r'<(b|i|code)>|</(b|i|code|a)>|<a href="(https?://|tel:)[^"<>]*">')
ENTITY = re.compile(r"&(amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);")
SCRIPTS = {"ar": re.compile("[\u0600-\u06ff]"), "ti": re.compile("[\u1200-\u137f]"),
           "uk": re.compile("[\u0400-\u04ff]")}
WEB_TAGS = {"p": {"class", "role"}, "h2": {"class"}, "div": {"class"}, "strong": set(),
            "b": set(), "i": set(), "code": set(), "br": set(), "a": {"href", "rel"}}


@dataclass
class Counts:
    events: int = 0
    exceptions: int = 0
    empty_replies: int = 0
    wrong_language: int = 0
    invalid_output: int = 0
    broken_invariants: int = 0
    replies: int = 0
    seconds: float = 0.0
    kinds: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # the first few, for a human

    @property
    def failures(self) -> int:
        return (self.exceptions + self.empty_replies + self.wrong_language
                + self.invalid_output + self.broken_invariants)

    def note(self, problem: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(problem)

    def summary(self) -> str:
        rate = self.events / self.seconds if self.seconds else 0.0
        return (f"{self.events} events in {self.seconds:.1f} s ({rate:.0f} events/s), "
                f"{self.replies} replies: {self.exceptions} exceptions, "
                f"{self.empty_replies} empty replies, {self.wrong_language} wrong language, "
                f"{self.invalid_output} invalid output, {self.broken_invariants} broken "
                f"invariants\n  events: " + ", ".join(
                    f"{kind} {n}" for kind, n in sorted(self.kinds.items())))


class ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class FuzzDesk:
    """The workers' side: every ticket gets a thread, nothing leaves the process."""

    def __init__(self, storage: SqliteStorage, clock: ManualClock) -> None:
        self._storage = storage
        self._clock = clock

    async def announce(self, ticket: Ticket, person: Person, brief: TicketBrief) -> None:
        if await self._storage.thread_of(person.id) is None:
            await self._storage.remember_thread(person.id, f"t{person.id}", self._clock.now())

    async def relay_from_person(self, ticket: Ticket, person: Person, ref: str) -> None: ...

    async def notify(self, ticket: Ticket | None, person: Person, text: str) -> None: ...

    async def forget(self, person: Person, thread: str) -> None: ...


class WebChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = WEB_TAGS.get(tag)
        if allowed is None:
            self.problems.append(f"web tag <{tag}>")
            return
        self.problems.extend(f"web attribute {name} on <{tag}>" for name, _ in attrs
                             if name not in allowed)


def telegram_html_problem(text: str) -> str | None:
    """Why Telegram would refuse this HTML, or None."""
    stack: list[str] = []
    position = 0
    for match in re.finditer(r"<[^>]*>", text):
        between = text[position:match.start()]
        if "<" in between or ">" in between:
            return "a bare < or >"
        tag = match.group(0)
        if not TELEGRAM_TAG.fullmatch(tag):
            return f"tag {tag[:40]!r}"
        name = tag.strip("</>").split()[0]
        if tag.startswith("</"):
            if not stack or stack.pop() != name:
                return "tags not nested"
        else:
            stack.append(name)
        position = match.end()
    if "<" in text[position:] or ">" in text[position:]:
        return "a bare < or >"
    if stack:
        return "a tag left open"
    if "&" in ENTITY.sub("", text):
        return "a bare &"
    return None


class Fuzz:
    def __init__(self, content: ContentSource, rng: random.Random, people: int,
                 phrases: int) -> None:
        self.content = content
        self.rng = rng
        self.refs = [PersonRef(CHANNEL, str(100_000 + n)) for n in range(people)]
        self.shown: dict[str, list[str]] = {}  # the buttons a person was shown last
        self.seen: list[str] = []  # every button ever shown (stale for most people)
        self.tokens: list[str] = []  # enrolment links, used or not
        self.counts = Counts()
        self.html, self.web, self.plain = Renderer("html"), Renderer("web"), Renderer("plain")
        library = content.current.library
        self.languages = sorted(library.languages)
        every = sorted({p for topic in library.topics.values()
                        for p in (*topic.phrasings, *topic.keywords, topic.title)})
        self.phrases = rng.sample(every, min(phrases, len(every)))  # typed again and again

    async def setup(self) -> None:
        self.clock = ManualClock(START)
        self.storage = await SqliteStorage.open(":memory:")
        catalogs = Catalogs(ROOT / "locales")
        self.followup = FollowupService(self.storage, self.clock, load_plan(ROOT / "content"))
        self.engine = Engine(self.content, self.storage, catalogs, self.clock,
                             followup=self.followup)
        self.escalation = EscalationService(self.storage, FuzzDesk(self.storage, self.clock),
                                            OfficeHours.from_config(None), self.clock)
        self.engine.escalation = self.escalation
        router = Router()
        router.register(CHANNEL, self)
        self.desk = WorkersDesk(self.engine, self.escalation, self.followup, router)
        self.dispatcher = Dispatcher(self.storage, self.clock, router, self.engine.outbox_message,
                                     DispatchSettings(per_second=0, per_person_interval=0))
        self.waiting = WaitingTickets(self.escalation, self.storage, self.clock)

    # -- the Outbound port: what workers, check-ins and reminders send -----------------

    async def send(self, person: Person, reply: Reply, *, skip_parts: int = 0,
                   progress: Progress | None = None) -> None:
        stored = await self.storage.person_by_id(person.id)
        expected = (stored.language if stored else None) or person.language or "fr"
        self.check([reply], expected, person.ref.address, "outbound")
        if progress is not None:
            await progress(1 if reply.attachment is None else 2)

    # -- events ------------------------------------------------------------------------

    async def step(self) -> None:
        roll = self.rng.random()
        ref = self.rng.choice(self.refs)
        if roll < 0.33:
            await self.newcomer(ref, "tap", self.tap(ref))
        elif roll < 0.40:
            await self.newcomer(ref, "stale", self.rng.choice(self.seen) if self.seen else "menu")
        elif roll < 0.48:
            await self.newcomer(ref, "forged", self.forged())
        elif roll < 0.75:
            await self.newcomer(ref, "text", self.text())
        elif roll < 0.85:
            await self.newcomer(ref, "command", "")
        elif roll < 0.89:
            await self.newcomer(ref, "media", self.rng.choice(MEDIA))
        elif roll < 0.97:
            await self.worker()
        else:
            await self.time_passes()

    def tap(self, ref: PersonRef) -> str:
        shown = self.shown.get(ref.address)
        return self.rng.choice(shown) if shown else self.rng.choice(
            ["menu", "lang:fr", "lang:ar", "lang:ti", "lang:uk", "lang:nl", "lang:en"])

    def forged(self) -> str:
        rng = self.rng
        base = rng.choice(self.seen) if self.seen and rng.random() < 0.7 else rng.choice(
            [f"{kind.value}:1" for kind in Act] + ["w:close:1", "w:claim:2"])
        mutation = rng.randrange(9)
        if mutation == 0:
            return re.sub(r"\d+", "²", base)
        if mutation == 1:
            return re.sub(r"\d+", "99999999999999999999", base)
        if mutation == 2:
            return re.sub(r"\d+", rng.choice(["-1", "0", "١", "１", "1.5", ""]), base)
        if mutation == 3:
            return base + rng.choice([":x", ":", "::", ":1:1", "\ud800"])
        if mutation == 4:
            return base[: rng.randrange(len(base) + 1)]
        if mutation == 5:
            return "x" * rng.choice([63, 64, 65, 200])
        if mutation == 6:
            return rng.choice([k.value for k in Act]) + ":" + self.junk(10)
        if mutation == 7:
            return base.replace(":", rng.choice(["\u200b:", ": ", ":\n"]), 1)
        return self.junk(rng.randrange(1, 70))

    def junk(self, size: int) -> str:
        rng = self.rng
        pieces = []
        while sum(map(len, pieces)) < size:
            choice = rng.random()
            if choice < 0.4:
                pieces.append(rng.choice(FRAGMENTS))
            elif choice < 0.7:
                pieces.append(chr(rng.choice([rng.randrange(0x20, 0x7F), rng.randrange(0x80,
                              0x2FFF), rng.randrange(0x1F300, 0x1FAFF), rng.randrange(0xD800,
                              0xE000), rng.randrange(0, 0x20)])))
            else:
                pieces.append(rng.choice(self.phrases)[:20])
        return "".join(pieces)

    def text(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            return rng.choice(self.phrases)
        if roll < 0.62:
            return rng.choice(self.phrases).upper() + rng.choice(["", " ?", "!!", " 😀", "\u200f"])
        if roll < 0.66:
            return (rng.choice(FRAGMENTS + self.phrases) * 10_000)[:10_000]
        if roll < 0.70:
            return rng.choice(["", " ", "\n", "\u200b", "🙂", "?"])
        return self.junk(rng.randrange(1, 120))

    def command(self) -> tuple[str, str]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15 and self.tokens:
            return "start", rng.choice(self.tokens)
        name = rng.choice(COMMANDS) if roll < 0.75 else f"unknown:{rng.choice(ODD_COMMANDS)}"
        payload = "" if rng.random() < 0.7 else self.junk(rng.randrange(1, 40))
        return name, payload

    async def newcomer(self, ref: PersonRef, kind: str, value: str) -> None:
        self.counts.kinds[kind] += 1
        before = await self.row(ref)
        ticket = await self.storage.open_ticket_of(before[0]) if before else None
        message_ref = str(self.counts.events)
        if kind in {"tap", "stale", "forged"}:
            event = Event(ref, EventKind.BUTTON, action=value)
        elif kind == "text":
            event = Event(ref, EventKind.TEXT, text=value, message_ref=message_ref,
                          language_hint=self.rng.choice([None, "fr", "ar", "uk", "xx"]))
        elif kind == "command":
            command, payload = self.command()
            event = Event(ref, EventKind.COMMAND, command=command, text=payload,
                          language_hint=self.rng.choice([None, "nl", "ti", "en-GB"]))
        else:
            caption = self.text() if self.rng.random() < 0.2 else ""
            event = Event(ref, EventKind.MEDIA, media=value, text=caption,
                          message_ref=message_ref)
        try:
            replies = await self.engine.handle(event)
        except Exception as error:  # the engine promises never to raise
            self.counts.exceptions += 1
            self.counts.note(f"{kind} raised {type(error).__name__}")
            return
        after = await self.row(ref)
        expected = (after[1] if after else None) or (before[1] if before else None) or "fr"
        if not replies and (ticket is None or event.kind in {EventKind.BUTTON,
                                                              EventKind.COMMAND}):
            self.counts.empty_replies += 1
            self.counts.note(f"no reply to a {kind} event ({event.kind.value})")
        self.check(replies, expected, ref.address, kind)

    async def row(self, ref: PersonRef) -> tuple[int, str | None] | None:
        rows = await self.storage.query(
            "SELECT id, language FROM people WHERE channel = ? AND address = ?",
            (ref.channel, ref.address))
        return (int(rows[0][0]), rows[0][1]) if rows else None

    def check(self, replies: list[Reply], expected: str, address: str, kind: str) -> None:
        library = self.content.current.library
        chain = library.chain(expected)
        shown: list[str] = []
        for reply in replies:
            self.counts.replies += 1
            actions = [button.action for row in reply.buttons for button in row]
            fallback = (reply.template == "answer" and bool(reply.context.get("notices"))) or \
                any(action.startswith("ci:") for action in actions)
            if reply.lang != expected and not (fallback and reply.lang in chain):
                self.counts.wrong_language += 1
                self.counts.note(f"{kind}: a {reply.template} in {reply.lang}, not {expected}")
            elif not self.in_script(reply, expected):
                self.counts.wrong_language += 1
                self.counts.note(f"{kind}: a {reply.template} for {expected} with no "
                                 f"{expected} letters")
            problem = self.output_problem(reply, actions)
            if problem == "blank":
                self.counts.empty_replies += 1
                self.counts.note(f"{kind}: a blank {reply.template}")
            elif problem is not None:
                self.counts.invalid_output += 1
                self.counts.note(f"{kind}: {problem}")
            shown.extend(actions)
        if replies:
            self.shown[address] = shown
            self.seen.extend(shown)
            if len(self.seen) > 5000:
                del self.seen[:1000]

    def in_script(self, reply: Reply, expected: str) -> bool:
        """Text for a person reading Arabic, Tigrinya or Ukrainian has their letters (a
        worker's own words, signed 👤, are theirs)."""
        letters = SCRIPTS.get(reply.lang)
        if letters is None or reply.lang != expected:
            return True
        text = self.plain.render(reply).text
        return text.startswith("👤") or letters.search(text) is not None

    def output_problem(self, reply: Reply, actions: list[str]) -> str | None:
        for action in actions:
            if len(action.encode("utf-8")) > MAX_BYTES or parse(action) is None:
                return f"button data {action[:70]!r}"
        if any(not button.label.strip() for row in reply.buttons for button in row):
            return "a button without a label"
        text = self.html.render(reply).text
        if is_blank(text):
            return "blank"
        for part in split_text(text):
            problem = telegram_html_problem(part)
            if problem is not None:
                return f"Telegram HTML: {problem}"
        if reply.image and visible_length(text) <= MAX_CAPTION:
            pass  # sent as a caption: within 1024 by this very test
        checker = WebChecker()
        checker.feed(self.web.render(reply).text)
        checker.close()
        if checker.problems:
            return checker.problems[0]
        self.plain.render(reply)
        return None

    # -- the workers' side and time ----------------------------------------------------

    async def worker(self) -> None:
        self.counts.kinds["worker"] += 1
        rng = self.rng
        tickets = await self.storage.open_tickets()
        ticket = rng.choice(tickets) if tickets else None
        thread = await self.storage.thread_of(ticket.person_id) if ticket else None
        roll = rng.random()
        try:
            if roll < 0.1:
                self.counts.kinds["worker-enrol"] += 1
                actions = await self.desk.handle(WorkerEvent(
                    "Marie", None, rng.choice(["/enrol 2026-11-20 Marie CPAS", "/enrol ²",
                                               "/enrol", "/followups"])))
                self.tokens.extend(a.token for a in actions if a.kind is ActionKind.ENROL_LINK)
                return
            if roll < 0.2:  # a forged or stale button in the workers' group
                raw = rng.choice(["²", "99999999999999999999", "", "-1", "1", "\ud800",
                                  str(ticket.id if ticket else 1)])
                found = await self.desk.ticket_in_thread(raw, rng.choice([thread, "t0", None]))
                if found is None:
                    return
                ticket = found
            if ticket is None:
                return
            if roll < 0.35:
                await self.desk.claim(ticket.id, "Marie")
            elif roll < 0.5:
                await self.desk.close(ticket.id, "Marie")
            else:
                line = rng.choice([
                    "Bonjour, je regarde votre dossier.", "/note appeler demain", "/lang",
                    "/urgent", "/checkins", "/enddate 2026-12-01", "/enddate ²",
                    f"/template {rng.choice(self.phrases)[:30]}", "/template rental-deposit",
                    "/appointment 2026-12-10 14:30 CPAS Schaerbeek", "/appointment ²",
                    f"/appointment cancel {rng.choice(['1', '²', '99999999999999999999'])}",
                    "/close", self.junk(rng.randrange(1, 60))])
                actions = await self.desk.handle(WorkerEvent(
                    "Marie", rng.choice([thread, thread, "t999999", None]), line))
                for action in actions:
                    if action.kind is ActionKind.RELAY and action.person is not None:
                        reply = self.desk.signed(action.person, action.signature, line)
                        await self.desk.send_to_person(action.ticket, action.person, [reply])
        except Exception as error:
            self.counts.exceptions += 1
            self.counts.note(f"worker action raised {type(error).__name__}: {error}")

    async def time_passes(self) -> None:
        self.counts.kinds["time"] += 1
        self.clock.advance(timedelta(minutes=self.rng.choice([1, 30, 90, 60 * 20, 60 * 24 * 9])))
        try:
            await self.dispatcher.tick()
            await self.waiting.tick()
        except Exception as error:
            self.counts.exceptions += 1
            self.counts.note(f"a job raised {type(error).__name__}: {error}")

    async def invariants(self) -> None:
        checks = {
            "feedback for an answer never shown": (
                "SELECT COUNT(*) FROM feedback f WHERE NOT EXISTS (SELECT 1 FROM topic_views v"
                " WHERE v.person_id = f.person_id AND v.topic_id = f.topic_id)"),
            "a rating of a ticket still open": (
                "SELECT COUNT(*) FROM tickets WHERE satisfaction IS NOT NULL"
                " AND status != 'closed'"),
            "more than one open ticket": (
                "SELECT COUNT(*) FROM (SELECT person_id FROM tickets WHERE status != 'closed'"
                " GROUP BY person_id HAVING COUNT(*) > 1)"),
        }
        for name, sql in checks.items():
            found = int((await self.storage.query(sql))[0][0])
            if found:
                self.counts.broken_invariants += found
                self.counts.note(f"{found} × {name}")
        orphans = await self.storage.query("PRAGMA foreign_key_check")
        if orphans:
            self.counts.broken_invariants += len(orphans)
            self.counts.note(f"{len(orphans)} rows refer to nobody")


async def run(content: ContentSource, *, events: int, seed: int, people: int,
              phrases: int = 400) -> Counts:
    """A fixed-seed run of `events` events; the same seed gives the same run. `phrases`
    content phrasings (in every language, crisis ones too) are what people type most."""
    fuzz = Fuzz(content, random.Random(seed), people, phrases)
    await fuzz.setup()
    # Matching is a pure function of the text and the most expensive step by far: the
    # phrasings typed again and again are matched once (every reply is still checked).
    matcher = content.current.matcher
    for name in ("match", "crisis"):
        setattr(matcher, name, functools.lru_cache(maxsize=20_000)(getattr(matcher, name)))
    errors = ErrorCounter()
    root = logging.getLogger()
    root.addHandler(errors)
    started = time.perf_counter()
    try:
        for _ in range(events):
            fuzz.counts.events += 1
            await fuzz.step()
        await fuzz.invariants()
    finally:
        for name in ("match", "crisis"):
            vars(matcher).pop(name, None)
        root.removeHandler(errors)
        fuzz.counts.seconds = time.perf_counter() - started
        await fuzz.storage.close()
    fuzz.counts.exceptions += len(errors.records)
    for record in errors.records[:5]:
        fuzz.counts.note(f"logged: {record.name}: {record.getMessage()}")
    return fuzz.counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--semantic", action="store_true",
                        help="with the embedding model (slow: about 10 typed messages a second "
                             "on a small machine); by default the matcher is lexical, the rest "
                             "of the application is the same")
    options = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # counted, not printed (never message text)
    from bot.bootstrap import make_embedder
    from bot.config import Settings

    settings = Settings(semantic_matching=options.semantic)
    content = ContentSource(ROOT / "content", make_embedder(settings))
    counts = asyncio.run(run(content, events=options.events, seed=options.seed,
                             people=options.people))
    matcher = "semantic" if options.semantic else "lexical"
    print(f"fuzz (seed {options.seed}, {options.people} people, {matcher} matcher): "
          f"{counts.summary()}")
    for problem in counts.problems:
        print("  -", problem)
    return 1 if counts.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
