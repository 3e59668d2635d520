"""The one-tap language switch ("Answer in العربية?"), offered once per person and language.

Why once: the offer comes with every message written in another served language than the
chosen one. A person who chose Dutch but types in Arabic and does not tap has said no;
asking again under every answer is noise. Storage remembers only the language code and
when it was offered (table language_offers), never the message.
"""

from __future__ import annotations

from datetime import datetime

from bot.conversation.replies import Replies
from bot.domain.messages import Reply
from bot.domain.people import Person
from bot.storage.ports import Storage
from bot.understanding.written_language import written_language


async def offer_once(replies: Replies, storage: Storage, typed: str, person: Person,
                     language: str, now: datetime) -> list[Reply]:
    """The offer, the first time `typed` is clearly in another served language than the
    chosen `language`; nothing when it was offered before (and not taken)."""
    written = written_language(typed, replies.snapshot.library.languages)
    if written is None or written == language:
        return []
    if person.id > 0 and not await storage.offer_language_once(person.id, written, now):
        return []
    return [replies.language_offer(language, written)]
