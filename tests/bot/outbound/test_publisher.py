"""The publisher against the fake Slack: a post interrupted by a crash is found again, never doubled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, update
from sqlmodel import Session

from bot.base.clock import SystemClock
from bot.inbound.manifest import BOT_SCOPES
from bot.jobs.local import LocalJobs
from bot.jobs.pool import KeyedBackground
from bot.jobs.values import Publish
from bot.outbound.clients import SlackClients
from bot.outbound.publisher import Publisher
from sandbox import FakeSlack
from storage import designs as design_repo
from storage import publishing as publishing_repo
from storage.engine import make_engine, read_scope, session_scope
from storage.installations import installation_store, new_key, token_cipher
from storage.models import Design, Prompt, utc_now
from tests.factories import make_design

CHANNEL = "C0MLTEAM"


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def publisher(slack, engine, catalogs):
    clients = SlackClients(base_url=slack.api_url, token=slack.workspace.bot_token)
    background = KeyedBackground(max_workers=2)
    jobs = LocalJobs(background)
    publisher = Publisher(engine=engine, clients=clients, catalogs=catalogs, jobs=jobs, clock=SystemClock())
    jobs.attach({Publish: lambda job: publisher.publish(job.team_id, job.design_id)})  # the sweep's publishes
    yield publisher
    background.shutdown()


def new_design(engine, catalog) -> int:
    with session_scope(engine) as session:
        design = make_design(
            team_id="T0SANDBOX",
            channel_id=CHANNEL,
            catalog_id=catalog.id,
            catalog_version=catalog.version,
            current_question_id=catalog.questions[0].id,
        )
        design_repo.add_design(session=session, design=design)
        return design.id


def unpublished(session, design_id) -> None:
    """As a crash in the middle of a publish leaves a design: its change not yet marked as shown in Slack."""
    session.exec(update(Design).where(Design.id == design_id).values(published_revision=0))


def load(engine, design_id) -> Design:
    with session_scope(engine) as session:
        return design_repo.get_design(session=session, team_id="T0SANDBOX", design_id=design_id)


def test_publish_posts_the_parent_and_the_first_question_once(slack, engine, catalog, publisher):
    design_id = new_design(engine, catalog)

    publisher.publish("T0SANDBOX", design_id)
    assert slack.workspace.calls("chat.update") == [], "a parent just posted is not updated again"
    publisher.publish("T0SANDBOX", design_id)

    parent_ts = load(engine, design_id).parent_ts
    assert [m["ts"] for m in slack.workspace.messages(CHANNEL)] == [parent_ts]
    assert len(slack.workspace.replies(CHANNEL, parent_ts)) == 1
    assert load(engine, design_id).published_revision == load(engine, design_id).revision


def test_a_question_posted_just_before_a_crash_is_found_again_not_posted_twice(slack, engine, catalog, publisher):
    design_id = new_design(engine, catalog)
    publisher.publish("T0SANDBOX", design_id)
    design = load(engine, design_id)
    # Simulate the crash window: the step was claimed and posted, but its ts never reached the database.
    with session_scope(engine) as session:
        prompt = publishing_repo.get_prompt(session=session, team_id="T0SANDBOX", design_id=design_id, step=1)
        prompt.message_ts = None
        session.add(prompt)
        design_row = design_repo.get_design(session=session, team_id="T0SANDBOX", design_id=design_id)
        design_repo.mark_changed(session=session, design=design_row, now=utc_now())
    posted = slack.workspace.replies(CHANNEL, design.parent_ts)[0]["ts"]

    publisher.publish("T0SANDBOX", design_id)

    assert [m["ts"] for m in slack.workspace.replies(CHANNEL, design.parent_ts)] == [posted]
    with session_scope(engine) as session:
        assert (
            publishing_repo.get_prompt(session=session, team_id="T0SANDBOX", design_id=design_id, step=1).message_ts
            == posted
        )


def test_a_parent_posted_just_before_a_crash_is_found_again_not_posted_twice(slack, engine, catalog, publisher):
    design_id = new_design(engine, catalog)
    publisher.publish("T0SANDBOX", design_id)
    posted = load(engine, design_id).parent_ts
    with session_scope(engine) as session:
        publishing_repo.record_publication(session=session, team_id="T0SANDBOX", design_id=design_id, parent_ts=None)
        session.exec(  # forget the question too, as if nothing after the parent's post had been recorded
            Prompt.__table__.delete().where(Prompt.__table__.c.design_id == design_id)
        )
        unpublished(session, design_id)

    publisher.publish("T0SANDBOX", design_id)

    assert [m["ts"] for m in slack.workspace.messages(CHANNEL)] == [posted]
    assert load(engine, design_id).parent_ts == posted


def test_a_transient_slack_failure_leaves_the_design_for_the_sweep(slack, engine, catalog, publisher):
    design_id = new_design(engine, catalog)
    slack.workspace.fail_next("chat.postMessage", http_status=500)  # the client leaves 5xx to the publisher

    publisher.publish("T0SANDBOX", design_id)

    assert slack.workspace.messages(CHANNEL) == []
    with session_scope(engine) as session:
        assert publishing_repo.unpublished_designs(session=session) == [("T0SANDBOX", design_id)]
    publisher.sweep()
    slack.workspace.wait_for(lambda ws: len(ws.messages(CHANNEL)) == 1)


def test_a_publish_queued_before_slack_refused_the_token_waits_out_the_pause(slack, engine, catalog, publisher):
    design_id = new_design(engine, catalog)
    slack.workspace.fail_next("chat.postMessage", "invalid_auth", times=1000)

    publisher.publish("T0SANDBOX", design_id)  # refused: the workspace's publishing pauses
    publisher.publish("T0SANDBOX", design_id)  # a sweep had queued this one before the refusal

    assert len(slack.workspace.calls("chat.postMessage")) == 1
    with session_scope(engine) as session:
        assert publishing_repo.unpublished_designs(session=session) == [("T0SANDBOX", design_id)], (
            "left for after the pause"
        )


def want_summary(engine, design_id) -> None:
    with session_scope(engine) as session:
        design = design_repo.get_design(session=session, team_id="T0SANDBOX", design_id=design_id)
        design.summary_wanted = True
        design_repo.mark_changed(session=session, design=design, now=utc_now())


def summaries(slack) -> list[str]:
    return [
        m["ts"]
        for m in slack.workspace.messages(CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == "mldesign_summary"
    ]


def test_a_summary_posted_just_before_a_crash_is_found_again_and_pinned(slack, engine, catalog, publisher):
    design_id = new_design(engine, catalog)
    publisher.publish("T0SANDBOX", design_id)
    want_summary(engine, design_id)
    publisher.publish("T0SANDBOX", design_id)
    posted = summaries(slack)
    # The crash window: the summary went out, but neither its ts nor its pin reached the database.
    with session_scope(engine) as session:
        publishing_repo.record_publication(
            session=session, team_id="T0SANDBOX", design_id=design_id, summary_ts=None, summary_pinned=False
        )
        unpublished(session, design_id)

    publisher.publish("T0SANDBOX", design_id)

    assert summaries(slack) == posted
    assert load(engine, design_id).summary_ts == posted[0]
    assert [pin["message"]["ts"] for pin in slack.workspace.pins(CHANNEL)] == posted
    assert load(engine, design_id).summary_pinned


@pytest.mark.parametrize("error", ["too_many_pins", "already_pinned"])
def test_a_pin_slack_refuses_leaves_the_summary_posted_and_kept_current(slack, engine, catalog, publisher, error):
    design_id = new_design(engine, catalog)
    publisher.publish("T0SANDBOX", design_id)
    want_summary(engine, design_id)
    slack.workspace.fail_next("pins.add", error=error)

    publisher.publish("T0SANDBOX", design_id)

    design = load(engine, design_id)
    assert summaries(slack) == [design.summary_ts]
    assert design.published_revision == design.revision, "nothing left to retry in a loop"
    assert design.summary_pinned is (error == "already_pinned")


def test_a_design_never_looks_published_while_its_publishing_lease_is_held_even_when_asked_twice(
    slack, engine, database_url, catalog, publisher
):
    """A process killed right after a publish must not leave a design that looks done yet stays locked: its
    successor would wait out the whole lease before publishing the next answer."""
    design_id = new_design(engine, catalog)
    observer = make_engine(database_url)
    seen: list[tuple[int, int, str | None]] = []

    def look(_session) -> None:  # after every commit the publisher makes, as another process would see it
        with read_scope(observer) as session:
            row = design_repo.get_design(session=session, team_id="T0SANDBOX", design_id=design_id)
            seen.append((row.published_revision, row.revision, row.publishing_claim))

    event.listen(Session, "after_commit", look)
    try:
        publisher.publish("T0SANDBOX", design_id)
        calls = len(slack.workspace.calls())
        publisher.publish("T0SANDBOX", design_id)  # asked for twice (a sweep while it ran): nothing left to do
    finally:
        event.remove(Session, "after_commit", look)
        observer.dispose()

    assert seen[-1][0] == seen[-1][1], "the design was published"
    assert [state for state in seen if state[0] >= state[1] and state[2] is not None] == []
    assert len(slack.workspace.calls()) == calls, "the second publish changed nothing in Slack"


class FakeSlackClock:
    """The bot's clock on the fake's: timestamps of the bot and of Slack stay comparable when the fake's moves."""

    def __init__(self, fake: FakeSlack) -> None:
        self._fake = fake

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._fake.workspace.now(), UTC)

    def close(self) -> None:
        """Nothing to release."""


