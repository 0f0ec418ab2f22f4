"""Several `mldesign serve` processes on one database behave as one bot: concurrent answers to one design are
all kept, a duplicate delivery to another process changes nothing, and 1,000 due revisits are each posted
exactly once by two or three processes, across crashes between claim and send and between send and mark, as are
the nudges of 100 alerts for 50 designs delivered twice each to three processes (the fake Slack's messages are the
oracle)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.usecases.alerts import hash_token
from sandbox import FakeSlack, SlackDriver
from sandbox.alerts import sample_delivery, send_delivery
from storage.engine import session_scope
from storage.models import AlertToken, Design, DesignStatus, Nudge, ProductionAlert
from tests.e2e.conftest import SIGNING_SECRET, BotProcess, bot_for
from tests.e2e.helpers import ALICE, BOB, CHANNEL, Database, DesignThread, poll_until, question_number

NUDGE = "mldesign_nudge"
REVISITED = ("feedback-loop", "outcome-delay", "refresh-cadence", "refresh-monitoring", "system-data-pipelines")
DESIGNS = 200  # with 5 revisit questions each: 1,000 due nudges
CLAIMED_THEN_DIED = range(0, 20)  # a process claimed these designs' rows and died before posting
SENT_THEN_DIED = range(20, 40)  # … posted their message and died before marking the rows sent


@pytest.fixture
def fleet(slack: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[Callable[[int], list[BotProcess]]]:
    started: list[BotProcess] = []

    def start(count: int) -> list[BotProcess]:
        for index in range(count):
            started.append(bot_for(slack, database_url, tmp_path / f"bot-{index}.log").start())
        return started

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def drivers(slack: FakeSlack) -> Iterator[Callable[[list[BotProcess]], list[SlackDriver]]]:
    opened: list[SlackDriver] = []

    def open_for(processes: list[BotProcess]) -> list[SlackDriver]:
        opened.extend(slack.driver(f"{p.url}/slack/events", SIGNING_SECRET) for p in processes)
        return opened

    yield open_for
    for driver in opened:
        driver.close()


def test_two_processes_answering_one_design_at_once_keep_every_answer_once(slack, db, fleet, drivers):
    first, second = drivers(fleet(2))
    thread = DesignThread.start(slack, first, db, "Churn model")
    texts = [f"reply {n}" for n in range(12)]

    def reply(numbered: tuple[int, str]) -> None:
        number, text = numbered
        driver = (first, second)[number % 2]  # the load balancer alternates
        _, response = driver.post_message(BOB, CHANNEL, text, thread_ts=thread.parent_ts)
        assert response.status_code == 200

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(reply, enumerate(texts)))
    delivered = slack.workspace.deliveries("event")[-1].request
    retried = second.send_event(delivered["event"], event_id=delivered["event_id"], retry_num=1)
    retried_again = first.send_event(delivered["event"], event_id=delivered["event_id"], retry_num=2)
    thread.settle()

    stored = [a.text for q in ("manual-process", "domain-experts", "push-back") for a in db.history(thread.name, q)]
    assert (retried.status_code, retried_again.status_code) == (200, 200)
    assert sorted(stored) == sorted(texts), "every acknowledged reply is kept, once, whichever process took it"
    asked = [question_number(m) for m in thread.questions()]
    assert len(asked) == len(set(asked)), f"a question was asked twice: {asked}"


def deployed_design(db: Database, catalog, index: int, parent_ts: str, *, deployed_at: datetime) -> Design:
    """A walked-through, deployed, published design whose parent message is in the fake's channel."""
    return Design(
        team_id=db.team_id,
        channel_id=CHANNEL,
        name=f"Design {index}",
        name_key=f"design {index}",
        started_by=ALICE,
        catalog_id=catalog.id,
        catalog_version=catalog.version,
        status=DesignStatus.COMPLETE,
        current_question_id=None,
        parent_ts=parent_ts,
        closing_ts=parent_ts,
        deployed_at=deployed_at,
        owner_tz="Europe/London",
        revision=1,
        published_revision=1,
    )


