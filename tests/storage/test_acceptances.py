"""Accepted findings are kept as history, per design and workspace, and go with their design."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from flows.acceptance import holding
from storage import acceptances
from storage import designs as design_repo
from storage.engine import session_scope
from storage.models import FindingAcceptance
from tests.factories import make_design

NOW = datetime(2027, 1, 4, 11, 0, tzinfo=UTC)


def test_acceptances_are_history_and_the_latest_holds(engine):
    with session_scope(engine) as session:
        design = make_design(name="Churn")
        other = make_design(name="Other")
        design_repo.add_design(session=session, design=design)
        design_repo.add_design(session=session, design=other)
        key = {"team_id": design.team_id, "design_id": design.id}
        acceptances.accept(
            session=session,
            rule_id="no-rollback",
            rationale="Rare; we redeploy.",
            by="U1",
            until=date(2027, 6, 1),
            now=NOW,
            **key,
        )
        acceptances.accept(
            session=session,
            rule_id="no-rollback",
            rationale="Until the flag lands.",
            by="U2",
            until=date(2027, 2, 1),
            now=NOW + timedelta(hours=1),
            **key,
        )
        acceptances.accept(
            session=session,
            team_id=other.team_id,
            design_id=other.id,
            rule_id="no-rollback",
            rationale="Other.",
            by="U3",
            until=date(2027, 3, 1),
            now=NOW,
        )
        design_id, other_id, team_id = design.id, other.id, design.team_id

    with session_scope(engine) as session:
        history = acceptances.of_design(session=session, team_id=team_id, design_id=design_id)
        assert [(row.accepted_by, row.until) for row in history] == [("U1", date(2027, 6, 1)), ("U2", date(2027, 2, 1))]
        assert history[0].accepted_at == NOW
        assert holding(history, date(2027, 1, 10))["no-rollback"].rationale == "Until the flag lands."
        both = acceptances.of_designs(session=session, team_id=team_id, design_ids=[design_id, other_id, 999])
        assert [len(both[design_id]), len(both[other_id]), len(both[999])] == [2, 1, 0]
        assert acceptances.of_design(session=session, team_id="T_ELSEWHERE", design_id=design_id) == []

    with session_scope(engine) as session:
        design_repo.delete_design(session=session, team_id=team_id, design_id=design_id)
    with session_scope(engine) as session:
        remaining = session.exec(select(FindingAcceptance)).all()
        assert [row.design_id for row in remaining] == [other_id]
