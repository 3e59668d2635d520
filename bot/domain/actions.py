"""Button actions: the one place where their data is written and read.

Buttons travel as short strings (Telegram callback data is at most 64 bytes) and come
back from the person's phone, so they are parsed defensively: an unknown kind, a field
with a separator in it or an over-long value gives None, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64
SEPARATOR = ":"
MAX_ID_DIGITS = 18  # every 18-digit number is below 2**63, SQLite's largest INTEGER


class Act(StrEnum):
    LANG = "lang"  # lang:<code>
    LANGUAGES = "languages"  # the language picker
    MENU = "menu"
    THEME = "theme"  # theme:<id>
    TOPIC = "topic"  # topic:<id>
    GLOSSARY = "gloss"  # gloss:<id>
    FEEDBACK = "fb"  # fb:<topic>:<1|0>
    PERSON = "person"  # person[:crisis|failed]
    ABOUT = "about"  # about:<topic or theme|skip>
    LEAVE = "leave"  # back to the bot from a ticket
    SATISFACTION = "sat"  # sat:<ticket>:<1..3>
    CONSENT = "consent"  # consent:<yes|no>
    CHECKIN = "ci"  # ci:<outbox item>:<question>:<answer>
    APPOINTMENT = "appt"  # appt:<id>:<yes|no>
    FORGET = "forget"  # forget:<yes|no>
    OFFICE = "office"  # office[:<id>]: the office picker, or choosing an office


@dataclass(frozen=True)
class Action:
    kind: Act
    args: tuple[str, ...] = ()

    @property
    def value(self) -> str:
        """The arguments as one string (e.g. "12:0:help"), for handlers that split it."""
        return SEPARATOR.join(self.args)

    def arg(self, index: int, default: str = "") -> str:
        return self.args[index] if index < len(self.args) else default

    def number(self, index: int) -> int | None:
        """The argument as a stored id or index, None unless it is one (see `number`)."""
        return number(self.arg(index))


def number(text: str) -> int | None:
    """An id or index read from data that came back from outside: ASCII digits only
    (`"²".isdigit()` is True but `int("²")` raises), and small enough for SQLite."""
    if not text or len(text) > MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def encode(kind: Act, *args: object) -> str:
    """Write a button's data; refuses what would not fit or not parse back."""
    parts = [str(arg) for arg in args]
    if any(SEPARATOR in part for part in parts):
        raise ValueError(f"a button argument contains '{SEPARATOR}': {parts}")
    data = SEPARATOR.join([kind.value, *parts])
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"button data over {MAX_BYTES} bytes: {data!r}")
    return data


def parse(data: str) -> Action | None:
    """Read a button's data; None for anything this version never wrote."""
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None  # (a lone surrogate from forged JSON counts, it does not raise)
    head, *args = data.split(SEPARATOR)
    try:
        kind = Act(head)
    except ValueError:
        return None
    return Action(kind, tuple(args))