def seed_due_nudges(slack: FakeSlack, db: Database, catalog) -> datetime:
    """200 deployed designs with 5 due revisits each, some left mid-dispatch by a process that died."""
    now = datetime.fromtimestamp(slack.workspace.now(), UTC)
    with session_scope(db.engine) as session:
        for index in range(DESIGNS):
            parent = slack.workspace.post_message(CHANNEL, text=f"Design {index}", bot_id="B0BOT")
            design = deployed_design(db, catalog, index, parent["ts"], deployed_at=now - timedelta(days=14))
            session.add(design)
            session.flush()
            rows = [
                Nudge(
                    team_id=db.team_id,
                    design_id=design.id,
                    question_id=question,
                    status="scheduled",
                    due_at=now - timedelta(minutes=1),
                    any_hour=True,  # due now whatever the hour, like `/mldesign remind … now`
                )
                for question in REVISITED
            ]
            session.add_all(rows)
            session.flush()
            if index in CLAIMED_THEN_DIED or index in SENT_THEN_DIED:
                for row in rows:  # the dead process's lease ran out a second ago
                    row.claim, row.due_at = "a-process-that-died", now - timedelta(seconds=1)
            if index in SENT_THEN_DIED:
                metadata = {"event_type": NUDGE, "event_payload": {"nudge_ids": [row.id for row in rows]}}
                slack.workspace.post_message(
                    CHANNEL, text="revisit", bot_id="B0BOT", thread_ts=parent["ts"], metadata=metadata
                )
                for row in rows:  # its send began as it took the five-minute lease, which just ran out
                    row.send_started_at = now - timedelta(minutes=5)
    return now


def nudge_messages(slack: FakeSlack) -> list[dict]:
    return [
        reply
        for parent in slack.workspace.messages(CHANNEL)
        for reply in slack.workspace.replies(CHANNEL, parent["ts"])
        if (reply.get("metadata") or {}).get("event_type") == NUDGE
    ]


@pytest.mark.parametrize("processes_count", [2, 3], ids=["two-processes", "three-processes"])
def test_processes_post_each_of_a_thousand_due_nudges_exactly_once_across_crashes(
    slack, db, catalog, fleet, processes_count
):
    now = seed_due_nudges(slack, db, catalog)
    processes = fleet(processes_count)

    poll_until(lambda: len(nudge_messages(slack)) >= 60, timeout=60, what="the fleet posting")
    processes[0].kill()  # mid-dispatch: whatever it had claimed stays leased to a dead process…
    slack.workspace.advance_clock_to(now.timestamp() + 6 * 60)  # …until its five-minute lease runs out

    def all_sent() -> bool:
        with session_scope(db.engine) as session:
            statuses = Counter(row.status for row in session.exec(select(Nudge)).all())
        return statuses == Counter({"sent": DESIGNS * len(REVISITED)})

    poll_until(all_sent, timeout=90, what="every nudge marked sent")
    messages = nudge_messages(slack)
    posted_ids = Counter(
        nudge_id for message in messages for nudge_id in message["metadata"]["event_payload"]["nudge_ids"]
    )
    with session_scope(db.engine) as session:
        rows = session.exec(select(Nudge)).all()
    by_ts = {message["ts"]: set(message["metadata"]["event_payload"]["nudge_ids"]) for message in messages}

    assert len(rows) == 1_000
    assert set(posted_ids) == {row.id for row in rows}, "nothing lost"
    assert max(posted_ids.values()) == 1, "nothing doubled"
    assert len(messages) == DESIGNS, "one message per design"
    assert all(row.id in by_ts[row.message_ts] for row in rows), "each row points at the message that carried it"


def test_serve_with_worker_processes_answers_from_each_of_them(slack, database_url, tmp_path):
    bot = bot_for(
        slack, database_url, tmp_path / "workers.log", arguments=("serve", "--workers", "2", "--threads", "4")
    ).start()
    try:
        with slack.driver(f"{bot.url}/slack/events", SIGNING_SECRET) as driver:
            answers = [driver.slash_command(ALICE, CHANNEL, "help").status_code for _ in range(20)]
            thread = DesignThread.start(slack, driver, Database(database_url), "Churn model")
            thread.answer(BOB, "By hand.")
    finally:
        bot.stop()

    assert answers == [200] * 20
    assert "(2 process(es))" in bot.log()
    assert Database(database_url).answers("Churn model")["manual-process"].text == "By hand."


