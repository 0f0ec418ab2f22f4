"""`/mldesign changes`: what changed in a design's answers between two points, against a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.usecases.errors import UserFacingError
from bot.usecases.signoff import design_changes
from storage import answers as answer_repo
from storage import designs as design_repo
from storage import signoffs
from storage.engine import session_scope
from tests.factories import make_answer, make_design


@pytest.fixture
def churn(engine, catalog) -> None:
    """Answers written on Jan 4, Jan 10 (then approved) and Jan 20."""
    with session_scope(engine) as session:
        design = make_design(catalog_id=catalog.id, catalog_version=catalog.version)
        design_repo.add_design(session=session, design=design)
        for day, question_id, text in (
            (4, "manual-process", "By hand"),
            (10, "manual-process", "By hand, weekly"),
            (10, "goals", "Fewer cancellations"),
            (20, "goals", "Fewer cancellations among paying customers"),
        ):
            answer = make_answer(question_id=question_id, text=text, created_at=datetime(2027, 1, day, 9, tzinfo=UTC))
            answer_repo.add_answer(session=session, design_id=design.id, answer=answer)
            if day == 10 and question_id == "goals":
                version = signoffs.answers_version(session=session, team_id="T1", design_id=design.id)
                signoffs.record_verdict(
                    session=session,
                    team_id="T1",
                    design_id=design.id,
                    reviewer="U0CAROL",
                    verdict="approve",
                    comment="",
                    version=version,
                    now=datetime(2027, 1, 10, 12, tzinfo=UTC),
                )


def changes(engine, catalogs, since, until=None):
    with session_scope(engine) as session:
        found = design_changes(
            session=session,
            catalogs=catalogs,
            team_id="T1",
            channel_id="C1",
            name="Churn model",
            since=since,
            until=until,
        )
    return found.since, [(c.question_id, c.kind.value, c.after.text if c.after else None) for c in found.changes]


def test_a_diff_between_two_points_leaves_out_what_came_before_and_after(engine, catalogs, churn):
    point, between = changes(engine, catalogs, date(2027, 1, 5), "approval")
    whole_day, _ = changes(engine, catalogs, date(2027, 1, 4), date(2027, 1, 4))
    _, on_the_day = changes(engine, catalogs, date(2027, 1, 4), date(2027, 1, 4))
    _, since_approval = changes(engine, catalogs, "approval")

    assert point == "2027-01-05 until the latest approval (2027-01-10)"
    assert between == [("manual-process", "changed", "By hand, weekly"), ("goals", "added", "Fewer cancellations")]
    assert on_the_day == [("manual-process", "added", "By hand")], "a day as the end counts whole"
    assert whole_day == "2027-01-04 until 2027-01-04"
    assert since_approval == [("goals", "changed", "Fewer cancellations among paying customers")]


def test_points_in_the_wrong_order_are_refused_with_what_to_do(engine, catalogs, churn):
    with pytest.raises(UserFacingError, match="comes before 2027-01-15: name the earlier point first"):
        changes(engine, catalogs, date(2027, 1, 15), date(2027, 1, 5))


def test_the_last_day_there_is_can_end_a_diff(engine, catalogs, churn):
    point, found = changes(engine, catalogs, date(2027, 1, 15), date.max)
    assert point == "2027-01-15 until 9999-12-31"
    assert found == [("goals", "changed", "Fewer cancellations among paying customers")]
