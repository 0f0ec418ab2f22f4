"""Sign-off: who reviews a design, what each decided on which version of its answers, and where it stands.

A design is a Draft until an owner names reviewers; it is then In review until every reviewer has approved the
answers as they stand (Approved), or Changes requested while any reviewer's latest word is a request for changes. An
approval holds for the answers it saw: the design's *version* is its latest answer's id, so any new answer version
after an approval puts the design back In review, and its approvers are asked again, with what changed.

Pure functions of values; the caller reads the reviewers, the verdicts (history, never rewritten) and the version.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in-review"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes-requested"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ReviewStatus.DRAFT: "Draft",
    ReviewStatus.IN_REVIEW: "In review",
    ReviewStatus.APPROVED: "Approved",
    ReviewStatus.CHANGES_REQUESTED: "Changes requested",
}


class Verdict(StrEnum):
    APPROVE = "approve"
    CHANGES = "changes"


MAX_COMMENT = 2000
MAX_REVIEWERS = 10


class VerdictFacts(Protocol):
    """What sign-off reads of a recorded verdict (``storage.models.ReviewVerdict`` fits)."""

    @property
    def reviewer(self) -> str: ...

    @property
    def verdict(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def decided_at(self) -> datetime: ...

    @property
    def comment(self) -> str: ...


@dataclass(frozen=True)
class ReviewerState:
    """One reviewer's standing: their latest verdict (None: not yet), and whether it still holds for the answers."""

    user_id: str
    verdict: Verdict | None
    version: int | None
    decided_at: datetime | None
    current: bool  # an approval of the answers as they are now, or a request for changes (which stands until lifted)
    comment: str = ""

    @property
    def approved(self) -> bool:
        return self.verdict is Verdict.APPROVE and self.current


@dataclass(frozen=True)
class Review:
    status: ReviewStatus
    reviewers: tuple[ReviewerState, ...]  # those still in the workspace: sign-off waits on them alone
    version: int
    left: tuple[str, ...] = ()  # reviewers who have since left the workspace (deactivated), shown as such

    @property
    def stale_approvers(self) -> tuple[str, ...]:
        """Who approved answers that have changed since: they are asked again."""
        return tuple(r.user_id for r in self.reviewers if r.verdict is Verdict.APPROVE and not r.current)


def latest_verdicts(verdicts: Iterable[VerdictFacts]) -> dict[str, VerdictFacts]:
    """Each reviewer's latest verdict (ties go to the one recorded last)."""
    latest: dict[str, VerdictFacts] = {}
    for verdict in verdicts:
        known = latest.get(verdict.reviewer)
        if known is None or verdict.decided_at >= known.decided_at:
            latest[verdict.reviewer] = verdict
    return latest


def latest_approval(verdicts: Iterable[VerdictFacts]) -> VerdictFacts | None:
    """The most recent approval by anyone: "since the approval" means since the answers it saw."""
    approvals = [verdict for verdict in verdicts if verdict.verdict == Verdict.APPROVE]
    return max(approvals, key=lambda verdict: verdict.decided_at) if approvals else None


def review(
    reviewers: Sequence[str], verdicts: Iterable[VerdictFacts], version: int, left: Collection[str] = ()
) -> Review:
    """Where sign-off stands for ``reviewers`` given every verdict recorded, on answers at ``version``. Reviewers
    who ``left`` the workspace can decide nothing more: sign-off waits on the others (their verdicts stay in the
    history), and an owner names someone else if none is left."""
    latest = latest_verdicts(verdicts)
    states = []
    for user_id in (reviewer for reviewer in reviewers if reviewer not in left):
        given = latest.get(user_id)
        verdict = Verdict(given.verdict) if given is not None else None
        current = given is not None and (verdict is Verdict.CHANGES or given.version >= version)
        states.append(
            ReviewerState(
                user_id=user_id,
                verdict=verdict,
                version=given.version if given is not None else None,
                decided_at=given.decided_at if given is not None else None,
                current=current,
                comment=given.comment if given is not None else "",
            )
        )
    gone = tuple(reviewer for reviewer in reviewers if reviewer in left)
    if not states:
        status = ReviewStatus.IN_REVIEW if gone else ReviewStatus.DRAFT
    elif any(state.verdict is Verdict.CHANGES for state in states):
        status = ReviewStatus.CHANGES_REQUESTED
    elif all(state.approved for state in states):
        status = ReviewStatus.APPROVED
    else:
        status = ReviewStatus.IN_REVIEW
    return Review(status=status, reviewers=tuple(states), version=version, left=gone)


def asks_again(review: Review, asked_version: int) -> bool:
    """Whether an approval given since the latest round asked (on ``asked_version``) has been outdated by new answers:
    then the approvers are asked again, once, however many answers change before they look."""
    return any(
        state.verdict is Verdict.APPROVE
        and state.version is not None
        and asked_version <= state.version < review.version
        for state in review.reviewers
    )


class ReviewRequestError(ValueError):
    """A review request that can't be taken as it is; the message says what to do instead."""


def check_request(reviewers: Collection[str], owners: Collection[str], bots: Collection[str] = ()) -> None:
    """A review needs someone other than the design's owners: reviewing your own design takes a second reviewer."""
    if not reviewers:
        raise ReviewRequestError("Mention the reviewers, e.g. `/mldesign review Churn model @dana @lee`.")
    if len(reviewers) > MAX_REVIEWERS:
        raise ReviewRequestError(f"Name at most {MAX_REVIEWERS} reviewers.")
    if set(reviewers) & set(bots):
        raise ReviewRequestError("A bot can't review a design: name people.")
    if set(reviewers) <= set(owners):
        raise ReviewRequestError(
            "Reviewing your own design needs a second reviewer: name someone who isn't one of its owners too."
        )


def changed_since(versions: Mapping[str, int], since: int) -> tuple[str, ...]:
    """The questions whose current answer is newer than ``since`` (question id → its answer's version), in order."""
    return tuple(question_id for question_id, version in versions.items() if version > since)
