"""Follow-up: participants, appointments and the outbox rows of every promised message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class OutboxStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True)
class OutboxItem:
    id: int
    person_id: int
    kind: str
    key: str
    due_at: datetime
    status: OutboxStatus
    attempts: int
    claim: str | None = None
    parts_done: int = 0  # calls of a multi-call message already accepted (text, .ics, …)
    payload: dict[str, object] | None = None  # what to send, for items that need it


@dataclass(frozen=True)
class Participant:
    person_id: int
    programme_end: str
    worker: str | None
    office: str | None
    consented: bool
    stopped: bool


@dataclass(frozen=True)
class Appointment:
    id: int
    person_id: int
    starts_at: datetime
    place: str
    worker: str | None
    answer: str | None = None