@pytest.fixture
def distributed(slack, engine, catalogs):
    """A publisher holding a token an OAuth install issued: Slack's limits for a distributed app apply to it
    (one history or replies read a minute, at most 15 messages)."""
    token = slack.workspace.issue_token(BOT_SCOPES, "U0ALICE").token
    clients = SlackClients(base_url=slack.api_url, token=token)
    background = KeyedBackground(max_workers=2)
    jobs = LocalJobs(background)
    publisher = Publisher(engine=engine, clients=clients, catalogs=catalogs, jobs=jobs, clock=FakeSlackClock(slack))
    jobs.attach({Publish: lambda job: publisher.publish(job.team_id, job.design_id)})
    yield publisher
    background.shutdown()


def chat(slack, count: int, *, thread_ts: str | None = None) -> None:
    """People talking in the channel (or in a thread)."""
    for n in range(count):
        slack.workspace.post_message(CHANNEL, user="U0BOB", text=f"talk {n}", thread_ts=thread_ts)


def forget_question_ts(engine, design_id: int) -> None:
    """The crash window: the question went out, but its ts never reached the database."""
    with session_scope(engine) as session:
        prompt = publishing_repo.get_prompt(session=session, team_id="T0SANDBOX", design_id=design_id, step=1)
        prompt.message_ts = None
        session.add(prompt)
        design = design_repo.get_design(session=session, team_id="T0SANDBOX", design_id=design_id)
        design_repo.mark_changed(session=session, design=design, now=utc_now())


