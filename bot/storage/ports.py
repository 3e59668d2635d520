"""What the engine needs from storage, as Protocols: SQLite today, PostgreSQL later."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.conversation.person import Person, PersonRef


class PersonStore(Protocol):
    async def person(self, ref: PersonRef, now: datetime) -> Person:
        """The stored person for `ref`, created on first contact."""

    async def save_person(self, person: Person) -> None: ...

    async def forget_person(self, person_id: int) -> None:
        """Delete the person and everything linked to them (delete-my-data)."""


class ActivityStore(Protocol):
    async def record_view(self, person_id: int, topic_id: str, lang: str, at: datetime) -> None: ...

    async def record_feedback(
        self, person_id: int, topic_id: str, lang: str, helpful: bool, at: datetime
    ) -> None: ...

    async def recent_views(self, person_id: int, limit: int = 5) -> list[str]: ...


class MediaCache(Protocol):
    """Channel-side ids of uploaded images (Telegram file_id), to upload each once."""

    async def remote_id(self, channel: str, asset: str, fingerprint: str) -> str | None: ...

    async def remember_remote_id(
        self, channel: str, asset: str, fingerprint: str, remote_id: str
    ) -> None: ...

    async def forget_remote_id(self, channel: str, asset: str) -> None: ...


class Storage(PersonStore, ActivityStore, MediaCache, Protocol):
    """Everything at once: what bootstrap hands to the engine and the channels."""

    async def close(self) -> None: ...