ALERTED_DESIGNS = 50


def seed_deployed_designs_with_tokens(slack: FakeSlack, db: Database, catalog) -> list[str]:
    """50 deployed designs, their revisits weeks away, each with its own alert webhook token."""
    now = datetime.fromtimestamp(slack.workspace.now(), UTC)
    tokens = []
    with session_scope(db.engine) as session:
        for index in range(ALERTED_DESIGNS):
            parent = slack.workspace.post_message(CHANNEL, text=f"Design {index}", bot_id="B0BOT")
            design = deployed_design(db, catalog, index, parent["ts"], deployed_at=now - timedelta(days=3))
            session.add(design)
            session.flush()
            session.add_all(
                Nudge(
                    team_id=db.team_id,
                    design_id=design.id,
                    question_id=question,
                    status="scheduled",
                    due_at=now + timedelta(days=11),
                )
                for question in REVISITED
            )
            token = f"mldesign_design-{index}-" + "t" * 32
            session.add(
                AlertToken(design_id=design.id, team_id=db.team_id, token_hash=hash_token(token), created_by=ALICE)
            )
            tokens.append(token)
    return tokens


def test_three_processes_given_a_hundred_alerts_for_fifty_designs_post_each_nudge_once(slack, db, catalog, fleet):
    tokens = seed_deployed_designs_with_tokens(slack, db, catalog)
    processes = fleet(3)
    started = slack.workspace.now() - 60
    labelled = sample_delivery(status="firing", starts_at=started)  # names the refresh decision
    unlabelled = sample_delivery(  # a drift alert of its own: refresh, monitoring and feedback loop
        status="firing",
        starts_at=started,
        fingerprint="0d1e2f3a4b5c6d7e",
        labels={"alertname": "FeatureDriftHigh", "model": "churn", "severity": "critical"},
    )
    # Every alert is delivered twice, to different processes, as Alertmanager resends: 200 deliveries of 100 alerts.
    sends = [
        (processes[(index + attempt) % 3], token, delivery)
        for index, token in enumerate(tokens)
        for delivery in (labelled, unlabelled)
        for attempt in (0, 1)
    ]

    def send(job: tuple[BotProcess, str, dict]) -> int:
        process, token, delivery = job
        return send_delivery(f"{process.url}/hooks/alerts", token, delivery).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = Counter(pool.map(send, sends))

    def alerted() -> list[Nudge]:
        with session_scope(db.engine) as session:
            return list(session.exec(select(Nudge).where(Nudge.by_alert)).all())

    poll_until(
        lambda: all(row.status in ("sent", "superseded") and row.message_ts for row in alerted()),
        timeout=90,
        what="every reopened decision posted",
    )
    with session_scope(db.engine) as session:
        alerts = session.exec(select(ProductionAlert)).all()
    rows = alerted()
    messages = nudge_messages(slack)
    posted_ids = Counter(nudge_id for m in messages for nudge_id in m["metadata"]["event_payload"]["nudge_ids"])

    assert statuses == Counter({200: 200})
    assert len(alerts) == 100, "each alert recorded once, however often and wherever it arrived"
    assert set(posted_ids) == {row.id for row in rows}, "every reopened decision was asked"
    assert max(posted_ids.values()) == 1, "and none twice"
    per_design = Counter(row.design_id for row in rows if row.status == "sent")
    assert set(per_design.values()) == {3}, "each design has its three decisions open, once each"
    assert len(messages) <= 2 * ALERTED_DESIGNS
    errors = [line for process in processes for line in process.log().splitlines() if '"level": "ERROR"' in line]
    assert errors == [], "no deadlock, no failed job: every process took its share without waiting on another"
