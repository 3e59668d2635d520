"""What the conversation's parts share, passed in explicitly (no mixins).

The Engine owns one `Context` and gives it to each part; `escalation` and `followup` are
set on it when the application is wired (a channel may add a workers' desk later).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.domain.messages import Event, Reply
from bot.domain.people import Person

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.conversation.replies import Replies
    from bot.escalation.service import EscalationService
    from bot.followup.service import FollowupService
    from bot.storage.ports import Storage

Result = tuple[list[Reply], Person]


@dataclass
class Context:
    replies: Replies
    storage: Storage
    clock: Clock
    default_language: str
    escalation: EscalationService | None = None
    followup: FollowupService | None = None


class BotTurn(Protocol):
    """How a part hands an event back to the ordinary conversation (e.g. a command typed
    while a worker owns the chat)."""

    async def command(self, event: Event, person: Person, language: str) -> Result: ...

    async def button(self, data: str, person: Person, language: str) -> Result: ...
