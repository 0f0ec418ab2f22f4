"""Sign-off rows: reviewers named once each, verdicts kept as history, the answers' version that only grows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import answers as answer_repo
from storage import designs as design_repo
from storage import signoffs
from storage.engine import session_scope
from tests.factories import make_answer, make_design

NOW = datetime(2027, 1, 4, 11, 0, tzinfo=UTC)


def test_reviewers_verdicts_and_the_answers_version(engine):
    with session_scope(engine) as session:
        design = design_repo.add_design(session=session, design=make_design(name="Churn"))
        key = {"team_id": design.team_id, "design_id": design.id}
        assert signoffs.answers_version(session=session, **key) == 0
        first = signoffs.add_reviewers(session=session, user_ids=["U2", "U1", "U2"], by="U0", now=NOW, **key)
        again = signoffs.add_reviewers(session=session, user_ids=["U1", "U3"], by="U0", now=NOW + timedelta(1), **key)
        for question_id in ("goals", "rollback", "goals"):
            answer_repo.add_answer(session=session, design_id=design.id, answer=make_answer(question_id=question_id))
        signoffs.record_verdict(
            session=session, reviewer="U1", verdict="approve", comment="", version=3, now=NOW, **key
        )
        design_id, team_id = design.id, design.team_id

    with session_scope(engine) as session:
        key = {"team_id": team_id, "design_id": design_id}
        assert (first, again) == (["U2", "U1"], ["U3"])
        assert signoffs.reviewers_of(session=session, **key) == ["U1", "U2", "U3"]
        versions = signoffs.answer_versions(session=session, **key)
        assert signoffs.answers_version(session=session, **key) == max(versions.values())
        assert versions["goals"] > versions["rollback"], "a question's version is its latest answer's"
        [verdict] = signoffs.verdicts_of(session=session, **key)
        assert (verdict.reviewer, verdict.verdict, verdict.version) == ("U1", "approve", 3)
        named = signoffs.reviewers_of_designs(session=session, team_id=team_id, design_ids=[design_id, 999])
        assert {design: [row.user_id for row in rows] for design, rows in named.items()} == {
            design_id: ["U1", "U2", "U3"]
        }, "a design without reviewers (a draft) is left out"
        assert signoffs.reviewers_of(session=session, team_id="T_OTHER", design_id=design_id) == []
