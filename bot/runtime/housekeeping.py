"""Periodic tidying: replay-guard signatures past Slack's window, event ids past its retries, OAuth states past
their ten minutes, and the data of workspaces whose grace period after an uninstall is over."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.base.clock import Clock
from bot.inbound.replays import SIGNATURE_LIFETIME
from bot.outbound.clients import SlackClients
from bot.usecases import workspaces
from storage import deliveries as delivery_repo
from storage import workspaces as workspace_repo
from storage.engine import read_scope, session_scope
from storage.installations import prune_expired_states

logger = logging.getLogger(__name__)

# Slack retries an event for about an hour; a day covers any duplicate delivery.
EVENT_MEMORY = timedelta(days=1)


class Housekeeping:
    def __init__(self, *, engine: Engine, clients: SlackClients, clock: Clock, distributed: bool) -> None:
        self._engine = engine
        self._clients = clients
        self._clock = clock
        self._distributed = distributed

    def run(self) -> None:
        now = datetime.now(UTC)
        with session_scope(self._engine) as session:
            delivery_repo.prune_seen(
                session=session, requests_before=now - SIGNATURE_LIFETIME, events_before=now - EVENT_MEMORY
            )
            if self._distributed:
                prune_expired_states(session=session, now=now)
        self.purge_uninstalled()

    def purge_uninstalled(self) -> None:
        with read_scope(self._engine) as session:
            due = workspace_repo.workspace_removals_due(session=session, now=self._clock.now())
        for team_id in due:
            if self._clients.is_installed(team_id):  # installed again (distributed): keep everything
                with session_scope(self._engine) as session:
                    workspaces.returned(session=session, team_id=team_id)
                continue
            with session_scope(self._engine) as session:
                designs = workspace_repo.purge_workspace(session=session, team_id=team_id, now=self._clock.now())
            if designs is not None:
                store = self._clients.installation_store
                if store is not None:
                    store.forget_org_team(team_id)
                logger.info("deleted the data of workspace %s (%s designs), its grace period over", team_id, designs)
