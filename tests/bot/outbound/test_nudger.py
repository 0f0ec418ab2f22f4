"""The dispatcher's races against the fake Slack: a lease taken over, a click beating the give-up, a lookup
Slack refuses. Each drives one dispatch of one design with a claim the test controls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.jobs.local import LocalJobs
from bot.jobs.outbox import Outbox
from bot.jobs.pool import KeyedBackground
from bot.jobs.values import Publish
from bot.outbound.clients import SlackClients
from bot.outbound.nudger import Nudger
from bot.outbound.publisher import Publisher
from bot.usecases import alerts, revisit_schedule, revisits
from bot.usecases.revisits import NudgeAction
from flows.alerts import Delivery
from flows.nudges import NudgeStatus, RemindNow
from sandbox import FakeSlack
from sandbox.alerts import sample_delivery
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage.engine import session_scope
from storage.models import Design, Nudge
from tests.factories import make_design

CHANNEL = "C0MLTEAM"
MONDAY = datetime(2026, 12, 14, 10, 30, tzinfo=UTC)  # 10:30 in London: working hours


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment

    def close(self) -> None:
        pass


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def nudger(slack, engine, catalogs):
    clients = SlackClients(base_url=slack.api_url, token=slack.workspace.bot_token)
    background = KeyedBackground(max_workers=2)
    jobs = LocalJobs(background)
    clock = FixedClock(MONDAY)
    publisher = Publisher(engine=engine, clients=clients, catalogs=catalogs, jobs=jobs, clock=clock)
    jobs.attach(
        {Publish: lambda job: publisher.publish(job.team_id, job.design_id)}
    )  # the only jobs these tests make are its publishes
    yield Nudger(engine=engine, clients=clients, catalogs=catalogs, clock=clock, outbox=Outbox(jobs))
    background.shutdown()


def deployed_design(slack, engine, catalog, status: str = NudgeStatus.SCHEDULED, name: str = "Churn model") -> int:
    """A deployed design with a thread in the fake and one due revisit per revisit question."""
    parent = slack.workspace.post_message(CHANNEL, text="design", bot_id="B0BOT")
    with session_scope(engine) as session:
        design = make_design(
            name=name,
            team_id="T0SANDBOX",
            channel_id=CHANNEL,
            started_by="U0ALICE",
            parent_ts=parent["ts"],
            deployed_at=MONDAY - timedelta(days=30),
            owner_tz="Europe/London",
        )
        design_repo.add_design(session=session, design=design)
        for question in catalog.questions:
            if question.revisit_after_deployment:
                session.add(
                    Nudge(
                        team_id="T0SANDBOX",
                        design_id=design.id,
                        question_id=question.id,
                        status=status,
                        due_at=MONDAY - timedelta(hours=1),
                        message_ts=parent["ts"] if status != NudgeStatus.SCHEDULED else None,
                    )
                )
        return design.id


def claim(engine, token: str) -> list[Nudge]:
    return claim_at(engine, token, MONDAY)


def claim_at(engine, token: str, now: datetime) -> list[Nudge]:
    with session_scope(engine) as session:
        return nudge_repo.claim_due(session=session, now=now, lease_until=now + timedelta(minutes=5), claim=token)


def rows(engine, design_id: int) -> list[Nudge]:
    with session_scope(engine) as session:
        return list(session.exec(select(Nudge).where(Nudge.design_id == design_id).order_by(col(Nudge.id))).all())


def design_row(engine, design_id: int) -> Design:
    with session_scope(engine) as session:
        design = design_repo.get_design(session=session, team_id="T0SANDBOX", design_id=design_id)
    assert design is not None
    return design


def nudge_posts(slack) -> list[dict]:
    return [
        call
        for call in slack.workspace.calls("chat.postMessage")
        if (call.params.get("metadata") or {}).get("event_type") == "mldesign_nudge"
    ]


def test_a_dispatch_whose_lease_was_taken_over_does_not_post(slack, engine, catalog, nudger):
    design_id = deployed_design(slack, engine, catalog)
    claimed = claim(engine, "slow")
    with session_scope(engine) as session:  # the lease ran out and another dispatch took the rows
        for nudge in nudge_repo.open_nudges(session=session, team_id="T0SANDBOX", design_id=design_id):
            nudge.claim = "fast"
            session.add(nudge)

    nudger._dispatch_design("slow", design_row(engine, design_id), claimed, MONDAY)

    assert nudge_posts(slack) == []
    assert {row.claim for row in rows(engine, design_id)} == {"fast"}


def test_an_alert_arriving_while_a_revisit_is_being_posted_leaves_one_message_redrawn_with_it(
    slack, engine, catalog, catalogs, nudger
):
    design_id = deployed_design(slack, engine, catalog)
    with session_scope(engine) as session:
        made = alerts.webhook_token(
            session=session,
            team_id="T0SANDBOX",
            channel_id=CHANNEL,
            user_id="U0ALICE",
            name="Churn model",
            rotate=False,
            now=MONDAY,
        )
    claimed = claim(engine, "dispatch")
    drawn = nudger._messages.render

    def alert_while_drawing(*arguments, **keywords):
        """The alert lands after the dispatch holds the rows for its post, before the post is made."""
        message = drawn(*arguments, **keywords)
        delivery = sample_delivery(status="firing", starts_at=(MONDAY - timedelta(minutes=5)).timestamp())
        with session_scope(engine) as session:
            holder = alerts.token_holder(session=session, token=made.token)
            alerts.receive(
                session=session,
                catalogs=catalogs,
                holder=holder,
                delivery=Delivery.model_validate(delivery),
                now=MONDAY,
            )
        return message

    nudger._messages.render = alert_while_drawing
    nudger._dispatch_design("dispatch", design_row(engine, design_id), claimed, MONDAY)

    (post,) = nudge_posts(slack)
    (ts,) = {row.message_ts for row in rows(engine, design_id)}
    [redrawn] = [call for call in slack.workspace.calls("chat.update") if call.params.get("ts") == ts]
    assert "Population stability index" not in str(post.params.get("blocks"))
    assert "Population stability index" in str(redrawn.params.get("blocks")), "redrawn with the alert"
    assert {row.status for row in rows(engine, design_id)} == {NudgeStatus.SENT}


def test_a_snooze_clicked_before_the_give_up_keeps_every_question_scheduled(slack, engine, catalog, catalogs, nudger):
    design_id = deployed_design(slack, engine, catalog, status=NudgeStatus.REMINDED)
    claimed = claim(engine, "dispatch")
    with session_scope(engine) as session:  # someone snoozes one of them in between
        revisits.resolve(
            session=session,
            catalogs=catalogs,
            action=NudgeAction("T0SANDBOX", "U0BOB", claimed[0].id, "click-1"),
            outcome=NudgeStatus.SNOOZED,
            now=MONDAY,
        )

    nudger._dispatch_design("dispatch", design_row(engine, design_id), claimed, MONDAY)

    after = rows(engine, design_id)
    assert [row.status for row in after[: len(claimed)]] == ["snoozed"] + ["unanswered"] * (len(claimed) - 1)
    open_per_question = {}
    for row in after:
        if NudgeStatus(row.status).is_open:
            open_per_question[row.question_id] = open_per_question.get(row.question_id, 0) + 1
    assert open_per_question == {row.question_id: 1 for row in claimed}, "one next revisit each, none lost"


def test_a_lookup_slack_refuses_for_good_fails_the_rows_instead_of_looping(slack, engine, catalog, nudger):
    design_id = deployed_design(slack, engine, catalog)
    claimed = claim(engine, "dispatch")
    with session_scope(engine) as session:  # a send had started before a crash
        for nudge in nudge_repo.open_nudges(session=session, team_id="T0SANDBOX", design_id=design_id):
            nudge.send_started_at = MONDAY - timedelta(minutes=10)
            session.add(nudge)
    for nudge in claimed:
        nudge.send_started_at = MONDAY - timedelta(minutes=10)
    slack.workspace.fail_next("conversations.replies", "channel_not_found")

    nudger._dispatch_design("dispatch", design_row(engine, design_id), claimed, MONDAY)

    closed = rows(engine, design_id)[: len(claimed)]
    assert {(row.status, row.failure) for row in closed} == {("failed", "channel_not_found")}
    assert nudge_posts(slack) == []


def test_a_nudge_a_crash_left_unrecorded_in_a_busy_thread_is_looked_for_further_not_sent_again(
    slack, engine, catalog, nudger
):
    """Replies right before the crashed send fill one bounded read: the rows wait, without using up an attempt,
    and the next dispatch reads on from there and finds the message."""
    design_id = deployed_design(slack, engine, catalog)
    claimed = claim(engine, "dispatch")
    started = datetime.fromtimestamp(slack.workspace.now(), UTC)
    parent_ts = design_row(engine, design_id).parent_ts
    with session_scope(engine) as session:
        for nudge in nudge_repo.open_nudges(session=session, team_id="T0SANDBOX", design_id=design_id):
            nudge.send_started_at = started
            session.add(nudge)
    for nudge in claimed:
        nudge.send_started_at = started
    for n in range(50):  # the team talking in the thread as the send began
        slack.workspace.post_message(CHANNEL, user="U0BOB", text=f"talk {n}", thread_ts=parent_ts)
    sent = slack.workspace.post_message(  # what the crashed dispatch sent
        CHANNEL,
        text="revisit",
        bot_id="B0BOT",
        thread_ts=parent_ts,
        metadata={"event_type": "mldesign_nudge", "event_payload": {"nudge_ids": [n.id for n in claimed]}},
    )

    nudger._dispatch_design("dispatch", design_row(engine, design_id), claimed, MONDAY)
    waiting = rows(engine, design_id)[: len(claimed)]
    assert {(row.status, row.attempts, row.claim) for row in waiting} == {("scheduled", 0, None)}
    assert {row.due_at for row in waiting} == {MONDAY + timedelta(minutes=1)}, "looked for again a minute on"
    nudger._dispatch_design(
        "dispatch",
        design_row(engine, design_id),
        claim_at(engine, "again", MONDAY + timedelta(minutes=1)),
        MONDAY + timedelta(minutes=1),
    )

    assert nudge_posts(slack) == [], "never sent a second time"
    assert {row.message_ts for row in rows(engine, design_id)[: len(claimed)]} == {sent["ts"]}


def test_one_dispatch_drains_every_due_nudge_not_just_one_batch(slack, engine, catalog, nudger, monkeypatch):
    monkeypatch.setattr(nudge_repo, "CLAIM_BATCH", 2)  # three batches' worth, without seeding hundreds
    designs = [deployed_design(slack, engine, catalog, name=f"Model {n}") for n in range(5)]

    claimed = nudger.dispatch()

    per_design = sum(1 for question in catalog.questions if question.revisit_after_deployment)
    assert claimed == 5 * per_design
    posted = {call.params["thread_ts"] for call in nudge_posts(slack)}
    assert len(nudge_posts(slack)) == 5, "one message per design, each design once"
    assert len(posted) == 5
    assert all(row.status == NudgeStatus.SENT for design_id in designs for row in rows(engine, design_id))


def test_remind_now_is_kept_when_the_owners_timezone_arrives_just_after(slack, engine, catalog, catalogs, nudger):
    """Right after deployment the owner's timezone is looked up and the revisits re-timed to it; a `remind … now`
    sent meanwhile must still go out now, not at the next 10:00."""
    design_id = deployed_design(slack, engine, catalog)
    with session_scope(engine) as session:  # not due yet: the regular schedule
        for nudge in nudge_repo.open_nudges(session=session, team_id="T0SANDBOX", design_id=design_id):
            nudge.due_at = MONDAY + timedelta(days=14)
            session.add(nudge)
    with session_scope(engine) as session:
        revisits.set_reminders(
            session=session,
            catalogs=catalogs,
            team_id="T0SANDBOX",
            channel_id=CHANNEL,
            user_id="U0ALICE",
            name="Churn model",
            setting=RemindNow(),
            now=MONDAY,
        )
    with session_scope(engine) as session:  # the timezone lookup, started at deployment, finishes now
        revisit_schedule.retime(
            session=session, catalogs=catalogs, team_id="T0SANDBOX", design_id=design_id, now=MONDAY
        )

    assert {(row.due_at, row.any_hour) for row in rows(engine, design_id)} == {(MONDAY, True)}
    nudger.dispatch()
    assert len(nudge_posts(slack)) == 1


def test_a_due_revisit_stays_due_when_the_owners_timezone_arrives_late(slack, engine, catalogs, catalog, nudger):
    """The timezone lookup started at deployment can finish after the first revisits fell due (the sandbox's ⏩
    right after `deployed`, or a slow worker): re-timing them then must not push them to the next morning."""
    design_id = deployed_design(slack, engine, catalog)
    due_before = {row.id: row.due_at for row in rows(engine, design_id)}

    with session_scope(engine) as session:
        revisit_schedule.retime(
            session=session, catalogs=catalogs, team_id="T0SANDBOX", design_id=design_id, now=MONDAY
        )

    assert {row.id: row.due_at for row in rows(engine, design_id)} == due_before
    nudger.dispatch()
    assert len(nudge_posts(slack)) == 1
