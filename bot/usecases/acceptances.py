"""Accepting a review finding: an owner's call, with a reason and an expiry, and the revisit that brings it back.

The "Accept…" form opens only for an owner and a finding the answers still raise; its submission checks both again
(owners and answers may have changed while the form was open), records the acceptance, and schedules its revisit
for the owner's working morning of the expiry day. Accepting the same finding again replaces that revisit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlmodel import Session

from bot.usecases import ownership, revisit_schedule
from bot.usecases.catalogs import Catalogs
from bot.usecases.designs import lock_design
from bot.usecases.errors import DesignNotFound, UserFacingError
from flows.acceptance import AcceptanceProblems, check, revisit_key
from flows.assessment import assess
from flows.nudges import NudgeStatus, working_slot, zone
from flows.permissions import OwnerAction
from flows.review import Finding
from storage import acceptances as acceptance_repo
from storage import answers as answer_repo
from storage import deliveries as delivery_repo
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage.models import Design, FindingAcceptance, stored_id


class FindingGone(UserFacingError):
    """The answers changed since the finding was shown: there is nothing to accept any more."""


class AcceptanceRefused(UserFacingError):
    """The form's reason or date can't be taken; ``problems`` says which, per field."""

    def __init__(self, problems: AcceptanceProblems) -> None:
        super().__init__(problems.rationale or problems.until or "")
        self.problems = problems


@dataclass(frozen=True)
class AcceptanceForm:
    design: Design
    finding: Finding
    previous: FindingAcceptance | None  # the latest acceptance of the same finding, expired or not


@dataclass(frozen=True)
class AcceptRequest:
    team_id: str
    user_id: str
    design_id: int
    rule_id: str
    rationale: str
    until: date | None
    interaction_id: str


def form_content(
    *, session: Session, catalogs: Catalogs, team_id: str, design_id: int, rule_id: str, user_id: str, today: date
) -> AcceptanceForm:
    """What the form shows, once the person is known to be an owner (anyone else is told who the owners are)."""
    design = design_repo.get_design(session=session, team_id=team_id, design_id=design_id)
    if design is None:
        raise DesignNotFound("This design no longer exists.")
    ownership.require(session, design, user_id, OwnerAction.ACCEPT_FINDINGS)
    history = acceptance_repo.of_design(session=session, team_id=team_id, design_id=design_id)
    finding = _raised(session, catalogs, design, rule_id, history, today)
    previous = next((row for row in reversed(history) if row.rule_id == rule_id), None)
    return AcceptanceForm(design=design, finding=finding, previous=previous)


@dataclass(frozen=True)
class Accepted:
    """What to bring up to date in Slack: the design, and the revisit messages whose lapsed acceptance was renewed."""

    design_id: int
    renewed_in: tuple[str, ...]


def accept(*, session: Session, catalogs: Catalogs, request: AcceptRequest, now: datetime) -> Accepted | None:
    """Record the acceptance and time its revisit; None for a repeated submission."""
    problems = check(request.rationale, request.until, now.date())
    if problems:
        raise AcceptanceRefused(problems)
    assert request.until is not None
    if not delivery_repo.claim_event(
        session=session, team_id=request.team_id, event_id=request.interaction_id, now=now
    ):
        return None
    design = design_repo.get_design(session=session, team_id=request.team_id, design_id=request.design_id)
    if design is None:
        raise DesignNotFound("This design no longer exists.")
    design = lock_design(session, design)
    ownership.require(session, design, request.user_id, OwnerAction.ACCEPT_FINDINGS)
    key = {"team_id": design.team_id, "design_id": stored_id(design)}
    history = acceptance_repo.of_design(session=session, **key)
    _raised(session, catalogs, design, request.rule_id, history, now.date())
    acceptance_repo.accept(
        session=session,
        rule_id=request.rule_id,
        rationale=request.rationale,
        by=request.user_id,
        until=request.until,
        now=now,
        **key,
    )
    revisit, renewed_in = revisit_key(request.rule_id), []
    for nudge in nudge_repo.open_nudges(session=session, **key):
        if nudge.question_id == revisit:  # accepted again before (or after) it came back: this one replaces it
            revisit_schedule.close(session, nudge, NudgeStatus.CONFIRMED, by=request.user_id, now=now)
            renewed_in += [nudge.message_ts] if nudge.message_ts else []
    revisit_schedule.add(session, design, revisit, expiry_revisit_due(request.until, design.owner_tz))
    design_repo.mark_changed(session=session, design=design, now=now)
    return Accepted(design_id=stored_id(design), renewed_in=tuple(renewed_in))


def expiry_revisit_due(until: date, owner_tz: str | None) -> datetime:
    """The owner's first working morning on or after the expiry day, and never before the acceptance stops holding
    (at the start of that day in UTC, ``flows.acceptance.holding``): east of UTC the morning comes first, and a
    revisit that said "it has run out" while the summary still showed it accepted would contradict it."""
    owner_zone = zone(owner_tz)
    lapses = datetime.combine(until, time(0, 0), tzinfo=UTC)
    return working_slot(max(datetime.combine(until, time(0, 0), tzinfo=owner_zone), lapses), owner_zone)


def _raised(
    session: Session,
    catalogs: Catalogs,
    design: Design,
    rule_id: str,
    history: list[FindingAcceptance],
    today: date,
) -> Finding:
    answers = answer_repo.current_answers(session=session, team_id=design.team_id, design_id=stored_id(design))
    assessment = assess(catalogs.of(design), answers, history, today)
    finding = next((finding for finding in assessment.findings if finding.rule_id == rule_id), None)
    if finding is None:
        raise FindingGone("The answers changed and the review no longer raises this finding: nothing to accept.")
    return finding
