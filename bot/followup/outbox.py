"""Moved to bot.domain.followup (kept so older imports still work)."""

from bot.domain.followup import OutboxItem, OutboxStatus, Participant

__all__ = ["OutboxItem", "OutboxStatus", "Participant"]
