"""One send waiting for a workers' group: a row of the workers' queue (migration 0012)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Priority(IntEnum):
    """Lower goes first: a crisis before an urgent ticket before everything else."""

    CRISIS = 0
    URGENT = 1
    NORMAL = 2


@dataclass(frozen=True)
class QueuedSend:
    """What the pacer sends into `group_chat`: ids and our own words, never a person's text."""

    id: int
    group_chat: str
    person_id: int
    priority: Priority
    kind: str  # 'announce', 'relay', 'notify'
    payload: dict[str, object]
    attempts: int
