"""What Passerelle remembers about a person: the minimum to hold a conversation.

No name, no phone number, no message text: a channel address (the chat id), the chosen
language, their office, where the conversation stands, and timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Mode(StrEnum):
    """Who answers the person: the bot, or a human worker. Derived from the person's open
    ticket when the person is read (never stored twice)."""

    BOT = "bot"
    WAITING_FOR_PERSON = "waiting"
    WITH_PERSON = "with_person"


@dataclass(frozen=True)
class PersonRef:
    """How a channel addresses a person (e.g. telegram + chat id)."""

    channel: str
    address: str


@dataclass(frozen=True)
class Person:
    id: int
    ref: PersonRef
    language: str | None
    mode: Mode
    failed_matches: int
    pending: str | None
    created_at: datetime
    last_seen_at: datetime
    office: str | None = None  # the office (CPAS/OCMW) they belong to; None: not chosen
