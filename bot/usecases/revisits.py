"""Use cases after deployment: mark a design deployed, set its reminders, and act on a revisit nudge.

Like the walkthrough's use cases (``bot.usecases.thread_replies`` and its neighbours), each runs in the caller's
unit of work and only touches the database: the nudges themselves go out from the dispatcher
(``bot.outbound.nudger``), which reads the rows written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.usecases import ownership, revisit_schedule
from bot.usecases.catalogs import Catalogs
from bot.usecases.designs import find_design, lock_design
from bot.usecases.errors import TemplatedError, UserFacingError
from flows.acceptance import rule_of_revisit
from flows.nudges import (
    SUCCESS_QUESTION,
    NudgeStatus,
    ReminderSetting,
    RemindEvery,
    RemindNow,
    RemindOff,
    UnknownOption,
    decide_update,
    snoozed_until,
    zone,
)
from flows.permissions import OwnerAction
from flows.walkthrough import AnswerStatus
from storage import answers as answer_repo
from storage import deliveries as delivery_repo
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage.models import Answer, Design, Nudge, stored_id

MAX_MEASURED = 200  # as ``storage.models.Nudge.measured`` holds it


class NotDeployed(UserFacingError):
    pass


class RevisitClosed(UserFacingError):
    pass


@dataclass(frozen=True)
class NudgeAction:
    """A click on a nudge's buttons (or the submission of its update form)."""

    team_id: str
    user_id: str
    nudge_id: int
    interaction_id: str


@dataclass(frozen=True)
class Revisited:
    """What changed: the design to publish, and the nudge message to show the outcome on."""

    design_id: int
    message_ts: str | None


@dataclass(frozen=True)
class RevisitPlan:
    """A design's revisits once a command changed them: what its reply tells the team."""

    design: Design
    open_revisits: int
    next_due: datetime | None


def _plan(session: Session, design: Design) -> RevisitPlan:
    key = {"team_id": design.team_id, "design_id": stored_id(design)}
    return RevisitPlan(
        design=design,
        open_revisits=len(nudge_repo.open_nudges(session=session, **key)),
        next_due=nudge_repo.next_due_at(session=session, **key),
    )


@dataclass(frozen=True)
class OpenRevisit:
    """A revisit still waiting for its outcome, its design, and the answer it asks about (None: unanswered)."""

    nudge: Nudge
    design: Design
    answer: Answer | None


def mark_deployed(
    *,
    session: Session,
    catalogs: Catalogs,
    team_id: str,
    channel_id: str,
    user_id: str,
    name: str,
    on: date | None,
    now: datetime,
) -> RevisitPlan:
    """Record the deployment (today unless a day is given) and schedule a revisit of each decision marked
    ``revisit_after_deployment``; marking it again moves the revisits not sent yet."""
    design = lock_design(session, find_design(session=session, team_id=team_id, channel_id=channel_id, name=name))
    ownership.require(session, design, user_id, OwnerAction.MARK_DEPLOYED)
    design.deployed_at = now if on is None else datetime.combine(on, now.timetz())
    design.reminders_enabled = True
    revisit_schedule.schedule(session, catalogs.of(design), design, now, restart=True)
    design_repo.mark_changed(session=session, design=design, now=now)
    return _plan(session, design)


def deploy_from_summary(
    *, session: Session, catalogs: Catalogs, team_id: str, design_id: int, user_id: str, now: datetime
) -> Design:
    design = design_repo.get_design(session=session, team_id=team_id, design_id=design_id, for_update=True)
    if design is None:
        raise UserFacingError("This design no longer exists.")
    ownership.require(session, design, user_id, OwnerAction.MARK_DEPLOYED)
    if design.deployed_at is None:
        design.deployed_at = now
        design.reminders_enabled = True
        revisit_schedule.schedule(session, catalogs.of(design), design, now, restart=True)
        design_repo.mark_changed(session=session, design=design, now=now)
    return design


