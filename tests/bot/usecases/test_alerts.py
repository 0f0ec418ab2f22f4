"""Production alerts as the use case records them, against a real database: once per alert however often it is
delivered, reopening the decisions it bears on as revisits due now, on any design, deployed or not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.usecases import alerts, revisits
from flows.alerts import Delivery
from flows.nudges import NudgeStatus
from sandbox.alerts import SAMPLE_LABELS, sample_delivery
from storage import designs as design_repo
from storage.engine import session_scope
from storage.models import Design, Nudge, ProductionAlert
from tests.factories import make_design

NOW = datetime(2027, 1, 9, 23, 0, tzinfo=UTC)  # a Saturday night
STARTED = (NOW - timedelta(minutes=5)).timestamp()


@pytest.fixture
def token(engine, catalog) -> str:
    """An undeployed design (reminders on, the default) with its webhook token."""
    with session_scope(engine) as session:
        design = make_design(catalog_id=catalog.id, catalog_version=catalog.version)
        design_repo.add_design(session=session, design=design)
        made = alerts.webhook_token(
            session=session, team_id="T1", channel_id="C1", user_id="U0ALICE", name="Churn model", rotate=False, now=NOW
        )
    assert made.token is not None
    return made.token


def deliver(engine, catalogs, token: str, delivery: dict) -> alerts.Received:
    with session_scope(engine) as session:
        holder = alerts.token_holder(session=session, token=token)
        assert holder is not None
        return alerts.receive(
            session=session, catalogs=catalogs, holder=holder, delivery=Delivery.model_validate(delivery), now=NOW
        )


def stored(engine) -> tuple[list[Nudge], list[ProductionAlert]]:
    with session_scope(engine) as session:
        return list(session.exec(select(Nudge)).all()), list(session.exec(select(ProductionAlert)).all())


def held_by_another_dispatcher(engine, **columns) -> None:
    """The design's refresh revisit, scheduled and claimed by a dispatch other than the alert's."""
    with session_scope(engine) as session:
        (design,) = session.exec(select(Design)).all()
        session.add(
            Nudge(
                team_id="T1",
                design_id=design.id,
                question_id="refresh-cadence",
                claim="another-dispatcher",
                **columns,
            )
        )


def test_an_alert_reopens_a_decision_of_a_design_not_marked_deployed_and_its_outcome_schedules_nothing(
    engine, catalogs, token
):
    firing = sample_delivery(status="firing", starts_at=STARTED)

    first, again = deliver(engine, catalogs, token, firing), deliver(engine, catalogs, token, firing)

    assert (first.new, first.reopened, again.duplicates, again.reopened) == (1, ["refresh-cadence"], 1, [])
    (nudge,), (alert,) = stored(engine)
    assert (nudge.question_id, nudge.status, nudge.by_alert, nudge.any_hour) == ("refresh-cadence", "scheduled", 1, 1)
    assert nudge.due_at == NOW, "due at once, whatever the hour"
    assert alert.questions == ["refresh-cadence"] and alert.resolved_at is None

    action = revisits.NudgeAction(team_id="T1", user_id="U0BOB", nudge_id=nudge.id, interaction_id="i1")
    with session_scope(engine) as session:
        revisits.resolve(session=session, catalogs=catalogs, action=action, outcome=NudgeStatus.CONFIRMED, now=NOW)
    (nudge,), _ = stored(engine)
    assert nudge.status == "confirmed", "no next revisit: the design isn't deployed"


def test_a_resolution_before_any_firing_is_recorded_and_reopens_nothing(engine, catalogs, token):
    resolved = sample_delivery(status="resolved", starts_at=STARTED, ends_at=NOW.timestamp())

    received = deliver(engine, catalogs, token, resolved)

    assert (received.new, received.reopened, received.redraw) == (1, [], [])
    nudges, (alert,) = stored(engine)
    assert nudges == [] and alert.resolved_at == NOW and alert.ended_at == NOW


def test_a_label_naming_no_revisited_decision_is_reported_and_the_default_applies(engine, catalogs, token):
    labels = SAMPLE_LABELS | {"mldesign_question": "refresh-cadense"}

    received = deliver(engine, catalogs, token, sample_delivery(status="firing", starts_at=STARTED, labels=labels))

    assert received.unknown_questions == ["refresh-cadense"]
    assert sorted(received.reopened) == ["feedback-loop", "refresh-cadence", "refresh-monitoring"]


def test_a_rotated_token_names_no_design(engine, token):
    with session_scope(engine) as session:
        alerts.webhook_token(
            session=session, team_id="T1", channel_id="C1", user_id="U0ALICE", name="Churn model", rotate=True, now=NOW
        )
        assert alerts.token_holder(session=session, token=token) is None
        assert alerts.token_holder(session=session, token="not-ours") is None


def test_an_alert_takes_over_a_revisit_a_dispatcher_holds_so_it_goes_out_at_once_with_the_alert(
    engine, catalogs, token
):
    held_by_another_dispatcher(engine, due_at=NOW + timedelta(minutes=5))  # the lease's end

    deliver(engine, catalogs, token, sample_delivery(status="firing", starts_at=STARTED))

    (nudge,), _ = stored(engine)
    assert (nudge.claim, nudge.due_at, nudge.by_alert, nudge.any_hour) == (None, NOW, True, True)


def test_an_alert_leaves_a_revisit_whose_message_is_on_its_way_to_its_dispatcher_marked_for_the_alert(
    engine, catalogs, token
):
    lease_end = NOW + timedelta(minutes=5)
    # It holds the row and has started posting.
    held_by_another_dispatcher(engine, due_at=lease_end, send_started_at=NOW - timedelta(seconds=1))

    received = deliver(engine, catalogs, token, sample_delivery(status="firing", starts_at=STARTED))

    (nudge,), _ = stored(engine)
    assert received.reopened == ["refresh-cadence"]
    assert (nudge.claim, nudge.due_at) == ("another-dispatcher", lease_end), "not taken over: it would go out twice"
    assert (nudge.by_alert, nudge.any_hour) == (True, True), "its dispatcher redraws the message with the alert"
