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
    from bot.offices.directory import OfficeDirectory
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
    offices: OfficeDirectory | None = None


class Part:
    """A part of the conversation: reads its collaborators from the shared Context (set
    late by the wiring, so never copied at construction)."""

    def __init__(self, context: Context) -> None:
        self._context = context

    @property
    def replies(self) -> Replies:
        return self._context.replies

    @property
    def escalation(self) -> EscalationService | None:
        return self._context.escalation

    @property
    def followup(self) -> FollowupService | None:
        return self._context.followup

    @property
    def _storage(self) -> Storage:
        return self._context.storage

    @property
    def _clock(self) -> Clock:
        return self._context.clock

    @property
    def _default_language(self) -> str:
        return self._context.default_language


class BotTurn(Protocol):
    """How a part hands an event back to the ordinary conversation (e.g. a command typed
    while a worker owns the chat)."""

    async def command(self, event: Event, person: Person, language: str) -> Result: ...

    async def button(self, data: str, person: Person, language: str) -> Result: ...
