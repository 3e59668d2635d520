"""A ticket: one request of one person to talk to a human social worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TicketStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"


class TicketSource(StrEnum):
    REQUEST = "request"
    FAILED_MATCHES = "failed-matches"
    CRISIS = "crisis"
    CHECKIN = "checkin"


@dataclass(frozen=True)
class Ticket:
    id: int
    person_id: int
    status: TicketStatus
    source: TicketSource
    urgent: bool
    asking: bool
    about: str | None
    worker: str | None
    created_at: datetime
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    announced_at: datetime | None = None
    person_told_at: datetime | None = None
    person_blocked: bool = False
    satisfaction: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status is not TicketStatus.CLOSED


def pseudonym(person_id: int) -> str:
    """A stable, meaningless name for the workers' topic: never a real name or number."""
    words = ("Olive", "Cedar", "Maple", "Willow", "Birch", "Linden", "Aspen", "Rowan",
             "Hazel", "Alder", "Juniper", "Laurel", "Poplar", "Elm", "Ash", "Yew")
    return f"{words[person_id % len(words)]}-{person_id:04d}"
