"""What a revisit's nudge message shows (each question's current answer and last confirmation), read for several
designs at once, rendered, and brought up to date after someone acts on it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlmodel import Session

from bot.outbound.clients import SlackClients
from bot.outbound.slack_errors import reason
from bot.render.blocks import Message
from bot.render.nudges import Confirmation, nudge_message
from bot.usecases.catalogs import Catalogs
from flows.acceptance import rule_of_revisit
from flows.nudges import NudgeStatus, closed_unsent
from flows.review import review
from flows.walkthrough import chosen_in
from storage import acceptances as acceptance_repo
from storage import alerts as alert_repo
from storage import answers as answer_repo
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage.engine import read_scope, session_scope
from storage.models import Design, FindingAcceptance, Nudge, ProductionAlert, stored_id
from storage.nudges import DesignKey

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shown:
    """What a nudge message shows beside its questions: their current answers and last confirmations."""

    answers: dict[str, nudge_repo.ShownAnswer]
    confirmations: dict[str, Confirmation]
    acceptances: dict[str, FindingAcceptance] = field(default_factory=dict)  # the latest of each finding, by rule
    # Read for a dispatch: the due rows that need no message, and the outcome each closes with.
    closing: dict[int, NudgeStatus] = field(default_factory=dict)
    alerts: dict[int, list[ProductionAlert]] = field(default_factory=dict)  # by nudge id: the alerts that reopened it


class ReadAhead:
    """What the messages of a batch's designs show, read for a few designs at a time (one pair of queries instead of
    one per design) just before the first of them posts, so what a nudge shows is at most seconds old."""

    def __init__(
        self, read: Callable[[list[DesignKey]], dict[DesignKey, Shown]], order: list[DesignKey], *, at_once: int
    ) -> None:
        self._read = read
        self._at_once = at_once
        self._order = order
        self._position = {key: index for index, key in enumerate(order)}
        self._ready: dict[DesignKey, Shown] = {}
        self._lock = threading.Lock()

    def take(self, key: DesignKey) -> Shown:
        with self._lock:
            if key not in self._ready:
                start = self._position[key]
                self._ready |= self._read(
                    [k for k in self._order[start : start + self._at_once] if k not in self._ready]
                )
            return self._ready.pop(key)


def _by_team(keys: Iterable[DesignKey]) -> dict[str, list[int]]:
    """Design ids grouped by workspace: every repository read is scoped to one."""
    by_team: dict[str, list[int]] = {}
    for team_id, design_id in keys:
        by_team.setdefault(team_id, []).append(design_id)
    return by_team


def _latest_acceptances(session: Session, keys: Sequence[DesignKey]) -> dict[DesignKey, dict[str, FindingAcceptance]]:
    """The latest acceptance of each finding of these designs (one query per workspace among them)."""
    found: dict[DesignKey, dict[str, FindingAcceptance]] = {}
    for team_id, design_ids in _by_team(keys).items():
        for design_id, rows in acceptance_repo.of_designs(
            session=session, team_id=team_id, design_ids=design_ids
        ).items():
            found[(team_id, design_id)] = {row.rule_id: row for row in rows}  # oldest first: the latest stays
    return found


def _alerts_shown(nudges: Sequence[Nudge], alerts: dict[int, list[ProductionAlert]]) -> list[ProductionAlert]:
    """The alerts that reopened a message's revisits, each once, oldest first."""
    found = {alert.id: alert for nudge in nudges for alert in alerts.get(nudge.id or 0, [])}
    return sorted(found.values(), key=lambda alert: (alert.starts_at, alert.id or 0))


