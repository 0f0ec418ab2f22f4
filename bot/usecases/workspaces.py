"""A workspace leaving and coming back: after an uninstall its designs are deleted once a grace period is over,
unless it installs mldesign again first."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from storage import workspaces as workspace_repo

logger = logging.getLogger(__name__)


def uninstalled(*, session: Session, team_id: str, now: datetime, grace: timedelta) -> None:
    workspace_repo.schedule_workspace_removal(session=session, team_id=team_id, now=now, purge_after=now + grace)
    logger.info("workspace %s uninstalled mldesign; its data is deleted after %s unless it returns", team_id, grace)


def returned(*, session: Session, team_id: str) -> None:
    if workspace_repo.cancel_workspace_removal(session=session, team_id=team_id):
        logger.info("workspace %s is back: its designs are kept", team_id)
