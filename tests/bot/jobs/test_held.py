"""A request's jobs leave once its response is written: Slack's acknowledgement never waits on handing work to
the worker. Outside a request (the worker, periodic work) a job goes at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import anyio
import anyio.to_thread
import httpx
import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.base.settings import Settings
from bot.inbound.replays import ReplayGuard
from bot.inbound.transactions import Transactions
from bot.jobs.held import HeldJobs
from bot.jobs.values import DispatchNudges, Job, PublishHome
from bot.runtime.web import create_web_app
from sandbox import FakeSlack
from sandbox.server import BackgroundServer
from storage.engine import make_engine

SECRET = "held-jobs-signing-secret-0123456789"


class HandedOver:
    """Where jobs end up: kept in order; ``blocking`` makes each hand-over wait until ``open`` is set, as a
    worker that takes the core would."""

    def __init__(self, *, blocking: bool = False) -> None:
        self.jobs: list[Job] = []
        self.open = threading.Event()
        self.arrived = threading.Event()
        self._blocking = blocking

    def submit(self, job: Job) -> None:
        self.jobs.append(job)
        self.arrived.set()
        if self._blocking:
            self.open.wait(timeout=10)


def test_outside_a_request_a_job_goes_at_once():
    handed = HandedOver()

    HeldJobs(handed).submit(DispatchNudges())

    assert handed.jobs == [DispatchNudges()]


def test_a_request_holds_its_jobs_even_from_its_worker_thread_and_releases_them_in_order():
    handed = HandedOver()
    held_jobs = HeldJobs(handed)
    first, second = PublishHome(team_id="T1", user_id="U1"), DispatchNudges()

    async def request() -> list[Job]:
        with held_jobs.holding() as held:
            await anyio.to_thread.run_sync(lambda: (held_jobs.submit(first), held_jobs.submit(second)))
            assert handed.jobs == []
        held_jobs.release(held)
        return held

    held = anyio.run(request)

    assert held == [first, second]
    assert handed.jobs == [first, second]


@pytest.fixture
def served(database_url: str) -> Iterator[tuple[str, HandedOver]]:
    handed = HandedOver(blocking=True)
    held_jobs = HeldJobs(handed)
    fake = FakeSlack()
    fake.start()
    token = fake.workspace.bot_token
    bolt = App(  # Bolt authorizes each request with auth.test, which the fake Slack answers
        signing_secret=SECRET, client=WebClient(token=token, base_url=fake.api_url), process_before_response=True
    )

    @bolt.command("/mldesign")
    def command(ack: Ack) -> None:
        held_jobs.submit(DispatchNudges())
        ack("on it")

    settings = Settings(_env_file=None, slack_bot_token=token, slack_signing_secret=SECRET, database_url=database_url)
    engine = make_engine(database_url)
    app = create_web_app(
        bolt,
        settings=settings,
        replays=ReplayGuard(),
        db=Transactions(engine),
        periodic=None,
        on_shutdown=lambda: None,
        held_jobs=held_jobs,
    )
    server = BackgroundServer(app)
    server.start()
    try:
        yield f"{server.base_url}slack/events", handed
    finally:
        handed.open.set()
        server.stop()
        engine.dispose()
        fake.stop()


def test_the_acknowledgement_is_written_before_its_job_is_handed_over(served):
    url, handed = served
    body = urlencode(
        {
            "command": "/mldesign",
            "text": "help",
            "team_id": "T0SANDBOX",
            "channel_id": "C0HELD",
            "user_id": "U0HELD",
            "trigger_id": "1.2.held",
        }
    )
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }

    # The hand-over blocks until the test opens it: the answer can only come back if it was written first.
    response = httpx.post(url, content=body, headers=headers, timeout=5)

    assert response.status_code == 200
    assert response.text == "on it"
    assert handed.arrived.wait(timeout=5)
    assert handed.jobs == [DispatchNudges()]
