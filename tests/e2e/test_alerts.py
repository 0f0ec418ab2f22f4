"""Decisions reopened by production alerts, end to end: an owner gets the design's webhook token, Alertmanager's
deliveries (firing then resolved, each sent twice, as it resends) reopen the refresh decision once in the thread,
at any hour, and the resolution is noted on the same message; forged tokens and malformed bodies are refused."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from sandbox.alerts import SAMPLE_LABELS, sample_delivery, send_delivery
from tests.e2e.helpers import ALICE, BOB, CHANNEL, DesignThread, action_ids, poll_until
from tests.e2e.test_nudges import NUDGE, answer_question, deploy, nudge_ids, posted
from tests.e2e.test_summary import exported
from tests.slack_text import all_text

pytestmark = pytest.mark.usefixtures("bot")

TOKEN = re.compile(r"mldesign_[A-Za-z0-9_-]{20,}")


def token_from(reply: dict[str, Any]) -> str:
    found = TOKEN.search(all_text(reply))
    assert found, f"no token in {all_text(reply)!r}"
    return found.group()


@pytest.fixture
def deployed(slack, driver, db, start_design) -> DesignThread:
    thread = start_design("Churn model")
    answer_question(thread, "refresh-cadence", "Weekly")
    deploy(slack, driver, db, thread)
    return thread


@pytest.fixture
def hook(bot) -> str:
    return f"{bot.url}/hooks/alerts"


def saturday_night(slack) -> float:
    """The next Saturday at 23:00 in the owner's timezone: far outside working hours."""
    now = datetime.fromtimestamp(slack.workspace.now(), UTC).astimezone(ZoneInfo("Europe/London"))
    days = (5 - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=23, minute=0, second=0, microsecond=0).timestamp()


def test_only_owners_get_the_webhook_token_and_rotating_it_retires_the_old_one(slack, bot, driver, deployed, hook):
    denied = driver.slash_command(BOB, CHANNEL, "alerts Churn model").json()
    first = driver.slash_command(ALICE, CHANNEL, "alerts Churn model").json()
    again = driver.slash_command(ALICE, CHANNEL, "alerts Churn model").json()
    rotated = driver.slash_command(ALICE, CHANNEL, "alerts Churn model rotate").json()

    assert "can see or change its alert webhook" in all_text(denied) and not TOKEN.search(all_text(denied))
    old, new = token_from(first), token_from(rotated)
    assert first["response_type"] == "ephemeral" and "Authorization: Bearer" in all_text(first)
    assert not TOKEN.search(all_text(again)), "a token is shown only when it is made"
    assert "rotate" in all_text(again)
    delivery = sample_delivery(status="firing", starts_at=slack.workspace.now())
    assert send_delivery(hook, old, delivery).status_code == 401, "the rotated-away token no longer works"
    assert send_delivery(hook, new, delivery).status_code == 200
    assert old not in bot.log() and new not in bot.log(), "tokens never reach the log"


def test_a_firing_alert_sent_twice_reopens_the_refresh_decision_once_and_its_resolution_is_noted_once(
    slack, driver, db, deployed, hook
):
    token = token_from(driver.slash_command(ALICE, CHANNEL, "alerts Churn model").json())
    slack.workspace.advance_clock_to(saturday_night(slack))  # monitoring doesn't wait for working hours
    started = slack.workspace.now() - 120
    firing = sample_delivery(status="firing", starts_at=started)

    answers = [send_delivery(hook, token, firing) for _ in range(2)]
    deployed.wait_until(lambda: len(posted(deployed)) == 1, timeout=10)
    deployed.settle()

    assert [a.status_code for a in answers] == [200, 200]
    assert (answers[0].json()["new"], answers[1].json()["duplicates"]) == (1, 1)
    assert answers[0].json()["reopened"] == ["refresh-cadence"], "the alert's label names the decision"
    (message,) = posted(deployed)
    shown = all_text(message)
    assert f"<@{ALICE}>" in shown, "the owner is mentioned"
    assert "PredictionDriftHigh" in shown and "Population stability index" in shown
    assert f"<!date^{int(started)}^" in shown, "the alert's start"
    assert "|source>" in shown and "prometheus.example.com" in shown, "a link to the alert's generatorURL"
    assert "Still holds" in shown and "Update" in shown
    reopened = [n for n in db.nudges("Churn model") if n.by_alert]
    assert [n.question_id for n in reopened] == ["refresh-cadence"]
    assert nudge_ids(message) == [reopened[0].id]
    assert {n.status for n in db.nudges("Churn model") if not n.by_alert} == {"scheduled"}, "the rest wait"

    resolved = sample_delivery(status="resolved", starts_at=started, ends_at=slack.workspace.now())
    closing = [send_delivery(hook, token, resolved) for _ in range(2)]
    deployed.wait_until(lambda: "resolved" in all_text(posted(deployed)[0]), timeout=10)
    deployed.settle()

    assert [c.json()["resolved"] for c in closing] == [1, 0]
    assert closing[1].json()["duplicates"] == 1
    (message,) = posted(deployed)  # noted on the same message, not posted again
    assert all_text(message).count("resolved") == 1
    assert "Still holds" in all_text(message), "the decision is still asked"

    deployed.click(ALICE, "nudge_confirm", message=message, value=str(reopened[0].id))
    deployed.wait_until(lambda: "Still holds, confirmed" in all_text(posted(deployed)[0]), timeout=10)
    assert driver.slash_command(ALICE, CHANNEL, "export Churn model").status_code == 200
    deployed.wait_until(lambda: any(m.get("files") for m in deployed.replies()), timeout=10)
    document = exported(slack)[-1]
    assert "Production alerts" in document and "PredictionDriftHigh" in document
    assert "(reopened by an alert)" in document