def set_reminders(
    *,
    session: Session,
    catalogs: Catalogs,
    team_id: str,
    channel_id: str,
    user_id: str,
    name: str,
    setting: ReminderSetting,
    now: datetime,
) -> RevisitPlan:
    design = lock_design(session, find_design(session=session, team_id=team_id, channel_id=channel_id, name=name))
    if design.deployed_at is None:
        raise NotDeployed(
            f"“{design.name}” is not marked as deployed yet, so there is nothing to revisit. "
            f"`/mldesign deployed {design.name}` marks it."
        )
    if not isinstance(setting, RemindOff) and not design.reminders_enabled:  # an owner stopped them: an owner's call
        ownership.require(session, design, user_id, OwnerAction.RESTART_REMINDERS)
    match setting:
        case RemindOff():
            ownership.require(session, design, user_id, OwnerAction.STOP_REMINDERS)
            revisit_schedule.stop(session, design, now, by=user_id)
        case RemindEvery(every):
            design.reminders_enabled = True
            design.remind_every_days = every.days
            revisit_schedule.schedule(session, catalogs.of(design), design, now, restart=True)
        case RemindNow():
            design.reminders_enabled = True
            revisit_schedule.schedule(session, catalogs.of(design), design, now, restart=False)
            for nudge in nudge_repo.open_nudges(session=session, team_id=team_id, design_id=stored_id(design)):
                if rule_of_revisit(nudge.question_id) is not None:
                    continue  # an accepted finding comes back on its expiry day, not on request
                if nudge.status == NudgeStatus.SCHEDULED and not nudge_repo.is_leased(nudge, now):
                    nudge.due_at, nudge.any_hour = now, True
                    session.add(nudge)
    design_repo.mark_changed(session=session, design=design, now=now)
    return _plan(session, design)


def resolve(
    *, session: Session, catalogs: Catalogs, action: NudgeAction, outcome: NudgeStatus, now: datetime
) -> Revisited | None:
    """Apply "Still holds", "Snooze a week" or "Stop these reminders" to a nudge; None for a repeated click."""
    if not delivery_repo.claim_event(session=session, team_id=action.team_id, event_id=action.interaction_id, now=now):
        return None
    if outcome is NudgeStatus.STOPPED:  # any button of the message stops them, whatever its own state
        nudge, design = _load(session, action)
        ownership.require(session, design, action.user_id, OwnerAction.STOP_REMINDERS)
        revisit_schedule.stop(session, design, now, by=action.user_id)
    else:
        nudge, design = _load(session, action, require_open=True)
        revisit_schedule.close(session, nudge, outcome, by=action.user_id, now=now)
        if outcome is NudgeStatus.SNOOZED:
            # A week from the click, and never less than a week from when the nudge went out: a web process whose
            # clock lags the worker's (hosts drift; the sandbox's clock is read twice a second) can't snooze it into
            # the past, where it would come straight back.
            until = snoozed_until(max(now, nudge.sent_at or now), zone(design.owner_tz))
            revisit_schedule.add(session, design, nudge.question_id, until, not_before=until)
        else:
            revisit_schedule.schedule_next(
                session=session, catalog=catalogs.of(design), design=design, question_id=nudge.question_id, now=now
            )
    design_repo.mark_changed(session=session, design=design, now=now)
    return Revisited(design_id=stored_id(design), message_ts=nudge.message_ts)


def check_may_stop(*, session: Session, action: NudgeAction) -> Design:
    """The design whose reminders ``action`` would stop, once its author is known to be one of its owners: anyone
    else is told who the owners are before any "are you sure?"."""
    _, design = _load(session, action, lock=False)
    ownership.require(session, design, action.user_id, OwnerAction.STOP_REMINDERS)
    return design


