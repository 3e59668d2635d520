"""Passerelle's own errors, under one root (as httpx has one), so an edge can catch them
all and each one says what it means for a person or a worker."""

from __future__ import annotations


class PasserelleError(Exception):
    """The root of Passerelle's own errors."""


class PersonUnreachable(PasserelleError):
    """The person blocked the bot (Telegram 403) or left the channel: stop, do not retry."""


class RetryLater(PasserelleError):
    """Rate limited (429) or a transient failure: try again after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class NoRoute(PasserelleError):
    """No channel of this process can reach the person."""


class StorageUnavailable(PasserelleError):
    """The database cannot take the change now (disk full, locked too long, read-only):
    nothing of the unit of work was written; the person can try again."""


class TicketError(PasserelleError):
    """A worker action on a ticket that does not allow it (closed, unknown)."""
