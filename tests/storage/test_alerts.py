"""Alert rows: one token per design that rotates away the old one, and alerts linked to the revisits they reopened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from storage import alerts
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage.engine import session_scope
from storage.models import Nudge, ProductionAlert
from tests.factories import make_design

NOW = datetime(2027, 1, 4, 11, 0, tzinfo=UTC)


def test_a_design_has_one_token_and_replacing_it_retires_the_old_one(engine):
    with session_scope(engine) as session:
        design = design_repo.add_design(session=session, design=make_design())
        key = {"team_id": design.team_id, "design_id": design.id}
        alerts.replace_token(session=session, token_hash="a" * 64, created_by="U1", now=NOW, **key)
        alerts.replace_token(session=session, token_hash="b" * 64, created_by="U2", now=NOW, **key)

    with session_scope(engine) as session:
        assert alerts.token_by_hash(session=session, token_hash="a" * 64) is None
        current = alerts.token_by_hash(session=session, token_hash="b" * 64)
        assert current is not None and (current.design_id, current.created_by) == (key["design_id"], "U2")
        assert alerts.token_of(session=session, **key) == current


def test_an_alert_is_stored_once_per_fingerprint_and_start_and_shows_in_the_messages_of_its_revisits(engine):
    with session_scope(engine) as session:
        design = design_repo.add_design(session=session, design=make_design())
        row = ProductionAlert(
            design_id=design.id, team_id=design.team_id, fingerprint="f1", starts_at=NOW, name="Drift", questions=["q"]
        )
        alerts.add_alerts(session=session, alerts=[row])
        sent = nudge_repo.add_nudge(
            session=session,
            nudge=Nudge(team_id=design.team_id, design_id=design.id, question_id="q", message_ts="1.1", by_alert=True),
        )
        waiting = nudge_repo.add_nudge(
            session=session, nudge=Nudge(team_id=design.team_id, design_id=design.id, question_id="r", round=0)
        )
        alerts.link_many(session=session, links=[(row.id, sent.id), (row.id, waiting.id), (row.id, sent.id)])
        ids = (design.id, row.id, sent.id, waiting.id)

    design_id, alert_id, sent_id, waiting_id = ids
    with session_scope(engine) as session:
        later = NOW + timedelta(hours=1)
        keys = [("f1", NOW), ("f1", later), ("f2", NOW)]
        found = alerts.alerts_by_key(session=session, design_id=design_id, keys=keys)
        assert {key: row.id for key, row in found.items()} == {("f1", NOW): alert_id}
        assert alerts.messages_of(session=session, alert_ids=[alert_id]) == ["1.1"], "a revisit not sent has none"
        shown = alerts.alerts_of_nudges(session=session, nudge_ids=[sent_id, waiting_id, 999])
        assert {nudge_id: [a.name for a in found] for nudge_id, found in shown.items()} == {
            sent_id: ["Drift"],
            waiting_id: ["Drift"],
        }
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        again = ProductionAlert(design_id=design_id, team_id="T1", fingerprint="f1", starts_at=NOW, name="Drift")
        alerts.add_alerts(session=session, alerts=[again])