def update_answer(
    *,
    session: Session,
    catalogs: Catalogs,
    action: NudgeAction,
    text: str | None,
    choices: list[str] | None,
    now: datetime,
) -> Revisited | None:
    """The "Update…" form: a new version of the answer (``None`` keeps that part as it was). It closes the
    revisit if still open (an unchanged form counts as "Still holds"); a form sent after the revisit
    closed still updates the answer, so nothing typed is lost."""
    if not delivery_repo.claim_event(session=session, team_id=action.team_id, event_id=action.interaction_id, now=now):
        return None
    nudge, design = _load(session, action)
    catalog = catalogs.of(design)
    if nudge.question_id not in catalog:
        raise RevisitClosed("This question is no longer part of the catalog.")
    current = answer_repo.current_answers(session=session, team_id=action.team_id, design_id=stored_id(design))
    try:
        update = decide_update(
            options=[option.id for option in catalog.question(nudge.question_id).options],
            previous=current.get(nudge.question_id),
            text=text,
            choices=choices,
            revisit=NudgeStatus(nudge.status),
        )
    except UnknownOption as error:
        raise UserFacingError(str(error)) from error
    if update.changed:
        answer = Answer(
            team_id=action.team_id,
            question_id=nudge.question_id,
            status=AnswerStatus.ANSWERED,
            text=update.text,
            choices=list(update.choices),
            author_id=action.user_id,
            created_at=now,
        )
        answer_repo.add_answer(session=session, design_id=stored_id(design), answer=answer)
    if update.outcome is not None:
        revisit_schedule.close(session, nudge, update.outcome, by=action.user_id, now=now)
        revisit_schedule.schedule_next(
            session=session, catalog=catalog, design=design, question_id=nudge.question_id, now=now
        )
    design_repo.mark_changed(session=session, design=design, now=now)
    return Revisited(design_id=stored_id(design), message_ts=nudge.message_ts)


def record_measurement(
    *, session: Session, catalogs: Catalogs, action: NudgeAction, text: str, now: datetime
) -> Revisited | None:
    """The success target's revisit: the value measured since launch, as the team wrote it (the summary reads a number
    out of it when it can), closing the revisit; the target itself stays as answered."""
    if not delivery_repo.claim_event(session=session, team_id=action.team_id, event_id=action.interaction_id, now=now):
        return None
    nudge, design = _load(session, action, require_open=True)
    if nudge.question_id != SUCCESS_QUESTION:
        raise RevisitClosed("Only the success target's revisit records a measured value.")
    nudge.measured = " ".join(text.split())[:MAX_MEASURED]
    revisit_schedule.close(session, nudge, NudgeStatus.MEASURED, by=action.user_id, now=now)
    revisit_schedule.schedule_next(
        session=session, catalog=catalogs.of(design), design=design, question_id=nudge.question_id, now=now
    )
    design_repo.mark_changed(session=session, design=design, now=now)
    return Revisited(design_id=stored_id(design), message_ts=nudge.message_ts)


def open_nudge(*, session: Session, action: NudgeAction) -> OpenRevisit:
    """The nudge behind an "Update…" click, its design and current answer, refusing one that already has an
    outcome."""
    nudge, design = _load(session, action, require_open=True, lock=False)
    answers = answer_repo.current_answers(session=session, team_id=nudge.team_id, design_id=nudge.design_id)
    return OpenRevisit(nudge=nudge, design=design, answer=answers.get(nudge.question_id))


def _load(
    session: Session, action: NudgeAction, *, require_open: bool = False, lock: bool = True
) -> tuple[Nudge, Design]:
    """The nudge and its design, locked design first (as every writer locks them), so clicks and commands
    on one design never deadlock."""
    found = nudge_repo.get_nudge(session=session, team_id=action.team_id, nudge_id=action.nudge_id)
    if found is None:
        raise RevisitClosed("This revisit no longer exists (its design was deleted).")
    design = design_repo.get_design(session=session, team_id=action.team_id, design_id=found.design_id, for_update=lock)
    nudge = nudge_repo.get_nudge(session=session, team_id=action.team_id, nudge_id=action.nudge_id, for_update=lock)
    if design is None or nudge is None:
        raise RevisitClosed("This revisit's design no longer exists.")
    if require_open and not NudgeStatus(nudge.status).is_open:
        outcome = _OUTCOME_WORDS[NudgeStatus(nudge.status)]
        raise TemplatedError(
            "revisit_closed.j2", f"this revisit is already closed: {outcome}", outcome=outcome, by=nudge.resolved_by
        )
    return nudge, design


_OUTCOME_WORDS = {
    NudgeStatus.CONFIRMED: "the decision was confirmed",
    NudgeStatus.UPDATED: "the answer was updated",
    NudgeStatus.MEASURED: "the value since launch was recorded",
    NudgeStatus.SNOOZED: "it was snoozed for a week",
    NudgeStatus.UNANSWERED: "nobody answered it in time",
    NudgeStatus.STOPPED: "reminders were stopped",
    NudgeStatus.WITHDRAWN: "the answers no longer call for it",
    NudgeStatus.FAILED: "it could not be posted",
}
