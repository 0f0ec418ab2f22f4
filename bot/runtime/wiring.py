"""What the listeners share: settings, database, catalogs, Web API clients, the jobs after the ack, the publisher.

Built once at the entry point and passed down, so nothing reads the environment or opens connections
at import time, and tests can build their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlmodel import Session

from bot.base.clock import Clock, SharedClock, SystemClock
from bot.base.settings import Settings, SettingsError
from bot.inbound.replays import SIGNATURE_LIFETIME, ReplayGuard
from bot.jobs.pool import KeyedBackground
from bot.jobs.values import (
    DispatchNudges,
    Export,
    Jobs,
    LearnOwnerTimezone,
    LocalJobs,
    OpenForm,
    PublishHome,
    RefreshNudge,
    Respond,
)
from bot.outbound.clients import SlackClients
from bot.outbound.export import Exporter, ExportRequest
from bot.outbound.home import Home
from bot.outbound.nudger import DESIGNS_AT_ONCE, Nudger
from bot.outbound.publisher import Publisher
from bot.render import blocks
from bot.render.blocks import Message
from bot.runtime.worker import WorkerLink
from bot.usecases.catalogs import Catalogs
from bot.usecases.ownership import Deleted
from flows.catalog import load_catalog
from storage import repositories as repo
from storage.engine import make_engine, read_scope, session_scope
from storage.installations import (
    UnreadableToken,
    check_readable,
    installation_store,
    prune_expired_states,
    token_cipher,
)
from storage.schema import require_current

logger = logging.getLogger(__name__)

# Slack retries an event for about an hour; a day covers any duplicate delivery.
EVENT_MEMORY = timedelta(days=1)
# Threads for the work a person waits on (forms, ephemeral answers), beside MLDESIGN_BACKGROUND_WORKERS.
INTERACTIVE_WORKERS = 2


@dataclass
class Services:
    settings: Settings
    engine: Engine
    catalogs: Catalogs
    clients: SlackClients
    jobs: Jobs  # Slack work after the acknowledgement: to the worker process, or run here
    local_jobs: LocalJobs  # where this process runs jobs itself
    publisher: Publisher
    exporter: Exporter
    nudger: Nudger
    home: Home
    clock: Clock
    replays: ReplayGuard

    def export(self, request: ExportRequest) -> None:
        """Post a design document after the acknowledgement; a second click while one is queued is one export.
        An export changes nothing in the database but posts in Slack, so its request's signature is stored as a
        change's would be: a replay of it is refused by every process (bot.inbound.replays)."""
        with self.unit_of_work():
            pass
        self.jobs.submit(
            Export(
                team_id=request.team_id,
                design_id=request.design_id,
                user_id=request.user_id,
                response_url=request.response_url,
            )
        )

    def publish_home(self, team_id: str, user_id: str) -> None:
        """Refresh a person's Home tab after the acknowledgement; repeated opens while one is queued are one."""
        self.jobs.submit(PublishHome(team_id=team_id, user_id=user_id))

    def open_form(self, team_id: str, body: dict[str, Any], view: dict[str, Any]) -> None:
        """After the acknowledgement, within the trigger's three seconds: open ``view`` for whoever clicked (if
        Slack refuses, they are told through the click's response URL)."""
        self.jobs.submit(
            OpenForm(team_id=team_id, trigger_id=body["trigger_id"], view=view, response_url=body.get("response_url"))
        )

    def replace_ephemeral(self, response_url: str | None, message: Message) -> None:
        """After the acknowledgement: put ``message`` in place of the ephemeral a button was clicked on."""
        if response_url:
            self.jobs.submit(
                Respond(response_url=response_url, text=message.text, blocks=message.blocks, replace_original=True)
            )

    def tidy_deleted(self, deleted: Deleted) -> None:
        """In Slack, a deleted design's parent message says so, its pinned summary (full of answers) goes, and its
        questions lose their buttons (a click would only be told the design is gone). One message Slack refuses
        doesn't keep the others as they were."""
        client = self.clients.for_team(deleted.team_id)
        channel = deleted.channel_id
        if deleted.parent_ts:
            notice = blocks.notice("deleted.j2", name=deleted.name, by=deleted.deleted_by, answers=deleted.answers)
            _tidy(
                deleted,
                client.chat_update,
                channel=channel,
                ts=deleted.parent_ts,
                text=notice.text,
                blocks=notice.blocks,
            )
        if deleted.summary_ts:
            _tidy(deleted, client.chat_delete, channel=channel, ts=deleted.summary_ts)
        gone = blocks.notice("deleted_question.j2", name=deleted.name)
        for ts in deleted.question_ts:
            _tidy(deleted, client.chat_update, channel=channel, ts=ts, text=gone.text, blocks=gone.blocks)

    def dispatch_soon(self) -> None:
        """Look for due nudges now rather than at the next tick (after `/mldesign remind … now`)."""
        self.jobs.submit(DispatchNudges())

    def learn_owner_timezone(self, team_id: str, design_id: int) -> None:
        """After deployment, in the background: time the first revisits to the owner's own mornings."""
        self.jobs.submit(LearnOwnerTimezone(team_id=team_id, design_id=design_id))

    def refresh_nudge_message(self, team_id: str, design_id: int, message_ts: str | None) -> None:
        if message_ts:
            self.jobs.submit(RefreshNudge(team_id=team_id, design_id=design_id, message_ts=message_ts))

    def housekeeping(self) -> None:
        """Drop replay-guard signatures past Slack's window, event ids past its retries and OAuth states past their
        ten minutes, and delete the data of workspaces whose grace period after an uninstall is over."""
        now = datetime.now(UTC)
        with self.unit_of_work() as session:
            repo.prune_seen(session=session, requests_before=now - SIGNATURE_LIFETIME, events_before=now - EVENT_MEMORY)
            if self.settings.distributed:
                prune_expired_states(session=session, now=now)
        self.purge_uninstalled()

    def workspace_uninstalled(self, team_id: str) -> None:
        """An uninstall: the workspace's designs are deleted after the grace period, unless it comes back."""
        now = self.clock.now()
        grace = timedelta(days=self.settings.mldesign_uninstall_grace_days)
        with self.unit_of_work() as session:
            repo.schedule_workspace_removal(session=session, team_id=team_id, now=now, purge_after=now + grace)
        logger.info("workspace %s uninstalled mldesign; its data is deleted after %s unless it returns", team_id, grace)

    def workspace_returned(self, team_id: str) -> None:
        with self.unit_of_work() as session:
            if repo.cancel_workspace_removal(session=session, team_id=team_id):
                logger.info("workspace %s is back: its designs are kept", team_id)

    def purge_uninstalled(self) -> None:
        with self.read_only() as session:
            due = repo.workspace_removals_due(session=session, now=self.clock.now())
        for team_id in due:
            if self.clients.is_installed(team_id):  # installed again (distributed): keep everything
                self.workspace_returned(team_id)
                continue
            with self.unit_of_work() as session:
                designs = repo.purge_workspace(session=session, team_id=team_id, now=self.clock.now())
            if designs is not None:
                store = self.clients.installation_store
                if store is not None:
                    store.forget_org_team(team_id)
                logger.info("deleted the data of workspace %s (%s designs), its grace period over", team_id, designs)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A transaction; the first one of a listener answering a request also stores the request's signature,
        so a replay of a request that changes something is refused by every process (bot.inbound.replays)."""
        with session_scope(self.engine) as session, ReplayGuard.store_with(session):
            yield session

    @contextmanager
    def read_only(self) -> Iterator[Session]:
        with read_scope(self.engine) as session:
            yield session

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


def build_services(settings: Settings, *, worker_address: str | None = None) -> Services:
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
    clock: Clock = SharedClock(settings.mldesign_clock_url) if settings.mldesign_clock_url else SystemClock()
    publisher = Publisher(engine=engine, clients=clients, catalogs=catalogs, jobs=jobs, clock=clock)
    exporter = Exporter(engine=engine, clients=clients, catalogs=catalogs, clock=clock)
    nudger = Nudger(engine=engine, clients=clients, catalogs=catalogs, clock=clock, publisher=publisher)
    home = Home(engine=engine, clients=clients, catalogs=catalogs)
    services = Services(
        settings=settings,
        engine=engine,
        catalogs=catalogs,
        clients=clients,
        jobs=jobs,
        local_jobs=local,
        publisher=publisher,
        exporter=exporter,
        nudger=nudger,
        home=home,
        clock=clock,
        replays=ReplayGuard(),
    )
    local.attach(services)
    return services


def _tidy(deleted: Deleted, call: Callable[..., object], **arguments: Any) -> None:
    try:
        call(**arguments)
    except (SlackApiError, SlackClientError, OSError) as error:
        logger.warning("could not tidy a message of deleted design %r: %s", deleted.name, type(error).__name__)
