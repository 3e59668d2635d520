"""Give a built application its Prometheus metrics and health check (the runtime calls
this once, after the channels and the workers' desk are wired)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.monitoring.prometheus import ErrorCounter, PrometheusMetrics
from bot.monitoring.server import Health

if TYPE_CHECKING:
    from bot.bootstrap import Passerelle


def instrument(app: Passerelle) -> tuple[PrometheusMetrics, Health]:
    metrics = PrometheusMetrics()
    app.engine.metrics = metrics
    if app.engine.escalation is not None:
        app.engine.escalation.metrics = metrics
    if app.dispatcher is not None:
        app.dispatcher.metrics = metrics
    logging.getLogger().addHandler(ErrorCounter(metrics))
    dispatcher = app.dispatcher
    health = Health(app.storage.query,
                    lambda: dispatcher.heartbeat if dispatcher is not None else None,
                    jobs=app.jobs is not None)
    return metrics, health