def test_an_unlabelled_drift_alert_reopens_refresh_monitoring_and_feedback_decisions(slack, driver, db, deployed, hook):
    token = token_from(driver.slash_command(ALICE, CHANNEL, "alerts Churn model").json())
    labels = {k: v for k, v in SAMPLE_LABELS.items() if k != "mldesign_question"}
    answer = send_delivery(
        hook, token, sample_delivery(status="firing", starts_at=slack.workspace.now(), labels=labels)
    )
    deployed.wait_until(lambda: len(posted(deployed)) == 1, timeout=10)

    assert answer.json()["reopened"] == ["feedback-loop", "refresh-cadence", "refresh-monitoring"]
    assert {n.question_id for n in db.nudges("Churn model") if n.by_alert} == {
        "feedback-loop",
        "refresh-cadence",
        "refresh-monitoring",
    }
    assert len(nudge_ids(posted(deployed)[0])) == 3, "one message for the alert"


def test_an_alert_on_a_decision_already_waiting_asks_it_again_and_closes_the_old_question(
    slack, driver, db, deployed, hook
):
    slack.workspace.advance_clock_to(db.next_nudge_due("Churn model") + 60)
    deployed.wait_until(lambda: len(posted(deployed)) == 1, timeout=10)
    token = token_from(driver.slash_command(ALICE, CHANNEL, "alerts Churn model").json())

    send_delivery(hook, token, sample_delivery(status="firing", starts_at=slack.workspace.now()))
    deployed.wait_until(lambda: len(posted(deployed)) == 2, timeout=10)
    deployed.wait_until(lambda: "Asked again below" in all_text(posted(deployed)[0]), timeout=10)

    def refresh_statuses() -> list[str]:
        return [n.status for n in db.nudges("Churn model") if n.question_id == "refresh-cadence"]

    poll_until(lambda: refresh_statuses() == ["superseded", "sent"], what="the new revisit recorded as sent")
    assert "nudge_confirm" in action_ids(posted(deployed)[1])


def test_forged_tokens_and_malformed_bodies_are_refused_with_a_reason_and_change_nothing(
    slack, driver, db, deployed, hook
):
    token = token_from(driver.slash_command(ALICE, CHANNEL, "alerts Churn model").json())
    good = sample_delivery(status="firing", starts_at=slack.workspace.now())
    no_start = json.loads(json.dumps(good))
    del no_start["alerts"][0]["startsAt"]
    bad_status = json.loads(json.dumps(good)) | {"version": "4"}
    bad_status["alerts"][0]["status"] = "burning"

    refused = {
        "no token": send_delivery(hook, "", good),
        "forged": send_delivery(hook, "mldesign_" + "x" * 43, good),
        "not bearer": httpx.post(hook, json=good, headers={"Authorization": f"Basic {token}"}),
        "not json": send_delivery(hook, token, b"{not json"),
        "no alerts": send_delivery(hook, token, {"version": "4", "status": "firing", "alerts": []}),
        "no start": send_delivery(hook, token, no_start),
        "bad status": send_delivery(hook, token, bad_status),
        "wrong version": send_delivery(hook, token, good | {"version": "3"}),
        "nested": send_delivery(hook, token, b"[" * 100_000),
        "too large": send_delivery(hook, token, b" " * 1_000_001),
    }

    statuses = {name: response.status_code for name, response in refused.items()}
    assert statuses == {
        "no token": 401,
        "forged": 401,
        "not bearer": 401,
        "not json": 400,
        "no alerts": 400,
        "no start": 400,
        "bad status": 400,
        "wrong version": 400,
        "nested": 400,
        "too large": 413,
    }
    assert refused["no token"].headers["www-authenticate"].startswith("Bearer")
    assert refused["no start"].json()["detail"].startswith("alerts.0.startsAt")
    assert refused["bad status"].json()["detail"].startswith("alerts.0.status")
    assert not any(n.by_alert for n in db.nudges("Churn model")), "nothing reopened"
    deployed.settle()
    assert [m for m in deployed.replies() if (m.get("metadata") or {}).get("event_type") == NUDGE] == []
