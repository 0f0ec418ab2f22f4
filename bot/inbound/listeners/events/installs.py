"""A workspace uninstalls mldesign or revokes its tokens. When distributed, Bolt's own listeners delete the
tokens from the installation store and the per-workspace client cache forgets them at once, so background
work for that workspace stops instead of calling Slack with a dead token. Either way an uninstall schedules
the deletion of the workspace's data after the grace period (MLDESIGN_UNINSTALL_GRACE_DAYS)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltContext

from bot.base.clock import Clock
from bot.inbound.transactions import Transactions
from bot.outbound.clients import SlackClients
from bot.usecases import workspaces

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Leaving:
    """What the uninstall listeners use: the per-workspace clients (to forget a token at once), the database and
    the time (to schedule the deletion), and how long the grace period is."""

    clients: SlackClients
    db: Transactions
    clock: Clock
    grace: timedelta

    def uninstalled(self, team_id: str) -> None:
        with self.db.unit_of_work() as session:
            workspaces.uninstalled(session=session, team_id=team_id, now=self.clock.now(), grace=self.grace)


def tokens_revoked(app: App, clients: SlackClients) -> Callable[..., None]:
    delete_tokens = app.default_tokens_revoked_event_listener()

    def handle_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        delete_tokens(event=event, context=context)
        if context.team_id:
            clients.forget(context.team_id)

    return handle_tokens_revoked


def app_uninstalled(app: App, leaving: Leaving) -> Callable[..., None]:
    delete_installation = app.default_app_uninstalled_event_listener()

    def handle_app_uninstalled(context: BoltContext) -> None:
        delete_installation(context=context)
        teams = [context.team_id] if context.team_id else []
        store = leaving.clients.installation_store
        if context.is_enterprise_install and context.enterprise_id and store is not None:
            # An org-wide install is kept under the organization alone: it goes, and every workspace it served.
            store.delete_all(enterprise_id=context.enterprise_id, team_id=None)
            teams += leaving.clients.org_teams(context.enterprise_id)
        for team_id in dict.fromkeys(teams):
            leaving.clients.forget(team_id)
            leaving.uninstalled(team_id)

    return handle_app_uninstalled


def single_workspace_uninstalled(leaving: Leaving) -> Callable[..., None]:
    """With one bot token there are no stored tokens to delete; the workspace's data still goes after the
    grace period."""

    def handle_app_uninstalled(body: dict[str, Any]) -> None:
        leaving.uninstalled(str(body["team_id"]))

    return handle_app_uninstalled


def single_workspace_tokens_revoked(body: dict[str, Any]) -> None:
    """With one bot token, Slack still says when it is revoked (first, on an uninstall): nothing is stored to delete,
    but the operator should know, and Slack must get its 200 or it retries the event."""
    logger.warning(
        "Slack revoked mldesign's token in workspace %s: set a new SLACK_BOT_TOKEN to post there again",
        body.get("team_id"),
    )
