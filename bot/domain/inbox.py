"""An update received from a channel, kept until it is handled."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InboxItem:
    """One update received from a channel, durable before the channel is told we have it."""

    id: int
    channel: str
    external_id: int
    lane: str
    payload: str
    attempts: int
