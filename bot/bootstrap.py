"""The one place that wires configuration → storage → content → application → channels.

Everything else receives its collaborators; nothing reaches for globals. Tests call
`build` with an in-memory database and a manual clock. Each channel registers its way
out with the `Router`, so the jobs (outbox, waiting tickets) serve every channel alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.application.desk import WorkersDesk
from bot.application.dispatcher import Dispatcher, DispatchSettings
from bot.application.jobs import Jobs, WaitingTickets
from bot.application.leases import Leases, owner_name
from bot.application.outbound import Router
from bot.application.retention import Retention, retention_days, ticket_days
from bot.application.workers_queue import QueuedDesk, WorkersQueueSettings, WorkersSender
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content.source import ContentSource
from bot.conversation.engine import Engine
from bot.escalation.office_hours import OfficeHours
from bot.escalation.ports import WorkerDesk
from bot.escalation.service import EscalationService, EscalationSettings
from bot.followup.schedule import load_plan
from bot.followup.service import FollowupService
from bot.i18n.catalogs import Catalogs
from bot.offices.directory import OfficeDirectory
from bot.storage import is_postgres, open_storage
from bot.storage.sqlite import SqlStorage
from bot.understanding.embeddings import Embedder, load_embedder

if TYPE_CHECKING:
    from bot.channels.telegram.adapter import TelegramChannel
    from bot.channels.telegram.desk import TelegramDesk


@dataclass
class Passerelle:
    """The wired application: what the entry points run."""

    settings: Settings
    storage: SqlStorage
    content: ContentSource
    catalogs: Catalogs
    engine: Engine
    clock: Clock
    router: Router = field(default_factory=Router)
    dispatcher: Dispatcher | None = None
    jobs: Jobs | None = None
    waiting: WaitingTickets | None = None
    leases: Leases | None = None

    async def close(self) -> None:
        if self.leases is not None:  # the work it held goes to other processes at once
            await self.leases.release_all()
        await self.storage.close()


def make_embedder(settings: Settings) -> Embedder | None:
    if not settings.semantic_matching:
        return None
    return load_embedder(settings.cache_dir / "embeddings.npz")


def load_content_source(settings: Settings) -> ContentSource:
    """Content and matcher; raises ContentError listing every problem."""
    return ContentSource(settings.content_dir, make_embedder(settings), settings.cache_dir)


async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    content: ContentSource | None = None,
    db_path: Path | str | None = None,
    dispatch: DispatchSettings | None = None,
) -> Passerelle:
    where = db_path if db_path is not None else settings.database
    storage = await open_storage(where)
    source = content or load_content_source(settings)
    catalogs = Catalogs(settings.locales_dir)
    clock = clock or SystemClock()
    followup = FollowupService(storage, clock, load_plan(settings.content_dir))
    engine = Engine(source, storage, catalogs, clock, settings.default_language,
                    followup=followup)
    engine.offices = office_directory(settings, source)
    app = Passerelle(settings, storage, source, catalogs, engine, clock)
    shared = is_postgres(where)  # several processes may share it
    app.leases = Leases(storage, clock, owner_name(settings.instance, shared), shared=shared)
    app.dispatcher = Dispatcher(storage, clock, app.router, engine.outbox_message, dispatch)
    storage.on_scheduled(app.dispatcher.wake)
    app.jobs = Jobs(app.dispatcher, leases=app.leases)
    retention = Retention(storage, clock, retention_days(settings.extra),
                          ticket_days(settings.extra))
    app.jobs.add("retention", retention.tick, timedelta(hours=6))
    return app


def escalation_settings(settings: Settings) -> tuple[OfficeHours, EscalationSettings]:
    """Office hours and waiting thresholds from the config file ([passerelle.office_hours],
    [passerelle.escalation]); sensible defaults without one."""
    hours = settings.extra.get("office_hours")
    escalation = settings.extra.get("escalation")
    return (OfficeHours.from_config(hours if isinstance(hours, dict) else None),
            EscalationSettings.from_config(escalation if isinstance(escalation, dict) else None))


def office_directory(settings: Settings, source: ContentSource) -> OfficeDirectory:
    """The offices of content/offices/ (reloaded with the content); an office without its
    own group or hours, or the single implicit office, uses the deployment's."""
    hours = settings.extra.get("office_hours")
    return OfficeDirectory(lambda: source.current.library.offices, settings.workers_chat_id,
                           hours if isinstance(hours, dict) else None)


def wire_escalation(app: Passerelle, desk: WorkerDesk) -> EscalationService:
    """Give the engine a way to reach people: tickets through `desk`; the waiting job."""
    hours, options = escalation_settings(app.settings)
    service = EscalationService(app.storage, desk, hours, app.clock, options,
                                gettext=app.catalogs.get(options.workers_language).gettext,
                                hours_of=app.engine.offices.hours_of)
    app.engine.escalation = service
    if app.jobs is not None:
        app.waiting = WaitingTickets(service, app.storage, app.clock)
        app.jobs.add("waiting-tickets", app.waiting.tick, timedelta(seconds=60))
    return service


def workers_queue(app: Passerelle, desk: TelegramDesk) -> QueuedDesk:
    """Relays and announcements into workers' groups go through the paced, durable queue
    (bot.application.workers_queue); its sender runs with the jobs of every process."""
    from bot.channels.telegram.deliver import bot_api_errors

    per_minute = app.settings.workers_per_minute
    pace = WorkersQueueSettings(per_minute=per_minute,
                                gap=min(timedelta(seconds=1), timedelta(minutes=1) / per_minute))
    telegram_time = SystemClock()  # Telegram's limit runs in real time, even when a test
    # holds the application's clock still (office hours, reminders)
    sender = WorkersSender(app.storage, telegram_time, desk, pace, errors=bot_api_errors)
    if app.jobs is not None:
        app.jobs.add_loop("workers-queue", sender.run)
    return QueuedDesk(app.storage, desk, desk.group, telegram_time, sender.wake)


def telegram_channel(app: Passerelle) -> TelegramChannel:
    """The Telegram channel, with the workers' forum groups when any is configured
    (PASSERELLE_WORKERS_CHAT_ID, or the offices' `workers_groups`)."""
    from bot.channels.telegram.adapter import TelegramChannel
    from bot.channels.telegram.deliver import TelegramOutbound
    from bot.channels.telegram.desk import TelegramDesk
    from bot.channels.telegram.sender import CHANNEL
    from bot.channels.telegram.workers import WorkersGroup

    channel = TelegramChannel(app.settings, app.engine, app.storage, app.content, app.clock)
    if app.leases is not None:
        channel.use_leases(app.leases)
    app.router.register(CHANNEL, TelegramOutbound(channel.sender))
    channel.jobs = app.jobs
    offices = app.engine.offices
    if offices.all_groups():
        _hours, options = escalation_settings(app.settings)
        desk = TelegramDesk(channel.application.bot, app.settings.workers_chat_id, app.storage,
                            app.clock, app.catalogs, options.workers_language, offices)
        escalation = wire_escalation(app, workers_queue(app, desk))
        workers = WorkersDesk(app.engine, escalation, app.engine.followup, app.router,
                              offices)
        channel.workers = WorkersGroup(channel.application.bot, desk, workers)
    return channel
