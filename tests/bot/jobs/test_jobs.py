"""Jobs cross from the web process to the worker as data: what arrives is what was sent, and anything else is
dropped with a line in the log, never run."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from bot.jobs.local import LocalJobs
from bot.jobs.pool import KeyedBackground
from bot.jobs.values import (
    JOBS,
    DispatchNudges,
    Export,
    LearnOwnerTimezone,
    OpenForm,
    Publish,
    PublishHome,
    RefreshNudge,
    Respond,
    TellInThread,
    TidyDeleted,
)
from bot.outbound.clients import SlackClients
from bot.outbound.responses import Responder
from bot.runtime.handlers import job_handlers
from bot.runtime.worker import _take
from bot.usecases.ownership import Deleted
from sandbox import FakeSlack

EVERY_KIND = [
    Publish(team_id="T1", design_id=7),
    Export(team_id="T1", design_id=7, user_id="U1", response_url="https://hooks.slack.com/actions/T1/1/x"),
    PublishHome(team_id="T1", user_id="U1"),
    Respond(response_url="https://hooks.slack.com/actions/T1/1/x", text="Done", blocks=[], replace_original=True),
    TellInThread(
        team_id="T1", channel_id="C1", user_id="U1", thread_ts="1.000100", text="<&> “quoted” 🚀", blocks=[{"a": 1}]
    ),
    OpenForm(team_id="T1", trigger_id="13345.7", view={"type": "modal", "blocks": []}, response_url=None),
    TidyDeleted(
        deleted=Deleted(
            team_id="T1", channel_id="C1", name="Churn", parent_ts="1.1", summary_ts=None, deleted_by="U1", answers=3
        )
    ),
    DispatchNudges(),
    LearnOwnerTimezone(team_id="T1", design_id=7),
    RefreshNudge(team_id="T1", design_id=7, message_ts="2.2"),
]


@pytest.mark.parametrize("job", EVERY_KIND, ids=lambda job: job.kind)
def test_every_kind_of_job_arrives_as_it_was_sent(job):
    arrived = JOBS.validate_json(JOBS.dump_json(job))

    assert arrived == job
    assert arrived.key == job.key


def test_a_datagram_that_is_no_job_is_dropped_and_logged_and_a_job_runs(caplog):
    published: list[tuple[str, int]] = []
    background = KeyedBackground(max_workers=1)
    jobs = LocalJobs(background)
    jobs.attach({Publish: lambda job: published.append((job.team_id, job.design_id))})

    with caplog.at_level(logging.ERROR):
        for datagram in (b'{"kind": "rm -rf"}', b"not json", b'{"kind": "publish", "team_id": "T1"}'):
            _take(jobs, datagram)
        assert background.wait_idle(5)
        assert published == []
        _take(jobs, JOBS.dump_json(Publish(team_id="T1", design_id=7)))
        assert background.wait_idle(5)

    assert published == [("T1", 7)]
    assert caplog.text.count("a job it doesn't know") == 3
    background.shutdown()


def test_the_handler_table_runs_every_kind_of_job():
    """Jobs are plain data: what each kind does is the table the wiring builds, and it leaves none out."""
    none = SimpleNamespace()
    handlers = job_handlers(publisher=none, exporter=none, home=none, nudger=none, clients=none)

    assert set(handlers) == {type(job) for job in EVERY_KIND}
    assert {job.kind for job in EVERY_KIND} == set(JOBS.json_schema()["discriminator"]["mapping"])


MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "Update"}, "blocks": []}


def test_a_form_opens_within_its_trigger_while_every_background_worker_waits_on_slack():
    """Publishes waiting on Slack (here a slow history read; a rate limit's Retry-After is the same) fill the
    background lane; the form a person clicked for still opens within the three seconds of its trigger."""
    background, interactive = KeyedBackground(max_workers=2), KeyedBackground(max_workers=1)
    jobs = LocalJobs(background, interactive=interactive)
    with FakeSlack() as slack:
        clients = SlackClients(base_url=slack.api_url, token=slack.workspace.bot_token)

        def slow_publish(job: Publish) -> None:
            clients.for_team(job.team_id).conversations_history(channel="C0MLTEAM")

        jobs.attach({Publish: slow_publish, OpenForm: Responder(clients).open_form})
        slack.workspace.delay_next("conversations.history", 30, times=4)
        for design_id in range(4):
            jobs.submit(Publish(team_id="T0SANDBOX", design_id=design_id))
        trigger = slack.workspace.new_trigger_id("U0ALICE")

        jobs.submit(OpenForm(team_id="T0SANDBOX", trigger_id=trigger, view=MODAL, response_url=None))

        slack.workspace.wait_for(lambda ws: ws.open_modals("U0ALICE"), timeout=3)
        [opened] = slack.workspace.calls("views.open")
        assert opened.response["ok"], opened.response
        assert slack.workspace.calls("conversations.history") == [], "the publishes were still waiting"
    jobs.shutdown()
