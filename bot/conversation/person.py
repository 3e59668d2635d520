"""Moved to bot.domain.people (kept so older imports still work)."""

from bot.domain.people import Mode, Person, PersonRef

__all__ = ["Mode", "Person", "PersonRef"]
