"""Metrics and health: what the engine and the database report, and never who or what."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx

from bot.application.metrics import NO_METRICS
from bot.clock import ManualClock
from bot.config import PROJECT_ROOT, load_settings
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.domain.messages import Event, EventKind
from bot.domain.people import PersonRef
from bot.i18n.catalogs import Catalogs
from bot.monitoring.figures import read_figures
from bot.monitoring.prometheus import ErrorCounter, PrometheusMetrics
from bot.monitoring.server import Health, monitoring_app
from tests.databases import fresh_storage

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CHAT = "987654321"


def value(metrics: PrometheusMetrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


async def test_the_engine_counts_updates_replies_and_what_text_became(
    content_source: ContentSource,
) -> None:
    storage = await fresh_storage()
    engine = Engine(content_source, storage, Catalogs(PROJECT_ROOT / "locales"),
                    ManualClock(START))
    metrics = PrometheusMetrics()
    engine.metrics = metrics
    ref = PersonRef("telegram", CHAT)
    secret = "je veux mourir, je vais me tuer ce soir"
    try:
        await engine.handle(Event(ref, EventKind.BUTTON, action="lang:fr"))
        await engine.handle(Event(ref, EventKind.TEXT, text="garantie locative"))
        await engine.handle(Event(ref, EventKind.TEXT, text="zzqx wvvk plorf"))
        await engine.handle(Event(ref, EventKind.TEXT, text=secret))
        await engine.handle(Event(ref, EventKind.BUTTON, action="topic:crisis-medical"))
    finally:
        await storage.close()
    assert value(metrics, "passerelle_updates_total", channel="telegram", language="fr") == 5
    assert value(metrics, "passerelle_replies_total", channel="telegram", language="fr") >= 4
    assert value(metrics, "passerelle_understanding_total", outcome="match",
                 language="fr") == 1
    assert value(metrics, "passerelle_understanding_total", outcome="out_of_scope",
                 language="fr") + value(metrics, "passerelle_understanding_total",
                                        outcome="did_you_mean", language="fr") == 1
    assert value(metrics, "passerelle_understanding_total", outcome="crisis",
                 language="fr") == 1
    assert value(metrics, "passerelle_crisis_detections_total", category="suicide") == 1
    assert value(metrics, "passerelle_crisis_detections_total", category="medical") == 1, \
        "a tap on 'Yes, danger now' (the check question) is counted as a detection"
    page = metrics.exposition().decode()
    assert CHAT not in page and "mourir" not in page and "locative" not in page


async def test_the_database_figures_are_counts_per_state_kind_and_language(
    content_source: ContentSource,
) -> None:
    clock = ManualClock(START)
    storage = await fresh_storage()
    engine = Engine(content_source, storage, Catalogs(PROJECT_ROOT / "locales"), clock)
    try:
        for chat, language in (("1", "fr"), ("2", "ar"), ("3", "ar")):
            ref = PersonRef("web", chat)
            await engine.handle(Event(ref, EventKind.BUTTON, action=f"lang:{language}"))
            await engine.handle(Event(ref, EventKind.BUTTON, action="topic:rental-deposit"))
        person = await storage.person(PersonRef("web", "1"), clock.now())
        await storage.schedule(person.id, "reminder", "r-1", clock.now() - timedelta(hours=1),
                               None)
        await storage.schedule(person.id, "checkin", "c-1", clock.now() + timedelta(days=3),
                               None)
        figures = await read_figures(storage.query, clock.now())
    finally:
        await storage.close()
    assert figures.views == {"fr": 1, "ar": 2}
    assert figures.people == {"fr": 1, "ar": 2}
    assert figures.pending == {("reminder", "due"): 1, ("checkin", "later"): 1}
    assert figures.late == {"reminder": 1}
    assert figures.tickets == {} and figures.oldest_wait_seconds is None
    metrics = PrometheusMetrics()
    metrics.show(figures)
    assert value(metrics, "passerelle_outbox_pending", kind="reminder", when="due") == 1


async def test_metrics_and_health_are_served_and_health_says_what_failed() -> None:
    storage = await fresh_storage()
    metrics = PrometheusMetrics()
    beat: list[float | None] = [None]
    health = Health(storage.query, lambda: beat[0])
    app = monitoring_app(metrics, health, ManualClock(START))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
            page = await client.get("/metrics")
            assert page.status_code == 200
            assert "passerelle_tickets_open" in page.text
            waiting = await client.get("/healthz")
            assert waiting.status_code == 503, "the jobs loop has not turned yet"
            assert json.loads(waiting.text) == {"alive": True, "database": True,
                                                "jobs": False}
            beat[0] = time.monotonic()
            assert (await client.get("/healthz")).status_code == 200
            await storage.close()  # the database is gone
            gone = await client.get("/healthz")
            assert gone.status_code == 503 and json.loads(gone.text)["database"] is False
    finally:
        await storage.close()


def test_error_records_are_counted_by_component_only() -> None:
    import logging

    metrics = PrometheusMetrics()
    logger = logging.getLogger("bot.example")
    handler = ErrorCounter(metrics)
    logger.addHandler(handler)
    try:
        logger.error("failed for %s", CHAT)
        logger.warning("not an error")
    finally:
        logger.removeHandler(handler)
    assert value(metrics, "passerelle_errors_total", where="bot.example") == 1
    assert CHAT not in metrics.exposition().decode()


def test_the_monitoring_port_is_off_by_default_and_local() -> None:
    assert load_settings({}).metrics_port is None
    settings = load_settings({"PASSERELLE_METRICS_PORT": "9108"})
    assert settings.metrics_port == 9108 and settings.metrics_host == "127.0.0.1"
    assert load_settings({"PASSERELLE_METRICS_PORT": "0"}).metrics_port is None
    assert NO_METRICS.understood("match", "fr") is None


async def test_the_dispatcher_counts_due_retried_sent_failed_and_lateness() -> None:
    from bot.application.dispatcher import Dispatcher, DispatchSettings
    from bot.application.outbound import PersonUnreachable, Progress, RetryLater, Router
    from bot.domain.messages import Reply
    from bot.domain.people import Person

    class Flaky:
        def __init__(self) -> None:
            self.failures: list[Exception] = [RetryLater(60)]

        async def send(self, person: Person, reply: Reply, *, skip_parts: int = 0,
                       progress: Progress | None = None) -> None:
            if self.failures:
                raise self.failures.pop(0)

    clock = ManualClock(START)
    storage = await fresh_storage()
    router = Router()
    outbound = Flaky()
    router.register("test", outbound)

    async def compose(person: Person, item: object) -> Reply:
        return Reply("message", "fr", {"text": "Rappel"}, None, ())

    dispatcher = Dispatcher(storage, clock, router, compose,
                            DispatchSettings(per_second=0, per_person_interval=0))
    metrics = PrometheusMetrics()
    dispatcher.metrics = metrics
    try:
        person = await storage.person(PersonRef("test", CHAT), clock.now())
        async with storage.unit_of_work():
            await storage.schedule(person.id, "reminder", "r-1", clock.now())
        assert await dispatcher.tick() == 0, "429: postponed by retry_after"
        clock.advance(timedelta(seconds=61))
        assert await dispatcher.tick() == 1
        assert dispatcher.heartbeat is not None, "the loop's turn is seen by /healthz"
        other = await storage.person(PersonRef("test", "blocked"), clock.now())
        async with storage.unit_of_work():
            await storage.schedule(other.id, "checkin", "week-2", clock.now())
        outbound.failures = [PersonUnreachable()]
        await dispatcher.tick()
    finally:
        await storage.close()
    assert value(metrics, "passerelle_outbox_total", kind="reminder", event="due") == 2
    assert value(metrics, "passerelle_outbox_total", kind="reminder", event="retried") == 1
    assert value(metrics, "passerelle_outbox_total", kind="reminder", event="sent") == 1
    assert value(metrics, "passerelle_outbox_total", kind="checkin", event="failed") == 1
    late = value(metrics, "passerelle_outbox_lateness_seconds_sum", kind="reminder")
    assert 0.5 <= late <= 2, "1 s after its due time, which the retry moved 60 s on"
