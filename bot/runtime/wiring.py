"""Wiring, in one place for each process: what it builds, and who gets which part.

The web process (`serve`, and each of its uvicorn processes), the worker, Socket Mode and the CLI each call one
function here; nothing reads the environment or opens connections at import time, and tests build their own.
Only the runtime holds a whole ``Process``: listeners, jobs and use cases get the few parts they use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.base.clock import Clock, SharedClock, SystemClock
from bot.base.settings import Settings, SettingsError
from bot.inbound.app import create_app
from bot.inbound.listeners.events.installs import Leaving
from bot.inbound.listeners.recording import Recording
from bot.inbound.replays import ReplayGuard
from bot.inbound.transactions import Transactions
from bot.jobs.held import HeldJobs
from bot.jobs.link import ADDRESS_VARIABLE, WorkerLink
from bot.jobs.local import LocalJobs
from bot.jobs.outbox import Outbox
from bot.jobs.pool import KeyedBackground
from bot.jobs.values import Jobs
from bot.outbound.clients import SlackClients
from bot.outbound.export import Exporter
from bot.outbound.home import Home
from bot.outbound.nudger import DESIGNS_AT_ONCE, Nudger
from bot.outbound.publisher import Publisher
from bot.runtime.handlers import job_handlers
from bot.runtime.housekeeping import Housekeeping
from bot.runtime.logs import configure_logging
from bot.runtime.scheduler import PeriodicWork
from bot.usecases.catalogs import Catalogs
from flows.catalog import load_catalog
from storage.engine import make_engine
from storage.installations import UnreadableToken, check_readable, installation_store, token_cipher
from storage.schema import require_current

if TYPE_CHECKING:
    from slack_bolt import App
    from starlette.applications import Starlette

# Threads for the work a person waits on (forms, ephemeral answers), beside MLDESIGN_BACKGROUND_WORKERS.
INTERACTIVE_WORKERS = 2


@dataclass
class Process:
    """What one process built, closed together when it stops."""

    settings: Settings
    engine: Engine
    clients: SlackClients
    clock: Clock
    jobs: Jobs  # Slack work after the acknowledgement: to the worker process, or run here
    local_jobs: LocalJobs  # where this process runs jobs itself
    held_jobs: HeldJobs  # what the listeners submit through: a request's jobs leave once its response is written
    recording: Recording  # what the listeners are given
    leaving: Leaving  # what the uninstall listeners are given
    replays: ReplayGuard
    periodic: PeriodicWork
    housekeeping: Housekeeping

    def bolt_app(self) -> App:
        """The Bolt app (which checks the token with auth.test)."""
        return create_app(settings=self.settings, clients=self.clients, deps=self.recording, leaving=self.leaving)

    def close(self) -> None:
        if isinstance(self.jobs, WorkerLink):
            self.jobs.close()
        self.local_jobs.shutdown()
        self.clock.close()
        self.engine.dispose()


def slack_clients(settings: Settings, engine: Engine) -> SlackClients:
    """One workspace's token, or (when distributed) each installed workspace's token from the database."""
    if settings.distributed:
        assert settings.slack_client_id is not None
        cipher = token_cipher(settings.token_keys())
        try:
            check_readable(engine=engine, cipher=cipher)
        except UnreadableToken as error:
            raise SettingsError(f"MLDESIGN_TOKEN_KEYS: {error}") from None
        store = installation_store(engine=engine, client_id=settings.slack_client_id, cipher=cipher)
        return SlackClients(
            base_url=settings.slack_api_url,
            installation_store=store,
            timeout=settings.slack_timeout_seconds,
            hooks_url=settings.slack_hooks_url,
        )
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return SlackClients(
        base_url=settings.slack_api_url,
        token=token or "",
        timeout=settings.slack_timeout_seconds,
        hooks_url=settings.slack_hooks_url,
    )


def build_process(settings: Settings, *, worker_address: str | None = None) -> Process:
    """Everything a process needs. With ``worker_address`` its Slack work goes to that worker (bot.runtime.worker),
    and is done here only when the worker can't take it; without, it is done here."""
    catalog = load_catalog(settings.mldesign_catalog)
    engine = make_engine(
        settings.database_url,
        pool_size=settings.mldesign_threads,
        # background work, the designs of two dispatches at once (a tick and `remind now`), the sweeps
        max_overflow=settings.mldesign_background_workers + INTERACTIVE_WORKERS + 2 * DESIGNS_AT_ONCE + 4,
    )
    try:
        require_current(engine)
        catalogs = Catalogs(engine=engine, current=catalog)
        catalogs.keep_current()
        clients = slack_clients(settings, engine)
    except BaseException:
        engine.dispose()
        raise
    local = LocalJobs(
        KeyedBackground(max_workers=settings.mldesign_background_workers),
        interactive=KeyedBackground(max_workers=INTERACTIVE_WORKERS),
    )
    jobs: Jobs = local if worker_address is None else WorkerLink(worker_address, fallback=local)
    held_jobs = HeldJobs(jobs)
    outbox = Outbox(held_jobs)
    clock: Clock = SharedClock(settings.mldesign_clock_url) if settings.mldesign_clock_url else SystemClock()
    publisher = Publisher(engine=engine, clients=clients, catalogs=catalogs, jobs=jobs, clock=clock)
    nudger = Nudger(engine=engine, clients=clients, catalogs=catalogs, clock=clock, outbox=outbox)
    local.attach(
        job_handlers(
            publisher=publisher,
            exporter=Exporter(engine=engine, clients=clients, catalogs=catalogs, clock=clock),
            home=Home(engine=engine, clients=clients, catalogs=catalogs, clock=clock),
            nudger=nudger,
            clients=clients,
        )
    )
    db = Transactions(engine)
    housekeeping = Housekeeping(engine=engine, clients=clients, clock=clock, distributed=settings.distributed)
    return Process(
        settings=settings,
        engine=engine,
        clients=clients,
        clock=clock,
        jobs=jobs,
        local_jobs=local,
        held_jobs=held_jobs,
        recording=Recording(
            db=db, catalogs=catalogs, clock=clock, outbox=outbox, public_url=settings.mldesign_public_url
        ),
        leaving=Leaving(
            clients=clients, db=db, clock=clock, grace=timedelta(days=settings.mldesign_uninstall_grace_days)
        ),
        replays=ReplayGuard(),
        periodic=PeriodicWork(
            sweep=publisher.sweep,
            dispatch=nudger.dispatch,
            housekeeping=housekeeping.run,
            sweep_seconds=settings.mldesign_sweep_seconds,
            dispatch_seconds=settings.mldesign_dispatch_seconds,
        ),
        housekeeping=housekeeping,
    )


