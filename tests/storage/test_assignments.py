"""Which walkthroughs may get their stall nudge, and the claim that sends it once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import assignments
from storage import designs as design_repo
from storage.engine import session_scope
from tests.factories import make_design

NOW = datetime(2026, 12, 14, 11, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=10)


def test_only_waiting_walkthroughs_not_yet_deployed_nor_nudged_at_their_question_are_candidates(engine):
    with session_scope(engine) as session:
        for name, extra in [
            ("Waiting", {}),
            ("Deployed", {"deployed_at": LONG_AGO}),
            ("Nudged here", {"stall_nudged_step": 1}),
            ("Moved on", {"stall_nudged_step": 1, "step": 2}),
            ("Recent", {"updated_at": NOW}),
            ("Complete", {"status": "complete", "current_question_id": None}),
        ]:
            values = {"parent_ts": "1.1", "step": 1, "updated_at": LONG_AGO} | extra
            design_repo.add_design(session=session, design=make_design(name=name, **values))

    with session_scope(engine) as session:
        found = assignments.waiting_since(session=session, before=NOW - timedelta(days=3), limit=50)
        assert sorted(design.name for design in found) == ["Moved on", "Waiting"]
        waiting = next(design for design in found if design.name == "Waiting")
        key = {"team_id": waiting.team_id, "design_id": waiting.id, "step": 1}

    with session_scope(engine) as session:
        assert assignments.claim_stall_nudge(session=session, now=NOW, **key)
    with session_scope(engine) as session:
        assert not assignments.claim_stall_nudge(session=session, now=NOW, **key), "sent once"
        assignments.release_stall_nudge(session=session, **key)
    with session_scope(engine) as session:
        assert assignments.claim_stall_nudge(session=session, now=NOW, **key), "given back, taken again"