class NudgeMessages:
    def __init__(self, *, engine: Engine, clients: SlackClients, catalogs: Catalogs) -> None:
        self._engine = engine
        self._clients = clients
        self._catalogs = catalogs

    def render(self, design: Design, nudges: Sequence[Nudge], shown: Shown | None = None) -> Message:
        if shown is None:
            shown = self.read_shown([design], nudges)[(design.team_id, stored_id(design))]
        return nudge_message(
            design=design,
            catalog=self._catalogs.of(design),
            nudges=nudges,
            answers=shown.answers,
            confirmations=shown.confirmations,
            acceptances=shown.acceptances,
            alerts=_alerts_shown(nudges, shown.alerts),
        )

    def read_shown(
        self, designs: Sequence[Design], nudges: Sequence[Nudge], *, triage: bool = False
    ) -> dict[DesignKey, Shown]:
        """What the designs' messages show beside these rows' questions: two queries, however many designs. With
        ``triage`` (a dispatch about to send them), also which rows need no message."""
        keys = [(design.team_id, stored_id(design)) for design in designs]
        questions = sorted({nudge.question_id for nudge in nudges})
        with read_scope(self._engine) as session:
            answers = nudge_repo.answers_shown(session=session, designs=keys, question_ids=questions)
            confirmed = nudge_repo.last_confirmations(session=session, designs=keys, question_ids=questions)
            accepted = _latest_acceptances(session, keys) if any(rule_of_revisit(q) for q in questions) else {}
            closing = self._triage(session, designs, nudges) if triage else {}
            alerted = [nudge.id for nudge in nudges if nudge.by_alert and nudge.id is not None]
            alerts = alert_repo.alerts_of_nudges(session=session, nudge_ids=alerted) if alerted else {}
        return {
            key: Shown(
                answers=answers.get(key, {}),
                confirmations={
                    question_id: Confirmation(at=at, by=by) for question_id, (at, by) in confirmed.get(key, {}).items()
                },
                acceptances=accepted.get(key, {}),
                closing=closing.get(key, {}),
                alerts=alerts,
            )
            for key in keys
        }

    def _triage(
        self, session: Session, designs: Sequence[Design], nudges: Sequence[Nudge]
    ) -> dict[DesignKey, dict[int, NudgeStatus]]:
        """Which due rows need no message (``flows.nudges.closed_unsent``), from every design's choices read at once,
        and the full answers only of a design whose accepted finding's expiry fell due: do the rules still raise it?"""
        rows: dict[DesignKey, list[Nudge]] = {}
        for nudge in nudges:
            rows.setdefault((nudge.team_id, nudge.design_id), []).append(nudge)
        states = {
            (team_id, design_id): found
            for team_id, design_ids in _by_team((design.team_id, stored_id(design)) for design in designs).items()
            for design_id, found in answer_repo.answer_states_of(
                session=session, team_id=team_id, design_ids=design_ids
            ).items()
        }
        closing = {}
        for design in designs:
            key = (design.team_id, stored_id(design))
            due, catalog = rows.get(key, []), self._catalogs.of(design)
            raised = None
            if any(rule_of_revisit(nudge.question_id) for nudge in due):
                current = answer_repo.current_answers(session=session, team_id=key[0], design_id=key[1])
                raised = {finding.rule_id for finding in review(catalog, current)}
            applying = {question.id for question in catalog.applicable(chosen_in(states.get(key, {})))}
            closing[key] = closed_unsent(due, applying=applying, raised=raised, reminders=design.reminders_enabled)
        return closing

    def mark_lapsed(self, design: Design, nudges: Sequence[Nudge], now: datetime) -> bool:
        """Whether an acceptance among these revisits lapsed; if so the design is marked changed, so that its summary,
        canvas and Home show the finding open again."""
        if not any(rule_of_revisit(nudge.question_id) for nudge in nudges):
            return False
        with session_scope(self._engine) as session:
            design_repo.mark_changed_by_id(session=session, key=(design.team_id, stored_id(design)), now=now)
        return True

    def refresh(self, team_id: str, design_id: int, message_ts: str) -> None:
        """Show outcomes on a nudge message after someone acted on it."""
        with read_scope(self._engine) as session:
            design = design_repo.get_design(session=session, team_id=team_id, design_id=design_id)
            nudges = nudge_repo.nudges_in_message(
                session=session, team_id=team_id, design_id=design_id, message_ts=message_ts
            )
        if design is None or not nudges:
            return
        message = self.render(design, nudges)
        try:
            self._clients.for_team(design.team_id).chat_update(
                channel=design.channel_id, ts=message_ts, text=message.text, blocks=message.blocks
            )
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.warning("could not update nudge message %s: %s", message_ts, reason(error))
