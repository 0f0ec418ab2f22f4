"""Sign-off end to end: an owner names reviewers, one requests changes, then both approve; an answer changed after
the approval puts the design back in review and asks the approvers again, with what changed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.helpers import ALICE, BOB, CAROL, CHANNEL, DesignThread, action_ids, poll_until
from tests.slack_text import all_text

pytestmark = pytest.mark.usefixtures("bot")
REVIEW = "mldesign_review"


def review_rounds(thread: DesignThread) -> list[dict[str, Any]]:
    return [m for m in thread.replies() if (m.get("metadata") or {}).get("event_type") == REVIEW]


def last_ephemeral(slack: Any, user: str) -> str:
    shown = slack.workspace.ephemerals(channel=CHANNEL, user=user)
    return all_text(shown[-1]) if shown else ""


def test_a_review_round_with_changes_requested_then_approvals_and_a_change_after_approval(
    slack, driver, db, start_design
):
    thread = start_design("Churn model")
    thread.answer(BOB, "Two analysts score accounts in a spreadsheet every Monday.")
    driver.slash_command(ALICE, CHANNEL, "summary churn model")
    thread.wait_until(lambda: db.design("Churn model").summary_ts is not None)
    summary_ts = db.design("Churn model").summary_ts
    summary = lambda: all_text(slack.workspace.message(CHANNEL, summary_ts) or {})  # noqa: E731
    thread.wait_until(lambda: "*Draft*" in summary())

    refused = driver.slash_command(BOB, CHANNEL, f"review churn model <@{CAROL}>").json()
    assert "Only the owners" in all_text(refused) and "ask for its review" in all_text(refused)
    alone = driver.slash_command(ALICE, CHANNEL, f"review churn model <@{ALICE}>").json()
    assert "needs a second reviewer" in all_text(alone)
    assert review_rounds(thread) == []

    asked = driver.slash_command(ALICE, CHANNEL, f"review churn model <@{BOB}> <@{CAROL}>").json()
    assert f"<@{BOB}>" in all_text(asked) and f"<@{CAROL}>" in all_text(asked)
    thread.wait_until(lambda: len(review_rounds(thread)) == 1)
    [first] = review_rounds(thread)
    assert f"<@{BOB}>" in all_text(first) and f"<@{CAROL}>" in all_text(first) and "*In review*" in all_text(first)
    assert {"review_approve", "review_changes"} <= set(action_ids(first))
    thread.wait_until(lambda: "*In review*: 0 of 2 approved" in summary())

    design_id = str(db.design("Churn model").id)
    driver.click(ALICE, CHANNEL, first["ts"], "review_approve", value=design_id)
    slack.workspace.wait_for(lambda _: "Only the reviewers" in last_ephemeral(slack, ALICE))

    driver.click(CAROL, CHANNEL, first["ts"], "review_changes", value=design_id)
    slack.workspace.wait_for(lambda ws: ws.open_modals(CAROL) != [])
    [form] = slack.workspace.open_modals(CAROL)
    empty = driver.submit_view(CAROL, form["id"], {"review_comment": {"review_comment": {"type": "plain_text_input"}}})
    assert "review_comment" in empty.json()["errors"], "a request for changes says what should change"
    comment = {"review_comment": {"review_comment": {"type": "plain_text_input", "value": "Name the holdout <group>."}}}
    assert driver.submit_view(CAROL, form["id"], comment).status_code == 200
    thread.wait_until(lambda: f"*Changes requested* by <@{CAROL}>" in summary())
    message = lambda: all_text(slack.workspace.message(CHANNEL, first["ts"]) or {})  # noqa: E731
    thread.wait_until(lambda: "requested changes: “Name the holdout &lt;group&gt;.”" in message())

    # The team made the changes: asking again mentions whoever hasn't approved, the one who asked for them too.
    driver.slash_command(ALICE, CHANNEL, f"review churn model <@{CAROL}>")
    thread.wait_until(lambda: len(review_rounds(thread)) == 2)
    assert f"<@{CAROL}>" in all_text(review_rounds(thread)[-1]) and f"<@{BOB}>" in all_text(review_rounds(thread)[-1])

    driver.click(BOB, CHANNEL, first["ts"], "review_approve", value=design_id)
    driver.click(CAROL, CHANNEL, first["ts"], "review_approve", value=design_id)
    thread.wait_until(lambda: f"*Approved* by <@{BOB}>, <@{CAROL}>" in summary())
    latest = lambda: all_text(slack.workspace.message(CHANNEL, review_rounds(thread)[-1]["ts"]) or {})  # noqa: E731
    thread.wait_until(lambda: "*Approved* · 2 of 2 approved" in latest())
    assert len(review_rounds(thread)) == 2, "verdicts update the latest round's message in place"
    verdicts = [(v.reviewer, v.verdict) for v in db.verdicts("Churn model")]
    assert verdicts == [(CAROL, "changes"), (BOB, "approve"), (CAROL, "approve")]

    thread.answer(BOB, "The retention team leads.")  # the next question: an answer after the approvals
    thread.wait_until(lambda: len(review_rounds(thread)) == 3)
    again = review_rounds(thread)[-1]
    text = all_text(again)
    assert f"<@{BOB}>" in text and f"<@{CAROL}>" in text and "changed since you approved it" in text
    assert "Changed since: Domain experts consulted." in text
    thread.wait_until(lambda: "*In review*: 0 of 2 approved" in summary())
    thread.answer(BOB, "Finance, who fear churn numbers will be revised.")
    thread.settle()
    assert len(review_rounds(thread)) == 3, "asked again once, however many answers change before they look"
    poll_until(lambda: db.design("Churn model").review_posted_round == 3, what="the round recorded")

    changes = all_text(driver.slash_command(CAROL, CHANNEL, "changes churn model").json())
    assert "*Changes to Churn model since the latest approval" in changes
    assert f"*Domain experts consulted* added by <@{BOB}>" in changes and "“The retention team leads.”" in changes
    assert "Push-back" in changes
    unread = all_text(driver.slash_command(CAROL, CHANNEL, "changes churn model since 2999-01-01").json())
    assert "No answer of *Churn model* changed since 2999-01-01." in unread


def test_a_reviewer_who_leaves_the_workspace_is_shown_as_such_and_the_others_can_still_approve(
    slack, driver, db, start_design
):
    thread = start_design("Churn model")
    driver.slash_command(ALICE, CHANNEL, f"review churn model <@{BOB}> <@{CAROL}>")
    thread.wait_until(lambda: len(review_rounds(thread)) == 1)
    design_id = str(db.design("Churn model").id)

    departed = slack.workspace.deactivate_user(CAROL)  # an admin deactivates Carol; Slack tells the app
    assert driver.send_event({"type": "user_change", "user": departed}).status_code == 200
    thread.wait_until(lambda: "has left the workspace" in all_text(review_rounds(thread)[0]), timeout=10)
    driver.click(BOB, CHANNEL, review_rounds(thread)[0]["ts"], "review_approve", value=design_id)
    thread.wait_until(lambda: "*Approved*" in all_text(review_rounds(thread)[0]), timeout=10)

    shown = all_text(review_rounds(thread)[0])
    assert f"<@{CAROL}> has left the workspace" in shown and "1 of 1 approved" in shown
    status = all_text(driver.slash_command(ALICE, CHANNEL, "status churn model").json())
    assert "*Approved*" in status and f"<@{CAROL}> left the workspace" in status
