"""What the Engine's parts share: its collaborators, declared once for the type checker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.messages import Reply
from bot.domain.people import Person

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.conversation.replies import Gettext, Replies
    from bot.escalation.service import EscalationService
    from bot.followup.service import FollowupService
    from bot.storage.ports import Storage

Result = tuple[list[Reply], Person]


class Flow:
    """Base of the Engine's parts (conversation, follow-up, talking to a person)."""

    escalation: EscalationService | None
    followup: FollowupService | None
    replies: Replies
    _storage: Storage
    _clock: Clock
    _default_language: str

    def _gettext(self, language: str) -> Gettext:
        return self.replies.gettext(language)
