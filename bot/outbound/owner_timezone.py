"""The timezone of a design's owner, asked of Slack once and remembered: revisits and stall nudges go out in the
owner's working hours."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from bot.outbound.clients import NotInstalled, SlackClients
from bot.outbound.slack_errors import reason
from storage import designs as design_repo
from storage.engine import session_scope
from storage.models import Design, stored_id

logger = logging.getLogger(__name__)

# Slack can't say who the owner is (deleted, or no users:read): their timezone stays unknown, UTC is used.
UNKNOWABLE_USER = frozenset({"user_not_found", "user_not_visible", "missing_scope", "not_allowed_token_type"})


class TimezoneNotYet(Exception):
    """Slack can't tell now; leave the rows leased, so they fall due again when the lease ends."""


class OwnerTimezones:
    def __init__(self, *, engine: Engine, clients: SlackClients) -> None:
        self._engine = engine
        self._clients = clients

    def of(self, design: Design) -> str | None:
        """The owner's timezone. When Slack can't answer for now, TimezoneNotYet: the rows wait (never sent at a
        guessed hour); when it never can (user gone), None, and UTC is used."""
        if design.owner_tz:
            return design.owner_tz
        try:
            tz = self._clients.for_team(design.team_id).users_info(user=design.started_by)["user"].get("tz")
        except NotInstalled:
            return None  # nothing will be posted there either; the send records why
        except SlackApiError as error:
            if error.response.get("error") in UNKNOWABLE_USER:
                return None
            logger.info("no timezone for %s yet: %s", design.started_by, reason(error))
            raise TimezoneNotYet from error
        except (SlackClientError, OSError) as error:
            logger.info("no timezone for %s yet: %s", design.started_by, reason(error))
            raise TimezoneNotYet from error
        if tz:
            with session_scope(self._engine) as session:
                stored = design_repo.get_design(session=session, team_id=design.team_id, design_id=stored_id(design))
                if stored is not None:
                    stored.owner_tz = tz
                    session.add(stored)
            design.owner_tz = tz
        return tz