def test_a_question_lost_in_a_crash_is_found_in_one_bounded_read_of_a_long_thread(slack, engine, catalog, distributed):
    design_id = new_design(engine, catalog)
    distributed.publish("T0SANDBOX", design_id)
    parent_ts = load(engine, design_id).parent_ts
    chat(slack, 40, thread_ts=parent_ts)  # an hour of talk in the thread before the question is asked (again)
    slack.workspace.shared_clock.advance(3600)
    slack.workspace.delete_message(CHANNEL, slack.workspace.replies(CHANNEL, parent_ts)[0]["ts"])
    with session_scope(engine) as session:
        session.exec(Prompt.__table__.delete().where(Prompt.__table__.c.design_id == design_id))
        unpublished(session, design_id)
    distributed.publish("T0SANDBOX", design_id)
    posted = slack.workspace.replies(CHANNEL, parent_ts)[-1]["ts"]
    forget_question_ts(engine, design_id)

    distributed.publish("T0SANDBOX", design_id)

    [read] = slack.workspace.calls("conversations.replies")
    assert read.response["ok"] and int(read.params["limit"]) <= 15
    bot_replies = [m["ts"] for m in slack.workspace.replies(CHANNEL, parent_ts) if m.get("user") != "U0BOB"]
    assert bot_replies == [posted], "found again, not posted twice"
    with session_scope(engine) as session:
        assert (
            publishing_repo.get_prompt(session=session, team_id="T0SANDBOX", design_id=design_id, step=1).message_ts
            == posted
        )


