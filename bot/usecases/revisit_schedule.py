"""When a deployed design's decisions come back: each revisit question's one open nudge, timed to the answer's
cadence and the owner's working hours, its next round after an outcome, and all of them stopped at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.usecases.catalogs import Catalogs
from flows.acceptance import rule_of_revisit
from flows.catalog import Catalog
from flows.nudges import NudgeStatus, RevisitPlanning, plan_revisits, zone
from flows.walkthrough import chosen_in
from storage import answers as answer_repo
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage.models import Design, Nudge, stored_id


def retime(*, session: Session, catalogs: Catalogs, team_id: str, design_id: int, now: datetime) -> None:
    """Re-time the revisits not sent yet, once the owner's timezone is known (the summary shows the next one).

    The ones already due stay due: the lookup can finish late (a busy worker, the sandbox's clock moved on), and
    re-timing from now would put them off to the next working morning. The dispatcher sends them in the owner's
    working hours."""
    design = design_repo.get_design(session=session, team_id=team_id, design_id=design_id, for_update=True)
    if design is not None and design.deployed_at is not None and design.reminders_enabled:
        schedule(session, catalogs.of(design), design, now, restart=True, keep_due=True)
        design_repo.mark_changed(session=session, design=design, now=now)


def schedule(
    session: Session, catalog: Catalog, design: Design, now: datetime, *, restart: bool, keep_due: bool = False
) -> None:
    """Give each revisit question that applies one open nudge (``flows.nudges.plan_revisits`` says which, and when):
    a follow-up the answers withdrew, or never called for, is not revisited."""
    questions = [question.id for question in catalog.questions if question.revisit_after_deployment]
    _apply(session, catalog, design, questions, now, restart=restart, keep_due=keep_due)


def schedule_next(*, session: Session, catalog: Catalog, design: Design, question_id: str, now: datetime) -> None:
    """After a revisit's outcome: the question's next one, on the regular schedule (unless reminders are off, the
    design is not marked deployed (an alert can reopen a decision before), or the question already has an open
    revisit, such as a snooze's)."""
    if design.reminders_enabled and design.deployed_at is not None and question_id in catalog:
        _apply(session, catalog, design, [question_id], now, restart=False, keep_due=False)


def _apply(
    session: Session,
    catalog: Catalog,
    design: Design,
    questions: Sequence[str],
    now: datetime,
    *,
    restart: bool,
    keep_due: bool,
) -> None:
    """Read what planning needs at once, let ``flows`` plan, write the plan."""
    key = {"team_id": design.team_id, "design_id": stored_id(design)}
    open_by_question = {nudge.question_id: nudge for nudge in nudge_repo.open_nudges(session=session, **key)}
    assert design.deployed_at is not None
    answers = answer_repo.current_answers(session=session, **key)
    applying = {question.id for question in catalog.applicable(chosen_in(answers))}
    planning = RevisitPlanning(
        questions=[question_id for question_id in questions if question_id in applying],
        open=open_by_question,
        latest_rounds=nudge_repo.latest_rounds(session=session, **key),
        answers=answers,
        every=interval_of(design),
        deployed_at=design.deployed_at,
        zone=zone(design.owner_tz),
    )
    for planned in plan_revisits(planning, now, restart=restart, keep_due=keep_due):
        if planned.retime:
            existing = open_by_question[planned.question_id]
            existing.due_at, existing.any_hour = planned.due, False
            session.add(existing)
        else:
            _insert(session, design, planned.question_id, planned.round, planned.due)


def add(
    session: Session,
    design: Design,
    question_id: str,
    due: datetime,
    not_before: datetime | None = None,
    *,
    by_alert: bool = False,
) -> Nudge:
    """A new round of the question's revisit, due at ``due`` (a snooze's: never before ``not_before``); one an alert
    reopened goes out at once, whatever the hour."""
    latest = nudge_repo.latest_rounds(session=session, team_id=design.team_id, design_id=stored_id(design))
    return _insert(session, design, question_id, latest.get(question_id, -1) + 1, due, not_before, by_alert=by_alert)


def _insert(
    session: Session,
    design: Design,
    question_id: str,
    round_number: int,
    due: datetime,
    not_before: datetime | None = None,
    *,
    by_alert: bool = False,
) -> Nudge:
    return nudge_repo.add_nudge(
        session=session,
        nudge=Nudge(
            team_id=design.team_id,
            design_id=stored_id(design),
            question_id=question_id,
            round=round_number,
            status=NudgeStatus.SCHEDULED,
            due_at=due,
            not_before=not_before,
            any_hour=by_alert,
            by_alert=by_alert,
        ),
    )


def interval_of(design: Design) -> timedelta | None:
    """The team's own reminder interval (`/mldesign remind <name> every N days`); None: each answer's cadence."""
    return timedelta(days=design.remind_every_days) if design.remind_every_days else None


def stop(session: Session, design: Design, now: datetime, by: str | None = None) -> None:
    """Reminders off: every open revisit of a question closes as stopped, by whoever turned them off. An accepted
    finding's expiry still comes back: it is a decision with a date, not a reminder."""
    design.reminders_enabled = False
    for nudge in nudge_repo.open_nudges(session=session, team_id=design.team_id, design_id=stored_id(design)):
        if rule_of_revisit(nudge.question_id) is None:
            close(session, nudge, NudgeStatus.STOPPED, by=by, now=now)


def close(session: Session, nudge: Nudge, outcome: NudgeStatus, *, by: str | None, now: datetime) -> None:
    """A revisit's outcome; it leaves the due index and no dispatcher holds it any more."""
    nudge.status, nudge.resolved_by, nudge.resolved_at = outcome, by, now
    nudge.due_at, nudge.claim = None, None
    session.add(nudge)
