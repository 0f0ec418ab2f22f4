"""Walkthroughs that stalled: no answer for three working days. Each is nudged in its thread, once per question
asked and never more than weekly, mentioning whoever the question waits on, in the owner's working hours."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from bot.base.clock import Clock
from bot.outbound.clients import NotInstalled, SlackClients
from bot.outbound.owner_timezone import OwnerTimezones, TimezoneNotYet
from bot.outbound.slack_errors import is_transient, reason
from bot.render.nudges import stall_message
from bot.usecases.catalogs import Catalogs
from flows.assignments import STALL_WORKING_DAYS, assignee_of, stalled
from flows.nudges import in_working_hours
from flows.nudges import zone as owner_zone
from storage import assignments as assignment_repo
from storage.engine import read_scope, session_scope
from storage.models import Design, stored_id

logger = logging.getLogger(__name__)

STALL_AT_LEAST = timedelta(days=STALL_WORKING_DAYS)  # working days are at least as many calendar days
STALLED_AT_ONCE = 50  # stalled designs looked at per tick; the oldest first, the rest on the next ticks


class StallNudges:
    def __init__(
        self, *, engine: Engine, clients: SlackClients, catalogs: Catalogs, clock: Clock, timezones: OwnerTimezones
    ) -> None:
        self._engine = engine
        self._clients = clients
        self._catalogs = catalogs
        self._clock = clock
        self._timezones = timezones

    def send_due(self) -> int:
        """Nudge each walkthrough with no answer for 3 working days, once per question asked and never more than
        weekly: in its thread, mentioning whoever the question waits on (its assignee, else the owner), in that
        owner's working hours. Returns how many were sent. The claim is taken before posting, so two dispatches
        never both send; a post Slack refuses gives the claim back for a later tick."""
        now = self._clock.now()
        with read_scope(self._engine) as session:
            candidates = list(
                assignment_repo.waiting_since(session=session, before=now - STALL_AT_LEAST, limit=STALLED_AT_ONCE)
            )
            assigned = assignment_repo.of_designs_by_key(session=session, designs=candidates)
        sent = 0
        for design in candidates:
            try:
                zone = owner_zone(self._timezones.of(design))
            except TimezoneNotYet:
                continue
            due = stalled(
                last_change=design.updated_at,
                now=now,
                zone=zone,
                last_nudged=design.stall_nudged_at,
                nudged_this_question=design.stall_nudged_step == design.step,
            )
            if not due or not in_working_hours(now, zone):
                continue
            sent += self._send_stall_nudge(design, assigned.get(stored_id(design), {}), now)
        return sent

    def _send_stall_nudge(self, design: Design, assigned: dict[str, str], now: datetime) -> int:
        with session_scope(self._engine) as session:
            if not assignment_repo.claim_stall_nudge(
                session=session, team_id=design.team_id, design_id=stored_id(design), step=design.step, now=now
            ):
                return 0
        catalog = self._catalogs.of(design)
        question_id = design.current_question_id
        if question_id is None or question_id not in catalog:
            return 0  # claimed all the same: nothing to ask about, and the next tick needn't look again
        waiting_on = assignee_of(catalog, question_id, assigned) or design.started_by
        message = stall_message(design=design, catalog=catalog, question_id=question_id, waiting_on=waiting_on)
        try:
            self._clients.for_team(design.team_id).chat_postMessage(
                channel=design.channel_id, thread_ts=design.parent_ts, text=message.text, blocks=message.blocks
            )
        except (SlackApiError, SlackClientError, OSError, NotInstalled) as error:
            logger.warning("could not nudge the stalled design %s: %s", design.id, reason(error))
            if is_transient(error):  # Slack may take it later; a refusal for good (a channel gone) stays settled
                with session_scope(self._engine) as session:
                    assignment_repo.release_stall_nudge(
                        session=session, team_id=design.team_id, design_id=stored_id(design), step=design.step
                    )
            return 0
        return 1