def web_app(
    process: Process,
    bolt_app: App | None = None,
    *,
    scheduler: bool = False,
    after_shutdown: Callable[[], None] | None = None,
) -> Starlette:
    """The web process's Starlette app over ``process``, closed with it. ``scheduler``: this process also runs the
    periodic work (no worker process does)."""
    from bot.inbound.alert_hook import AlertHook
    from bot.runtime.web import create_web_app

    def shutdown() -> None:
        process.close()
        if after_shutdown is not None:
            after_shutdown()

    return create_web_app(
        bolt_app or process.bolt_app(),
        settings=process.settings,
        replays=process.replays,
        db=process.recording.db,
        periodic=process.periodic if scheduler else None,
        on_shutdown=shutdown,
        held_jobs=process.held_jobs,
        alert_hook=AlertHook(process.recording).endpoint,
    )


WORKER_FACTORY = "bot.runtime.wiring:app_from_environment"


def app_from_environment() -> Starlette:
    """Each uvicorn worker process builds its own app from the same settings the parent checked."""
    from bot.base.settings import load_settings
    from bot.runtime.web import freeze_start_up_heap

    settings = load_settings()
    configure_logging(level=settings.log_level, json_lines=settings.log_format == "json", secrets=settings.secrets())
    process = build_process(settings, worker_address=os.environ[ADDRESS_VARIABLE])  # set by `mldesign serve`
    built = web_app(process)
    freeze_start_up_heap()
    return built
