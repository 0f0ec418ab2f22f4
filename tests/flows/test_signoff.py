"""Sign-off: a design's status from its reviewers and their verdicts, approvals that hold only for the answers they
saw, and the rule that a design's owners can't be its only reviewers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from flows.signoff import (
    ReviewRequestError,
    ReviewStatus,
    asks_again,
    changed_since,
    check_request,
    latest_approval,
    review,
)

T0 = datetime(2027, 1, 4, 10, tzinfo=UTC)


@dataclass(frozen=True)
class Said:
    reviewer: str
    verdict: str
    version: int
    decided_at: datetime
    comment: str = ""


def said(reviewer: str, verdict: str, version: int, minutes: int = 0) -> Said:
    return Said(reviewer, verdict, version, T0 + timedelta(minutes=minutes))


@pytest.mark.parametrize(
    ("reviewers", "verdicts", "version", "status"),
    [
        ((), [], 10, ReviewStatus.DRAFT),
        (("A", "B"), [], 10, ReviewStatus.IN_REVIEW),
        (("A", "B"), [said("A", "approve", 10)], 10, ReviewStatus.IN_REVIEW),
        (("A", "B"), [said("A", "approve", 10), said("B", "changes", 10)], 10, ReviewStatus.CHANGES_REQUESTED),
        (
            ("A", "B"),
            [said("A", "approve", 10), said("B", "changes", 10), said("B", "approve", 12, 5)],
            12,
            ReviewStatus.IN_REVIEW,  # A approved version 10; the answers changed since
        ),
        (("A", "B"), [said("A", "approve", 12), said("B", "approve", 12)], 12, ReviewStatus.APPROVED),
        (("A", "B"), [said("A", "approve", 12), said("B", "approve", 12)], 13, ReviewStatus.IN_REVIEW),
        (("A",), [said("A", "changes", 10), said("A", "approve", 10, 1)], 10, ReviewStatus.APPROVED),
        (("A",), [said("Z", "approve", 10)], 10, ReviewStatus.IN_REVIEW),  # someone not named counts for nothing
    ],
    ids=[
        "draft",
        "asked",
        "one-of-two",
        "changes",
        "approval-went-stale",
        "approved",
        "changed-after-approval",
        "changes-lifted",
        "not-a-reviewer",
    ],
)
def test_the_status_follows_the_reviewers_latest_verdicts_on_the_answers_as_they_are(
    reviewers, verdicts, version, status
):
    assert review(reviewers, verdicts, version).status is status


def test_approvers_of_answers_that_changed_since_are_asked_again():
    found = review(("A", "B", "C"), [said("A", "approve", 10), said("B", "approve", 12)], 12)
    assert found.stale_approvers == ("A",)
    assert [state.approved for state in found.reviewers] == [False, True, False]


@pytest.mark.parametrize(
    ("reviewers", "message"),
    [
        ((), "Mention the reviewers"),
        (("U_OWNER",), "needs a second reviewer"),
        (("U_OWNER", "U_COOWNER"), "needs a second reviewer"),
        (tuple(f"U{n}" for n in range(11)), "at most 10"),
        (("U_BOT",), "A bot can't review"),
    ],
)
def test_a_review_needs_someone_other_than_the_owners(reviewers, message):
    with pytest.raises(ReviewRequestError, match=message):
        check_request(reviewers, owners=("U_OWNER", "U_COOWNER"), bots=("U_BOT",))


def test_an_owner_may_review_beside_someone_else():
    check_request(("U_OWNER", "U_DANA"), owners=("U_OWNER",))


def test_an_outdated_approval_asks_again_once_however_many_answers_change():
    approved = [said("A", "approve", 12)]
    assert not asks_again(review(("A",), approved, 12), asked_version=10), "nothing changed since the approval"
    assert asks_again(review(("A",), approved, 13), asked_version=10), "an answer changed after it"
    assert not asks_again(review(("A",), approved, 15), asked_version=13), "asked again at 13 already"
    assert not asks_again(review(("A",), [said("A", "changes", 12)], 13), asked_version=10)


def test_what_changed_since_a_version_is_the_questions_whose_answer_is_newer():
    assert changed_since({"goals": 3, "rollback": 9, "labels": 12}, since=9) == ("labels",)


def test_the_latest_approval_is_the_most_recent_by_anyone():
    verdicts = [said("A", "approve", 5, 10), said("B", "approve", 7, 5), said("A", "changes", 9, 20)]
    assert latest_approval(verdicts) == verdicts[0]
    assert latest_approval([said("A", "changes", 3)]) is None


def test_a_reviewer_who_left_the_workspace_is_shown_apart_and_sign_off_waits_on_the_others():
    verdicts = [said("A", "approve", 12), said("B", "changes", 11)]

    without_b = review(("A", "B"), verdicts, 12, left={"B"})
    everyone_gone = review(("A", "B"), verdicts, 12, left={"A", "B"})

    assert without_b.status is ReviewStatus.APPROVED, "B's request for changes can never be lifted now"
    assert [state.user_id for state in without_b.reviewers] == ["A"] and without_b.left == ("B",)
    assert everyone_gone.status is ReviewStatus.IN_REVIEW and everyone_gone.reviewers == ()
    assert everyone_gone.left == ("A", "B"), "an owner names someone else"
