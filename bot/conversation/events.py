"""Moved to bot.domain.messages (kept so older imports still work)."""

from bot.domain.messages import Button, Event, EventKind, Reply

__all__ = ["Button", "Event", "EventKind", "Reply"]
