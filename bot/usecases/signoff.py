"""Use cases of sign-off: an owner asks people to review a design; a reviewer approves it or asks for changes.

Each runs in the caller's unit of work and only touches the database: the review's message in the thread is posted
(once a round) and kept current by the publisher, like the design's other messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.usecases import ownership
from bot.usecases.catalogs import Catalogs
from bot.usecases.designs import find_design, lock_design
from bot.usecases.errors import DesignNotFound, TemplatedError, UserFacingError
from flows.changes import Change, changes_since, version_at, version_before
from flows.permissions import OwnerAction
from flows.signoff import (
    MAX_COMMENT,
    Review,
    ReviewRequestError,
    Verdict,
    asks_again,
    changed_since,
    check_request,
    latest_approval,
    review,
)
from storage import answers as answer_repo
from storage import deliveries as delivery_repo
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage import signoffs as signoff_repo
from storage.models import Answer, Design, stored_id
from storage.signoffs import NamedReviewer


class NotAReviewer(TemplatedError):
    """Only the people named as reviewers may approve or ask for changes; the message names them."""

    def __init__(self, name: str, reviewers: list[str]) -> None:
        super().__init__(
            "not_reviewer.j2", f"only the reviewers of {name!r} can do this", name=name, reviewers=reviewers
        )


@dataclass(frozen=True)
class ReviewRequested:
    design: Design
    reviewers: tuple[str, ...]  # every reviewer, in the order named
    new: tuple[str, ...]  # those named now for the first time


@dataclass(frozen=True)
class VerdictRequest:
    team_id: str
    user_id: str
    design_id: int
    verdict: Verdict
    comment: str
    interaction_id: str


def request_review(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    name: str,
    user_id: str,
    reviewers: tuple[str, ...],
    bot_user_id: str | None,
    now: datetime,
) -> ReviewRequested:
    """Name reviewers (an owner's call) and ask for a review round: the thread gets the request, mentioning them."""
    design = lock_design(session, find_design(session=session, team_id=team_id, channel_id=channel_id, name=name))
    ownership.require(session, design, user_id, OwnerAction.REQUEST_REVIEW)
    key = {"team_id": team_id, "design_id": stored_id(design)}
    known = signoff_repo.reviewers_of(session=session, **key)
    try:
        check_request(
            [*known, *reviewers], ownership.owners(session, design), bots=[bot_user_id] if bot_user_id else []
        )
    except ReviewRequestError as error:
        raise UserFacingError(str(error)) from error
    new = signoff_repo.add_reviewers(session=session, user_ids=reviewers, by=user_id, now=now, **key)
    design.review_round = max(design.review_round, design.review_posted_round) + 1
    design_repo.mark_changed(session=session, design=design, now=now)
    return ReviewRequested(
        design=design, reviewers=tuple(signoff_repo.reviewers_of(session=session, **key)), new=tuple(new)
    )


def decide(*, session: Session, request: VerdictRequest, now: datetime) -> int | None:
    """Record a reviewer's verdict on the answers as they stand; the design's id to publish, or None for a repeat."""
    if request.verdict is Verdict.CHANGES and not request.comment.strip():
        raise UserFacingError("Say what should change, so the team knows what to do.")
    if not delivery_repo.claim_event(
        session=session, team_id=request.team_id, event_id=request.interaction_id, now=now
    ):
        return None
    found = design_repo.get_design(session=session, team_id=request.team_id, design_id=request.design_id)
    if found is None:
        raise DesignNotFound("This design no longer exists.")
    design = lock_design(session, found)
    key = {"team_id": design.team_id, "design_id": stored_id(design)}
    check_reviewer(session, design, request.user_id)
    signoff_repo.record_verdict(
        session=session,
        reviewer=request.user_id,
        verdict=request.verdict,
        comment=request.comment.strip()[:MAX_COMMENT],
        version=signoff_repo.answers_version(session=session, **key),
        now=now,
        **key,
    )
    design_repo.mark_changed(session=session, design=design, now=now)
    return stored_id(design)


def signoff_of(
    session: Session, team_id: str, design_id: int, asked_version: int
) -> tuple[Review | None, tuple[str, ...]]:
    """Where sign-off stands (None before anyone is asked), and the questions changed since the approvals that the
    answers outdated after the last round asked (``asked_version``), for the round that asks again."""
    key = {"team_id": team_id, "design_id": design_id}
    named = signoff_repo.reviewers_of_designs(session=session, team_id=team_id, design_ids=[design_id])
    if design_id not in named:
        return None, ()
    reviewers, left = standing(named[design_id])
    found = review(
        reviewers,
        signoff_repo.verdicts_of(session=session, **key),
        signoff_repo.answers_version(session=session, **key),
        left,
    )
    outdated = [
        state.version
        for state in found.reviewers
        if state.verdict is Verdict.APPROVE and state.version is not None and state.version >= asked_version
    ]
    if not outdated or not asks_again(found, asked_version):
        return found, ()
    return found, changed_since(signoff_repo.answer_versions(session=session, **key), min(outdated))


def reviews_of(session: Session, team_id: str, design_ids: Sequence[int]) -> dict[int, Review]:
    """Where sign-off stands for many designs (a list, Home), in three queries however many there are; drafts are
    left out."""
    named = signoff_repo.reviewers_of_designs(session=session, team_id=team_id, design_ids=design_ids)
    if not named:
        return {}
    asked = sorted(named)
    verdicts = signoff_repo.verdicts_of_designs(session=session, team_id=team_id, design_ids=asked)
    versions = signoff_repo.answers_versions_of(session=session, team_id=team_id, design_ids=asked)
    found = {}
    for design_id in asked:
        reviewers, left = standing(named[design_id])
        found[design_id] = review(reviewers, verdicts[design_id], versions.get(design_id, 0), left)
    return found


def standing(rows: Sequence[NamedReviewer]) -> tuple[list[str], set[str]]:
    """A design's reviewers, in the order named, and those of them who have left the workspace."""
    return [row.user_id for row in rows], {row.user_id for row in rows if row.left_at is not None}


def person_left(*, session: Session, team_id: str, user_id: str, left: bool, now: datetime) -> list[int]:
    """A person was deactivated in the workspace (or came back): the designs they review show it, and their
    sign-off waits on the other reviewers meanwhile. Returns the designs to bring up to date in Slack."""
    changed = signoff_repo.mark_left(session=session, team_id=team_id, user_id=user_id, left_at=now if left else None)
    for design_id in changed:
        design_repo.mark_changed_by_id(session=session, key=(team_id, design_id), now=now)
    return changed


def check_reviewer(session: Session, design: Design, user_id: str) -> None:
    """Anyone but a named reviewer is told who the reviewers are."""
    reviewers = signoff_repo.reviewers_of(session=session, team_id=design.team_id, design_id=stored_id(design))
    if user_id not in reviewers:
        raise NotAReviewer(design.name, reviewers)


def design_for_reviewer(*, session: Session, team_id: str, design_id: int, user_id: str) -> Design:
    """The design behind a "Request changes…" click, once its clicker is known to be a reviewer."""
    design = design_repo.get_design(session=session, team_id=team_id, design_id=design_id)
    if design is None:
        raise DesignNotFound("This design no longer exists.")
    check_reviewer(session, design, user_id)
    return design


@dataclass(frozen=True)
class DesignChanges:
    design: Design
    since: str  # how the point reads: "the latest approval (Jan 4)", "2027-01-04"
    changes: list[Change]


def design_changes(
    *,
    session: Session,
    catalogs: Catalogs,
    team_id: str,
    channel_id: str,
    name: str,
    since: date | str,
    until: date | str | None = None,
) -> DesignChanges:
    """What changed in a design's answers between two points (a day, its latest approval, its latest revisit's
    outcome), or since one of them."""
    design = find_design(session=session, team_id=team_id, channel_id=channel_id, name=name)
    history = answer_repo.all_answers(session=session, team_id=team_id, design_id=stored_id(design))
    version, point = _version_at(session, design, history, since, end=False)
    if until is None:
        return DesignChanges(design=design, since=point, changes=changes_since(catalogs.of(design), history, version))
    last, end = _version_at(session, design, history, until, end=True)
    if last < version:
        raise UserFacingError(f"{end[0].upper()}{end[1:]} comes before {point}: name the earlier point first.")
    changes = changes_since(catalogs.of(design), history, version, until=last)
    return DesignChanges(design=design, since=f"{point} until {end}", changes=changes)


def _version_at(
    session: Session, design: Design, history: Sequence[Answer], point: date | str, *, end: bool
) -> tuple[int, str]:
    """The answers' version at a point, and how the point reads; a day as an end counts whole."""
    key = {"team_id": design.team_id, "design_id": stored_id(design)}
    if isinstance(point, date):
        whole_day = end and point < date.max  # the last day there is has no morning after
        return version_before(history, point + timedelta(days=1) if whole_day else point), point.isoformat()
    if point == "approval":
        latest = latest_approval(signoff_repo.verdicts_of(session=session, **key))
        if latest is None:
            raise UserFacingError(f"Nobody has approved “{design.name}” yet: name a day (YYYY-MM-DD) instead.")
        return latest.version, f"the latest approval ({latest.decided_at:%Y-%m-%d})"
    revisited = nudge_repo.nudge_log(session=session, limit=1, **key)
    if not revisited or revisited[0].resolved_at is None:
        raise UserFacingError(f"“{design.name}” has no revisit yet: name a day (YYYY-MM-DD) instead.")
    moment = revisited[0].resolved_at
    return version_at(history, moment), f"the latest revisit ({moment:%Y-%m-%d})"
