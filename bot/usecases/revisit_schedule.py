"""When a deployed design's decisions come back: each revisit question's one open nudge, timed to the answer's
cadence and the owner's working hours, its next round after an outcome, and all of them stopped at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.usecases.catalogs import Catalogs
from flows.catalog import Catalog
from flows.nudges import NudgeStatus, cadence, next_due, zone
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
    """Give each revisit question one open nudge; with ``restart``, re-time the ones not sent yet (never
    sooner than a snooze asked for, never one a dispatcher holds or someone asked to have now) and, with
    ``keep_due``, only those not due yet."""
    answers = answer_repo.current_answers(session=session, team_id=design.team_id, design_id=stored_id(design))
    every = interval_of(design)
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
            add(session, design, question.id, due)
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
    answers = answer_repo.current_answers(session=session, team_id=design.team_id, design_id=stored_id(design))
    due = next_due(
        cadence=cadence(question_id, answers, interval_of(design)),
        round_number=round_number,
        anchor=now,
        zone=zone(design.owner_tz),
    )
    add(session, design, question_id, due)


def add(session: Session, design: Design, question_id: str, due: datetime, not_before: datetime | None = None) -> None:
    """A new round of the question's revisit, due at ``due``."""
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


def interval_of(design: Design) -> timedelta | None:
    """The team's own reminder interval (`/mldesign remind <name> every N days`); None: each answer's cadence."""
    return timedelta(days=design.remind_every_days) if design.remind_every_days else None


def stop(session: Session, design: Design, now: datetime, by: str | None = None) -> None:
    """Reminders off: every open revisit closes as stopped, by whoever turned them off."""
    design.reminders_enabled = False
    for nudge in nudge_repo.open_nudges(session=session, team_id=design.team_id, design_id=stored_id(design)):
        close(session, nudge, NudgeStatus.STOPPED, by=by, now=now)


def close(session: Session, nudge: Nudge, outcome: NudgeStatus, *, by: str | None, now: datetime) -> None:
    """A revisit's outcome; it leaves the due index and no dispatcher holds it any more."""
    nudge.status, nudge.resolved_by, nudge.resolved_at = outcome, by, now
    nudge.due_at, nudge.claim = None, None
    session.add(nudge)
