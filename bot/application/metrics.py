"""What happens, counted: the application's one port for metrics.

The engine, the dispatcher and the escalation service call a `Metrics`; the default does
nothing, so tests and the terminal need no monitoring. The Prometheus adapter
(`bot.channels.monitoring`) implements it for a running process.

Labels are closed sets chosen by the code (a channel, a language code, an outcome, a
crisis category, an outbox kind): never a chat id, a pseudonym or any text a person wrote.
"""

from __future__ import annotations

from typing import Protocol

OUTCOMES = ("match", "did_you_mean", "out_of_scope", "crisis", "crisis_check")
OUTBOX_EVENTS = ("due", "sent", "failed", "retried")


class Metrics(Protocol):
    """Everything the application reports; each call is cheap and never raises."""

    def update_in(self, channel: str, language: str) -> None:
        """One event from a person (a message, a button, a command)."""

    def replies_out(self, channel: str, language: str, count: int) -> None:
        """The replies the application gave for one event."""

    def understood(self, outcome: str, language: str) -> None:
        """What typed text became: one of OUTCOMES."""

    def crisis(self, category: str) -> None:
        """A danger signal (its category, e.g. 'suicide', or 'general')."""

    def ticket_waited(self, seconds: float) -> None:
        """A ticket was taken by a worker this long after it opened."""

    def outbox(self, kind: str, event: str) -> None:
        """A promised message (kind: checkin, reminder, notice) was due, sent, failed…"""

    def outbox_lateness(self, kind: str, seconds: float) -> None:
        """How long after its due time a promised message was accepted by its channel (a
        retry moves the due time: this is the dispatcher's own delay, not the platform's)."""

    def error(self, where: str) -> None:
        """Something failed (a component name, never a person)."""


class NoMetrics:
    """The default: nothing is counted."""

    def update_in(self, channel: str, language: str) -> None:
        return None

    def replies_out(self, channel: str, language: str, count: int) -> None:
        return None

    def understood(self, outcome: str, language: str) -> None:
        return None

    def crisis(self, category: str) -> None:
        return None

    def ticket_waited(self, seconds: float) -> None:
        return None

    def outbox(self, kind: str, event: str) -> None:
        return None

    def outbox_lateness(self, kind: str, seconds: float) -> None:
        return None

    def error(self, where: str) -> None:
        return None


NO_METRICS: Metrics = NoMetrics()
