"""The application's Metrics port, counted with `prometheus-client`.

Each instance has its own registry (two tests, or two applications, never share counts).
Gauges that the database knows better than any one process (tickets open, the oldest
waiting ticket, promised messages due or failed) are read from it at each scrape, with
the portable SQL of `bot.monitoring.figures`. Labels are closed sets: channel, language
code, outcome, crisis category, outbox kind, component; never a person.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.monitoring.figures import Figures

WAIT_BUCKETS = (60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600)
LATE_BUCKETS = (0.1, 0.5, 1, 5, 30, 60, 300, 900, 3600)


class PrometheusMetrics:
    """Implements `bot.application.metrics.Metrics`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self._updates = Counter("passerelle_updates", "Events from people",
                                ["channel", "language"], registry=r)
        self._replies = Counter("passerelle_replies", "Replies sent to people",
                                ["channel", "language"], registry=r)
        self._understood = Counter("passerelle_understanding",
                                   "What typed text became (match, did_you_mean, "
                                   "out_of_scope, crisis)", ["outcome", "language"], registry=r)
        self._crisis = Counter("passerelle_crisis_detections", "Danger signals by category",
                               ["category"], registry=r)
        self._waited = Histogram("passerelle_ticket_wait_seconds",
                                 "From a ticket's opening to a worker taking it",
                                 buckets=WAIT_BUCKETS, registry=r)
        self._outbox = Counter("passerelle_outbox", "Promised messages: due, sent, failed, "
                               "retried", ["kind", "event"], registry=r)
        self._late = Histogram("passerelle_outbox_lateness_seconds",
                               "From a promised message's due time to its sending",
                               ["kind"], buckets=LATE_BUCKETS, registry=r)
        self._errors = Counter("passerelle_errors", "Failures by component", ["where"],
                               registry=r)
        self._open = Gauge("passerelle_tickets_open", "Tickets not closed, by state",
                           ["state"], registry=r)
        self._oldest = Gauge("passerelle_ticket_oldest_wait_seconds",
                             "How long the oldest ticket nobody took has waited", registry=r)
        self._due = Gauge("passerelle_outbox_pending", "Promised messages not yet sent",
                          ["kind", "when"], registry=r)
        self._failed = Gauge("passerelle_outbox_failed", "Promised messages given up",
                             ["kind"], registry=r)

    # -- the port ------------------------------------------------------------------------

    def update_in(self, channel: str, language: str) -> None:
        self._updates.labels(channel, language).inc()

    def replies_out(self, channel: str, language: str, count: int) -> None:
        if count > 0:
            self._replies.labels(channel, language).inc(count)

    def understood(self, outcome: str, language: str) -> None:
        self._understood.labels(outcome, language).inc()

    def crisis(self, category: str) -> None:
        self._crisis.labels(category).inc()

    def ticket_waited(self, seconds: float) -> None:
        self._waited.observe(max(0.0, seconds))

    def outbox(self, kind: str, event: str) -> None:
        self._outbox.labels(kind, event).inc()

    def outbox_lateness(self, kind: str, seconds: float) -> None:
        self._late.labels(kind).observe(max(0.0, seconds))

    def error(self, where: str) -> None:
        self._errors.labels(where).inc()

    # -- the scrape ------------------------------------------------------------------------

    def show(self, figures: Figures | None) -> None:
        """Set the database's gauges from freshly read figures."""
        if figures is None:
            return
        for state in ("open", "claimed"):
            self._open.labels(state).set(figures.tickets.get(state, 0))
        self._oldest.set(figures.oldest_wait_seconds or 0.0)
        for (kind, when), count in figures.pending.items():
            self._due.labels(kind, when).set(count)
        for kind, count in figures.failed.items():
            self._failed.labels(kind).set(count)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class ErrorCounter(logging.Handler):
    """Every ERROR record counts as an error of its component (the logger's name, which
    is a module path, never a person)."""

    def __init__(self, metrics: PrometheusMetrics) -> None:
        super().__init__(level=logging.ERROR)
        self._metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        self._metrics.error(record.name)
