"""Publishing a person's App Home tab, with views.publish, whenever they open it (in the background: it reads the
database and calls Slack)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from bot.base.clock import Clock
from bot.outbound.clients import SlackClients
from bot.render.home import MAX_DESIGNS, home_view
from bot.usecases import overview
from bot.usecases.catalogs import Catalogs
from flows.overview import DesignOverview
from storage.engine import read_scope

logger = logging.getLogger(__name__)


class Home:
    def __init__(self, *, engine: Engine, clients: SlackClients, catalogs: Catalogs, clock: Clock) -> None:
        self._engine = engine
        self._clients = clients
        self._catalogs = catalogs
        self._clock = clock  # an acceptance holds until its day comes, by this clock (the sandbox's moves)

    def entries(self, team_id: str, user_id: str) -> tuple[list[DesignOverview], int]:
        with read_scope(self._engine) as session:
            return overview.person_designs(
                session=session,
                catalogs=self._catalogs,
                team_id=team_id,
                user_id=user_id,
                limit=MAX_DESIGNS,
                today=self._clock.now().date(),
            )

    def publish(self, team_id: str, user_id: str) -> None:
        entries, hidden = self.entries(team_id, user_id)
        view = home_view(viewer=user_id, entries=entries, hidden=hidden)
        try:
            self._clients.for_team(team_id).views_publish(user_id=user_id, view=view)
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.warning("could not publish the Home tab of %s: %s", user_id, type(error).__name__)
