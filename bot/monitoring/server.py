"""The monitoring endpoint: `/metrics` for Prometheus and `/healthz` for a health check.

Served by the runtime on its own local port (PASSERELLE_METRICS_PORT, on 127.0.0.1 unless
PASSERELLE_METRICS_HOST says otherwise), never on the web point's public port: the figures
are for the people who run the service.

`/healthz` answers 200 when the process is alive, the database answers a query within two
seconds and the jobs loop (the outbox dispatcher) has turned within the last 30 seconds;
else 503, with one JSON object saying which of the three failed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.clock import Clock
from bot.monitoring.figures import Query, read_figures
from bot.monitoring.prometheus import PrometheusMetrics

log = logging.getLogger(__name__)
JOBS_SILENT_AFTER = 30.0  # seconds without a turn of the jobs loop: not alive
DATABASE_TIMEOUT = 2.0


@dataclass
class Health:
    """What `/healthz` checks. `heartbeat` gives the monotonic time of the jobs loop's last
    turn (None: not started yet); `jobs` False when this process runs no jobs."""

    query: Query
    heartbeat: Callable[[], float | None]
    jobs: bool = True

    async def check(self) -> dict[str, bool]:
        database = True
        try:
            await asyncio.wait_for(self.query("SELECT 1", ()), DATABASE_TIMEOUT)
        except Exception as error:  # any failure means "not reachable"
            log.warning("health: the database does not answer (%s)", type(error).__name__)
            database = False
        beat = self.heartbeat()
        jobs = not self.jobs or (beat is not None
                                 and time.monotonic() - beat < JOBS_SILENT_AFTER)
        return {"alive": True, "database": database, "jobs": jobs}


def monitoring_app(metrics: PrometheusMetrics, health: Health, clock: Clock) -> Starlette:
    async def scrape(_request: Request) -> Response:
        try:
            metrics.show(await asyncio.wait_for(read_figures(health.query, clock.now()),
                                                DATABASE_TIMEOUT))
        except Exception as error:  # the counters are still worth showing
            log.warning("metrics: the database figures could not be read (%s)",
                        type(error).__name__)
            metrics.error("metrics")
        return Response(metrics.exposition(),
                        media_type="text/plain; version=0.0.4; charset=utf-8")

    async def healthz(_request: Request) -> Response:
        state = await health.check()
        return Response(json.dumps(state), status_code=200 if all(state.values()) else 503,
                        media_type="application/json")

    return Starlette(routes=[Route("/metrics", scrape, methods=["GET"]),
                             Route("/healthz", healthz, methods=["GET"])])