def test_a_question_lost_in_a_crash_in_a_thread_busier_than_one_read_is_looked_for_further_not_posted_again(
    slack, engine, catalog, publisher
):
    """Replies that arrived just before the question's post fill the bounded read: not finding the post in it
    is no proof it never went out. The publish waits, and the next one reads on from where this one stopped."""
    design_id = new_design(engine, catalog)
    publisher.publish("T0SANDBOX", design_id)
    parent_ts = load(engine, design_id).parent_ts
    slack.workspace.delete_message(CHANNEL, slack.workspace.replies(CHANNEL, parent_ts)[0]["ts"])
    with session_scope(engine) as session:
        session.exec(Prompt.__table__.delete().where(Prompt.__table__.c.design_id == design_id))
        unpublished(session, design_id)
    chat(slack, 50, thread_ts=parent_ts)  # a burst of replies in the second before the question goes out
    publisher.publish("T0SANDBOX", design_id)
    posted = slack.workspace.replies(CHANNEL, parent_ts)[-1]["ts"]
    forget_question_ts(engine, design_id)

    publisher.publish("T0SANDBOX", design_id)
    assert load(engine, design_id).published_revision < load(engine, design_id).revision, "still looking"
    publisher.publish("T0SANDBOX", design_id)  # the sweep, a minute on

    bot_replies = [m["ts"] for m in slack.workspace.replies(CHANNEL, parent_ts) if m.get("user") != "U0BOB"]
    assert bot_replies == [posted], "found again, not posted twice"
    reads = slack.workspace.calls("conversations.replies")
    assert all(int(read.params["limit"]) <= 15 for read in reads)
    assert float(reads[-1].params["oldest"]) > float(reads[0].params["oldest"]), "read on, not read again"
    with session_scope(engine) as session:
        assert (
            publishing_repo.get_prompt(session=session, team_id="T0SANDBOX", design_id=design_id, step=1).message_ts
            == posted
        )
    assert load(engine, design_id).published_revision == load(engine, design_id).revision


def test_a_parent_lost_in_a_crash_is_found_in_one_read_of_the_minutes_around_its_post(
    slack, engine, catalog, distributed
):
    chat(slack, 40)  # a busy channel, hours before
    slack.workspace.shared_clock.advance(3 * 3600)
    design_id = new_design(engine, catalog)
    distributed.publish("T0SANDBOX", design_id)
    posted = load(engine, design_id).parent_ts
    chat(slack, 5)  # and a few messages right after the design's post
    with session_scope(engine) as session:
        publishing_repo.record_publication(session=session, team_id="T0SANDBOX", design_id=design_id, parent_ts=None)
        session.exec(Prompt.__table__.delete().where(Prompt.__table__.c.design_id == design_id))
        unpublished(session, design_id)

    distributed.publish("T0SANDBOX", design_id)

    [read] = slack.workspace.calls("conversations.history")
    assert read.response["ok"] and int(read.params["limit"]) <= 15
    assert float(read.params["oldest"]) > float(slack.workspace.messages(CHANNEL)[39]["ts"]), "hours ago is not read"
    assert [m["ts"] for m in slack.workspace.messages(CHANNEL) if m.get("user") != "U0BOB"] == [posted]
    assert load(engine, design_id).parent_ts == posted


def test_a_parent_lost_in_a_crash_under_a_burst_of_channel_talk_is_looked_for_further_not_posted_again(
    slack, engine, catalog, publisher
):
    """A channel is read newest first: talk right after the post fills one read, and the next reads on below it."""
    design_id = new_design(engine, catalog)
    publisher.publish("T0SANDBOX", design_id)
    posted = load(engine, design_id).parent_ts
    chat(slack, 50)  # the channel busy in the minutes after the design's post
    with session_scope(engine) as session:
        publishing_repo.record_publication(session=session, team_id="T0SANDBOX", design_id=design_id, parent_ts=None)
        session.exec(Prompt.__table__.delete().where(Prompt.__table__.c.design_id == design_id))
        unpublished(session, design_id)

    publisher.publish("T0SANDBOX", design_id)
    assert load(engine, design_id).parent_ts is None, "still looking"
    publisher.publish("T0SANDBOX", design_id)

    assert [m["ts"] for m in slack.workspace.messages(CHANNEL) if m.get("user") != "U0BOB"] == [posted]
    assert load(engine, design_id).parent_ts == posted
    reads = slack.workspace.calls("conversations.history")
    assert float(reads[-1].params["latest"]) < float(reads[0].params["latest"]), "read on, not read again"


