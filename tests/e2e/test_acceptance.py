"""Accepting a review finding end to end, on catalog version 2: an owner's call, from the summary's menu, with a reason
and an expiry; the summary and readiness show it; when the sandbox clock passes the expiry, the decision comes back
in the thread."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flows.catalog import DEFAULT_CATALOG_PATH
from tests.e2e.helpers import ALICE, BOB, CHANNEL, action_ids, poll_until
from tests.slack_text import all_text

pytestmark = pytest.mark.usefixtures("bot")


@pytest.fixture
def catalog_path() -> Path:
    return DEFAULT_CATALOG_PATH


def element(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(
        e for block in message.get("blocks", []) for e in block.get("elements", []) if e.get("action_id") == action_id
    )


def acceptance_values(rationale: str, until: str | None) -> dict[str, Any]:
    return {
        "acceptance_rationale": {"acceptance_rationale": {"type": "plain_text_input", "value": rationale}},
        "acceptance_until": {"acceptance_until": {"type": "datepicker", "selected_date": until}},
    }


def sandbox_today(slack: Any) -> date:
    return datetime.fromtimestamp(slack.workspace.now(), UTC).date()


def test_an_owner_accepts_a_finding_until_a_date_and_it_comes_back_when_that_date_comes(
    slack, driver, db, start_design
):
    thread = start_design("Churn model")
    while thread.current_id() != "rollback":
        thread.click_and_wait(ALICE, "skip_question")
    thread.click_and_wait(ALICE, "choose_option:none")
    driver.slash_command(ALICE, CHANNEL, "summary churn model")
    thread.wait_until(lambda: db.design("Churn model").summary_ts is not None)
    summary_ts = db.design("Churn model").summary_ts
    summary = lambda: slack.workspace.message(CHANNEL, summary_ts) or {}  # noqa: E731
    thread.wait_until(lambda: "No rollback" in all_text(summary()))
    menu = element(summary(), "accept_finding")
    [rollback] = [o for o in menu["options"] if o["value"].endswith(":no-rollback")]
    readiness_before = db_readiness_line(summary())

    driver.click(BOB, CHANNEL, summary_ts, "accept_finding", selected=rollback["value"])
    slack.workspace.wait_for(
        lambda ws: "can accept its review findings" in all_text((ws.ephemerals(channel=CHANNEL, user=BOB) or [{}])[-1])
    )
    assert slack.workspace.open_modals(BOB) == [], "anyone else is told who may, and no form opens"

    driver.click(ALICE, CHANNEL, summary_ts, "accept_finding", selected=rollback["value"])
    slack.workspace.wait_for(lambda ws: ws.open_modals(ALICE) != [])
    [form] = slack.workspace.open_modals(ALICE)
    assert "No rollback" in all_text(form)
    today = sandbox_today(slack)
    [picker] = [b["element"] for b in form["blocks"] if b.get("block_id") == "acceptance_until"]
    assert picker["initial_date"] == (today + timedelta(days=90)).isoformat()

    refused = driver.submit_view(ALICE, form["id"], acceptance_values("TBD", today.isoformat()))
    errors = refused.json()["errors"]
    assert set(errors) == {"acceptance_rationale", "acceptance_until"}
    assert "after today" in errors["acceptance_until"]
    assert db.acceptances("Churn model") == [] and slack.workspace.open_modals(ALICE) != []

    until = today + timedelta(days=30)
    reason = "We redeploy the previous image by hand & <rarely> need to; the flag lands in Q1."
    accepted = driver.submit_view(ALICE, form["id"], acceptance_values(reason, until.isoformat()))
    assert accepted.status_code == 200 and slack.workspace.open_modals(ALICE) == []
    poll_until(lambda: len(db.acceptances("Churn model")) == 1, what="the acceptance stored")
    [stored] = db.acceptances("Churn model")
    assert (stored.rule_id, stored.accepted_by, stored.until, stored.rationale) == ("no-rollback", ALICE, until, reason)
    thread.wait_until(lambda: f"Accepted by <@{ALICE}> until" in all_text(summary()))
    text = all_text(summary())
    assert "1 accepted" in text and "&amp; &lt;rarely&gt;" in str(summary()["blocks"])
    assert db_readiness_line(summary()) != readiness_before, "an accepted finding counts as decided"
    [revisit] = [n for n in db.nudges("Churn model") if n.question_id == "accepted:no-rollback"]
    assert revisit.status == "scheduled" and revisit.due_at is not None
    assert revisit.due_at.date() >= until and revisit.due_at < datetime.combine(
        until, datetime.min.time(), UTC
    ) + timedelta(days=4)

    # Reminders off stops the revisits of questions, not the expiry of a decision taken until a date.
    driver.slash_command(ALICE, CHANNEL, "deployed churn model")
    poll_until(lambda: db.design("Churn model").owner_tz is not None, what="deployed")
    driver.slash_command(ALICE, CHANNEL, "remind churn model off")
    poll_until(lambda: not db.design("Churn model").reminders_enabled, what="reminders off")
    assert next(n for n in db.nudges("Churn model") if n.id == revisit.id).status == "scheduled"

    slack.workspace.advance_clock_to(revisit.due_at.timestamp() + 60)
    thread.wait_until(lambda: any("Accepted finding" in all_text(m) for m in thread.replies()), timeout=10)
    [nudge] = [m for m in thread.replies() if "Accepted finding" in all_text(m)]
    assert f"<@{ALICE}>" in all_text(nudge) and "has run out" in all_text(nudge)
    assert "accept_again" in action_ids(nudge) and "nudge_snooze" in action_ids(nudge)
    assert "nudge_stop" not in action_ids(nudge), "nothing here for reminders to stop"
    thread.wait_until(lambda: f"Accepted by <@{ALICE}> until" not in all_text(summary()))
    assert "1 accepted" not in all_text(summary()), "lapsed: the finding is open again"

    driver.click(ALICE, CHANNEL, nudge["ts"], "accept_again", value=f"{db.design('Churn model').id}:no-rollback")
    slack.workspace.wait_for(lambda ws: ws.open_modals(ALICE) != [])
    [again] = slack.workspace.open_modals(ALICE)
    [box] = [b["element"] for b in again["blocks"] if b.get("block_id") == "acceptance_rationale"]
    assert box["initial_value"] == reason, "accepting again starts from the reason given before"
    later = sandbox_today(slack) + timedelta(days=60)
    driver.submit_view(ALICE, again["id"], acceptance_values(reason, later.isoformat()))
    poll_until(lambda: len(db.acceptances("Churn model")) == 2, what="accepted again")
    assert next(n for n in db.nudges("Churn model") if n.id == revisit.id).status == "confirmed"
    thread.wait_until(lambda: "Accepted again by" in all_text(slack.workspace.message(CHANNEL, nudge["ts"]) or {}))
    thread.wait_until(lambda: f"Accepted by <@{ALICE}> until" in all_text(summary()))


def db_readiness_line(message: dict[str, Any]) -> str:
    return next(line for line in all_text(message).splitlines() if "Readiness" in line)
