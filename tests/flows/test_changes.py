"""What changed between a point in a design's history and now: added, changed and withdrawn questions, with who
and when, follow-ups withdrawn by a later answer included."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flows.changes import ChangeKind, changes_since, version_before

T0 = datetime(2027, 1, 4, 10, tzinfo=UTC)


@dataclass(frozen=True)
class Version:
    id: int
    question_id: str
    text: str = ""
    choices: list[str] = field(default_factory=list)
    status: str = "answered"
    author_id: str = "U1"
    created_at: datetime = T0


def test_added_changed_and_withdrawn_since_a_version(default_catalog):
    history = [
        Version(1, "goals", "Cut churn."),
        Version(2, "inference-mode", choices=["real-time"]),
        Version(3, "latency-target", "p99 150 ms"),
        Version(4, "rollback", choices=["manual"]),
        # the approval saw version 4; then:
        Version(5, "goals", "Cut churn by 10%.", author_id="U2", created_at=T0 + timedelta(days=1)),
        Version(6, "inference-mode", choices=["batch"], author_id="U3"),  # withdraws the latency budget
        Version(7, "labels", choices=["unlabelled"]),
        Version(8, "rollback", choices=["manual"]),  # said again, the same: no change
    ]
    found = {change.question_id: change for change in changes_since(default_catalog, history, version=4)}
    assert {q: c.kind for q, c in found.items()} == {
        "goals": ChangeKind.CHANGED,
        "inference-mode": ChangeKind.CHANGED,
        "latency-target": ChangeKind.WITHDRAWN,
        "labels": ChangeKind.ADDED,
    }
    assert (found["goals"].before.text, found["goals"].after.text) == ("Cut churn.", "Cut churn by 10%.")
    assert (found["goals"].by, found["goals"].at) == ("U2", T0 + timedelta(days=1))
    assert [c.question_id for c in changes_since(default_catalog, history, version=8)] == []


def test_a_deleted_reply_withdraws_its_answer(default_catalog):
    history = [Version(1, "goals", "Cut churn."), Version(2, "goals", "Cut churn.", status="withdrawn", author_id="U2")]
    [change] = changes_since(default_catalog, history, version=1)
    assert (change.kind, change.by) == (ChangeKind.WITHDRAWN, "U2")


def test_since_a_date_is_the_version_before_that_day_began():
    history = [Version(1, "goals", created_at=T0), Version(2, "goals", created_at=T0 + timedelta(days=2))]
    assert version_before(history, date(2027, 1, 5)) == 1
    assert version_before(history, date(2027, 1, 4)) == 0
    assert version_before(history, date(2027, 2, 1)) == 2