def test_a_workspace_without_a_token_keeps_its_design_for_later_instead_of_removing_it(
    slack, engine, catalog, catalogs
):
    """No stored token serves the workspace (a lookup that fails, an uninstall under way): nothing is removed or
    marked published, and its starter is not told the channel refused the post."""
    store = installation_store(engine=engine, client_id="C1", cipher=token_cipher([new_key()]))
    clients = SlackClients(base_url=slack.api_url, installation_store=store)
    jobs = LocalJobs(KeyedBackground(max_workers=1))
    publisher = Publisher(engine=engine, clients=clients, catalogs=catalogs, jobs=jobs, clock=SystemClock())
    design_id = new_design(engine, catalog)

    publisher.publish("T0SANDBOX", design_id)

    assert slack.workspace.calls() == []
    with session_scope(engine) as session:
        assert publishing_repo.unpublished_designs(session=session) == [("T0SANDBOX", design_id)]
    jobs.shutdown()


def test_canvases_refused_are_tried_again_a_day_later(slack, engine, catalog, catalogs):
    clients = SlackClients(base_url=slack.api_url, token=slack.workspace.bot_token)
    jobs = LocalJobs(KeyedBackground(max_workers=1))
    publisher = Publisher(engine=engine, clients=clients, catalogs=catalogs, jobs=jobs, clock=FakeSlackClock(slack))
    design_id = new_design(engine, catalog)
    slack.workspace.canvases_disabled = True
    want_summary(engine, design_id)

    publisher.publish("T0SANDBOX", design_id)
    slack.workspace.canvases_disabled = False  # an admin switches canvases on
    want_summary(engine, design_id)  # a change within the day
    publisher.publish("T0SANDBOX", design_id)
    refused = load(engine, design_id)
    slack.workspace.shared_clock.advance(25 * 3600)
    want_summary(engine, design_id)
    publisher.publish("T0SANDBOX", design_id)

    assert refused.canvas_refused == "canvas_disabled_user_team" and refused.canvas_id is None
    assert len(slack.workspace.calls("canvases.create")) == 2, "once refused, once a day later"
    design = load(engine, design_id)
    [canvas] = slack.workspace.canvases()
    assert (design.canvas_id, design.canvas_refused) == (canvas["id"], None)
    summary = slack.workspace.message(CHANNEL, design.summary_ts)
    assert summary is not None and design.canvas_url in str(summary["blocks"])
    jobs.shutdown()


def test_a_canvas_slack_wont_share_holds_up_nothing_and_is_shared_later_without_a_second_canvas(
    slack, engine, catalog, catalogs
):
    clients = SlackClients(base_url=slack.api_url, token=slack.workspace.bot_token)
    jobs = LocalJobs(KeyedBackground(max_workers=1))
    publisher = Publisher(engine=engine, clients=clients, catalogs=catalogs, jobs=jobs, clock=FakeSlackClock(slack))
    design_id = new_design(engine, catalog)
    want_summary(engine, design_id)
    slack.workspace.fail_next("canvases.access.set", "restricted_action")

    publisher.publish("T0SANDBOX", design_id)
    first = load(engine, design_id)
    summary = slack.workspace.message(CHANNEL, first.summary_ts)
    slack.workspace.shared_clock.advance(25 * 3600)
    want_summary(engine, design_id)
    publisher.publish("T0SANDBOX", design_id)
    later = load(engine, design_id)

    assert summary is not None and "open_canvas" not in str(summary["blocks"]), "no link the channel can't open"
    assert (first.canvas_shared, first.canvas_refused) == (False, "restricted_action")
    assert later.canvas_shared and later.canvas_refused is None and later.canvas_id == first.canvas_id
    assert len(slack.workspace.calls("canvases.create")) == 1
    updated = slack.workspace.message(CHANNEL, later.summary_ts)
    assert updated is not None and later.canvas_url and later.canvas_url in str(updated["blocks"])
    jobs.shutdown()
