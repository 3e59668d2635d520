"""Which chats are workers' groups, asked at each update: offices (and their groups) come
from the content, which reloads without a restart."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Message
from telegram.ext.filters import MessageFilter


class WorkersChats(MessageFilter):
    """A message in one of the workers' groups `groups()` gives."""

    def __init__(self, groups: Callable[[], frozenset[int]]) -> None:
        super().__init__(name="WorkersChats")
        self._groups = groups

    def filter(self, message: Message) -> bool:
        return message.chat.id in self._groups()
