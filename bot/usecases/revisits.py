"""Use cases after deployment: mark a design deployed, set its reminders, and act on a revisit nudge.

Like ``bot.usecases.walkthrough``, each runs in the caller's unit of work and only touches the database: the nudges
themselves go out from the dispatcher (``bot.outbound.nudger``), which reads the rows written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.usecases import ownership
from bot.usecases.catalogs import Catalogs
from bot.usecases.errors import TemplatedError, UserFacingError
from bot.usecases.walkthrough import find_design, lock_design
from flows.catalog import Catalog
from flows.nudges import (
    NudgeStatus,
    ReminderSetting,
    RemindEvery,
    RemindNow,
    RemindOff,
    cadence,
    next_due,
    snoozed_until,
    zone,
)
from flows.permissions import OwnerAction
from flows.walkthrough import AnswerStatus
from storage import nudges as nudge_repo
from storage import repositories as repo
from storage.models import Answer, Design, Nudge, stored_id


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
) -> Design:
    """Record the deployment (today unless a day is given) and schedule a revisit of each decision marked
    ``revisit_after_deployment``; marking it again moves the revisits not sent yet."""
    design = lock_design(session, find_design(session=session, team_id=team_id, channel_id=channel_id, name=name))
    ownership.require(session, design, user_id, OwnerAction.MARK_DEPLOYED)
    design.deployed_at = now if on is None else datetime.combine(on, now.timetz())
    design.reminders_enabled = True
    _schedule(session, catalogs.of(design), design, now, restart=True)
    repo.mark_changed(session=session, design=design, now=now)
    return design


def deploy_from_summary(
    *, session: Session, catalogs: Catalogs, team_id: str, design_id: int, user_id: str, now: datetime
) -> Design:
    design = repo.get_design(session=session, team_id=team_id, design_id=design_id, for_update=True)
    if design is None:
        raise UserFacingError("This design no longer exists.")
    ownership.require(session, design, user_id, OwnerAction.MARK_DEPLOYED)
    if design.deployed_at is None:
        design.deployed_at = now
        design.reminders_enabled = True
        _schedule(session, catalogs.of(design), design, now, restart=True)
        repo.mark_changed(session=session, design=design, now=now)
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
) -> Design:
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
            _stop(session, design, now, by=user_id)
        case RemindEvery(every):
            design.reminders_enabled = True
            design.remind_every_days = every.days
            _schedule(session, catalogs.of(design), design, now, restart=True)
        case RemindNow():
            design.reminders_enabled = True
            _schedule(session, catalogs.of(design), design, now, restart=False)
            for nudge in nudge_repo.open_nudges(session=session, team_id=team_id, design_id=stored_id(design)):
                if nudge.status == NudgeStatus.SCHEDULED and not nudge_repo.is_leased(nudge, now):
                    nudge.due_at, nudge.any_hour = now, True
                    session.add(nudge)
    repo.mark_changed(session=session, design=design, now=now)
    return design


def resolve(
    *, session: Session, catalogs: Catalogs, action: NudgeAction, outcome: NudgeStatus, now: datetime
) -> Revisited | None:
    """Apply "Still holds", "Snooze a week" or "Stop these reminders" to a nudge; None for a repeated click."""
    if not repo.claim_event(session=session, team_id=action.team_id, event_id=action.interaction_id, now=now):
        return None
    if outcome is NudgeStatus.STOPPED:  # any button of the message stops them, whatever its own state
        nudge, design = _load(session, action)
        ownership.require(session, design, action.user_id, OwnerAction.STOP_REMINDERS)
        _stop(session, design, now, by=action.user_id)
    else:
        nudge, design = _load(session, action, require_open=True)
        _close(session, nudge, outcome, by=action.user_id, now=now)
        if outcome is NudgeStatus.SNOOZED:
            until = snoozed_until(now, zone(design.owner_tz))
            _add(session, design, nudge.question_id, until, not_before=until)
        else:
            schedule_next(
                session=session, catalog=catalogs.of(design), design=design, question_id=nudge.question_id, now=now
            )
    repo.mark_changed(session=session, design=design, now=now)
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
    if not repo.claim_event(session=session, team_id=action.team_id, event_id=action.interaction_id, now=now):
        return None
    nudge, design = _load(session, action)
    current = repo.current_answers(session=session, team_id=action.team_id, design_id=stored_id(design))
    previous = current.get(nudge.question_id)
    answered = previous is not None and previous.status == AnswerStatus.ANSWERED
    old_text = previous.text if answered and previous is not None else ""
    old_choices = list(previous.choices) if answered and previous is not None else []
    new_text = old_text if text is None else text
    new_choices = old_choices if choices is None else choices
    catalog = catalogs.of(design)
    if nudge.question_id not in catalog:
        raise RevisitClosed("This question is no longer part of the catalog.")
    question = catalog.question(nudge.question_id)
    if any(question.option(option_id) is None for option_id in new_choices):
        raise UserFacingError("That option is not one of this question's choices.")
    changed = not answered or (new_text, new_choices) != (old_text, old_choices)
    if changed:
        answer = Answer(
            team_id=action.team_id,
            question_id=nudge.question_id,
            status=AnswerStatus.ANSWERED,
            text=new_text,
            choices=new_choices,
            author_id=action.user_id,
            created_at=now,
        )
        repo.add_answer(session=session, design_id=stored_id(design), answer=answer)
    if NudgeStatus(nudge.status).is_open:
        _close(session, nudge, NudgeStatus.UPDATED if changed else NudgeStatus.CONFIRMED, by=action.user_id, now=now)
        schedule_next(
            session=session, catalog=catalogs.of(design), design=design, question_id=nudge.question_id, now=now
        )
    repo.mark_changed(session=session, design=design, now=now)
    return Revisited(design_id=stored_id(design), message_ts=nudge.message_ts)


def open_nudge(*, session: Session, action: NudgeAction) -> tuple[Nudge, Design]:
    """The nudge behind an "Update…" click and its design, refusing one that already has an outcome."""
    return _load(session, action, require_open=True, lock=False)


def retime(*, session: Session, catalogs: Catalogs, team_id: str, design_id: int, now: datetime) -> None:
    """Re-time the revisits not sent yet, once the owner's timezone is known (the summary shows the next one).

    The ones already due stay due: the lookup can finish late (a busy worker, the sandbox's clock moved on), and
    re-timing from now would put them off to the next working morning. The dispatcher sends them in the owner's
    working hours."""
    design = repo.get_design(session=session, team_id=team_id, design_id=design_id, for_update=True)
    if design is not None and design.deployed_at is not None and design.reminders_enabled:
        _schedule(session, catalogs.of(design), design, now, restart=True, keep_due=True)
        repo.mark_changed(session=session, design=design, now=now)


# --- scheduling ----------------------------------------------------------------------------------------


def _schedule(
    session: Session, catalog: Catalog, design: Design, now: datetime, *, restart: bool, keep_due: bool = False
) -> None:
    """Give each revisit question one open nudge; with ``restart``, re-time the ones not sent yet (never
    sooner than a snooze asked for, never one a dispatcher holds or someone asked to have now) and, with
    ``keep_due``, only those not due yet."""
    answers = repo.current_answers(session=session, team_id=design.team_id, design_id=stored_id(design))
    every = _every(design)
    open_by_question = {
        nudge.question_id: nudge
        for nudge in nudge_repo.open_nudges(session=session, team_id=design.team_id, design_id=stored_id(design))
    }
    assert design.deployed_at is not None
    for question in catalog.questions:
        if not question.revisit_after_deployment:
            continue
        existing = open_by_question.get(question.id)
        if existing is not None and (
            existing.status != NudgeStatus.SCHEDULED
            or not restart
            or nudge_repo.is_leased(existing, now)
            or existing.any_hour  # someone asked for it now (`remind … now`): a re-time must not take that back
            or (keep_due and existing.due_at is not None and existing.due_at <= now)
        ):
            continue
        if existing is not None:
            round_number = existing.round
        else:
            latest = nudge_repo.latest_round(
                session=session, team_id=design.team_id, design_id=stored_id(design), question_id=question.id
            )
            round_number = 0 if latest is None else latest + 1
        anchor = design.deployed_at if round_number == 0 and every is None else now
        not_before = max(now, existing.not_before) if existing is not None and existing.not_before else now
        due = next_due(
            cadence=cadence(question.id, answers, every),
            round_number=round_number,
            anchor=anchor,
            zone=zone(design.owner_tz),
            not_before=not_before,
        )
        if existing is None:
            _add(session, design, question.id, due)
        else:
            existing.due_at, existing.any_hour = due, False
            session.add(existing)


def schedule_next(*, session: Session, catalog: Catalog, design: Design, question_id: str, now: datetime) -> None:
    """After a revisit's outcome: the question's next one, on the regular schedule (unless reminders are off,
    or the question already has an open revisit, such as a snooze's)."""
    if not design.reminders_enabled or question_id not in catalog:
        return
    if any(
        n.question_id == question_id
        for n in nudge_repo.open_nudges(session=session, team_id=design.team_id, design_id=stored_id(design))
    ):
        return
    latest = nudge_repo.latest_round(
        session=session, team_id=design.team_id, design_id=stored_id(design), question_id=question_id
    )
    round_number = 0 if latest is None else latest + 1
    answers = repo.current_answers(session=session, team_id=design.team_id, design_id=stored_id(design))
    due = next_due(
        cadence=cadence(question_id, answers, _every(design)),
        round_number=round_number,
        anchor=now,
        zone=zone(design.owner_tz),
    )
    _add(session, design, question_id, due)


def _add(session: Session, design: Design, question_id: str, due: datetime, not_before: datetime | None = None) -> None:
    latest = nudge_repo.latest_round(
        session=session, team_id=design.team_id, design_id=stored_id(design), question_id=question_id
    )
    nudge_repo.add_nudge(
        session=session,
        nudge=Nudge(
            team_id=design.team_id,
            design_id=stored_id(design),
            question_id=question_id,
            round=0 if latest is None else latest + 1,
            status=NudgeStatus.SCHEDULED,
            due_at=due,
            not_before=not_before,
        ),
    )


def _every(design: Design) -> timedelta | None:
    return timedelta(days=design.remind_every_days) if design.remind_every_days else None


def _stop(session: Session, design: Design, now: datetime, by: str | None = None) -> None:
    design.reminders_enabled = False
    for nudge in nudge_repo.open_nudges(session=session, team_id=design.team_id, design_id=stored_id(design)):
        _close(session, nudge, NudgeStatus.STOPPED, by=by, now=now)


def _close(session: Session, nudge: Nudge, outcome: NudgeStatus, *, by: str | None, now: datetime) -> None:
    nudge.status, nudge.resolved_by, nudge.resolved_at = outcome, by, now
    nudge.due_at, nudge.claim = None, None
    session.add(nudge)


def _load(
    session: Session, action: NudgeAction, *, require_open: bool = False, lock: bool = True
) -> tuple[Nudge, Design]:
    """The nudge and its design, locked design first (as every writer locks them), so clicks and commands
    on one design never deadlock."""
    found = nudge_repo.get_nudge(session=session, team_id=action.team_id, nudge_id=action.nudge_id)
    if found is None:
        raise RevisitClosed("This revisit no longer exists (its design was deleted).")
    design = repo.get_design(session=session, team_id=action.team_id, design_id=found.design_id, for_update=lock)
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
    NudgeStatus.SNOOZED: "it was snoozed for a week",
    NudgeStatus.UNANSWERED: "nobody answered it in time",
    NudgeStatus.STOPPED: "reminders were stopped",
    NudgeStatus.FAILED: "it could not be posted",
}
