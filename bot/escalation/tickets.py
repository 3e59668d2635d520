"""Moved to bot.domain.tickets (kept so older imports still work)."""

from bot.domain.tickets import Ticket, TicketSource, TicketStatus, pseudonym

__all__ = ["Ticket", "TicketSource", "TicketStatus", "pseudonym"]
