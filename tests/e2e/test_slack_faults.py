"""Slack faults, injected in the fake per method and per call: every request is still acknowledged at once and
its answer kept; transient faults are retried in the background (waiting out Retry-After) and nothing is
posted twice; permanent ones are told to the person or recorded, and never retried in a loop.

Slack's behaviour does not depend on the database, so these run on SQLite only (sqlite_only)."""

from __future__ import annotations

import time

import pytest

from tests.e2e.helpers import ALICE, BOB, CHANNEL, DesignThread, poll_until
from tests.slack_text import all_text

pytestmark = [pytest.mark.usefixtures("bot"), pytest.mark.sqlite_only]
ACK_BUDGET_SECONDS = 1.5  # Slack waits three; the gate plus one commit take milliseconds


def posts_of_question(slack, thread: DesignThread, step: int) -> list:
    return [
        call
        for call in slack.workspace.calls("chat.postMessage")
        if (call.params.get("metadata") or {}).get("event_payload", {}).get("step") == step
        and call.params.get("thread_ts") == thread.parent_ts
    ]


def answer_timed(thread: DesignThread, text: str) -> float:
    started = time.monotonic()
    thread.reply(BOB, text)
    return time.monotonic() - started


def assert_second_question_once(thread: DesignThread, db) -> None:
    thread.wait_for_questions(2)
    thread.settle()
    asked = [m for m in thread.questions()]
    assert len(asked) == 2, "no question is asked twice"
    assert thread.current_id() == "domain-experts"
    assert db.answers(thread.name)["manual-process"].text == "Spreadsheets."


def test_a_429_is_waited_out_and_the_question_posted_once(slack, db, start_design):
    thread = start_design("Churn model")
    slack.workspace.fail_next("chat.postMessage", http_status=429, retry_after=1)

    elapsed = answer_timed(thread, "Spreadsheets.")

    assert elapsed < ACK_BUDGET_SECONDS
    assert_second_question_once(thread, db)
    attempts = [c.response.get("error") for c in slack.workspace.calls("chat.postMessage")][-2:]
    assert attempts == ["ratelimited", None], "Slack said wait; the retry came after Retry-After"


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_retried_in_the_background_and_posts_once(slack, db, start_design, status):
    thread = start_design("Churn model")
    slack.workspace.fail_next("chat.postMessage", http_status=status, times=2)

    elapsed = answer_timed(thread, "Spreadsheets.")

    assert elapsed < ACK_BUDGET_SECONDS
    assert_second_question_once(thread, db)


def test_a_timeout_whose_post_landed_anyway_is_not_posted_again(slack, db, start_design):
    thread = start_design("Churn model")
    slack.workspace.delay_next("chat.postMessage", 4)  # longer than the bot's 3-second timeout in these tests

    elapsed = answer_timed(thread, "Spreadsheets.")

    assert elapsed < ACK_BUDGET_SECONDS
    poll_until(lambda: len(thread.questions()) == 2, timeout=10, what="the slow post landing")
    poll_until(lambda: db.is_published(thread.name), timeout=10, what="the sweep finding it by its metadata")
    assert len(posts_of_question(slack, thread, 2)) == 1, "the post that timed out was found, not repeated"
    assert_second_question_once(thread, db)


def test_a_connection_reset_is_retried_and_posts_once(slack, db, start_design):
    thread = start_design("Churn model")
    slack.workspace.reset_next("chat.postMessage")

    elapsed = answer_timed(thread, "Spreadsheets.")

    assert elapsed < ACK_BUDGET_SECONDS
    assert_second_question_once(thread, db)
    assert [c.response.get("reset") for c in posts_of_question(slack, thread, 2)] == [True, None]


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_refused_token_pauses_publishing_instead_of_looping_and_it_resumes_later(slack, db, start_design, code):
    thread = start_design("Churn model")
    slack.workspace.fail_next("chat.postMessage", error=code, times=1000)

    elapsed = answer_timed(thread, "Spreadsheets.")
    poll_until(lambda: len(posts_of_question(slack, thread, 2)) >= 1, what="the first attempt")
    time.sleep(2)  # four sweeps (every 0.5 s here) pass: none may try again while the workspace is paused
    attempts = len(posts_of_question(slack, thread, 2))
    slack.workspace.fail_next("chat.postMessage", times=0)
    slack.workspace.advance_clock_to(slack.workspace.now() + 61)  # the one-minute pause runs out

    assert elapsed < ACK_BUDGET_SECONDS
    assert attempts == 1
    assert_second_question_once(thread, db)


@pytest.mark.parametrize("code", ["channel_not_found", "is_archived", "not_in_channel"])
def test_a_channel_the_bot_cannot_post_in_is_explained_and_leaves_no_design(slack, driver, db, code):
    slack.workspace.fail_next("chat.postMessage", code)

    response = driver.slash_command(ALICE, CHANNEL, "start Churn model")

    assert response.status_code == 200
    slack.workspace.wait_for(lambda ws: any(":warning:" in all_text(e) for e in ws.ephemerals(CHANNEL, ALICE)))
    poll_until(lambda: db.count_designs() == 0)
    time.sleep(1)  # two sweeps: nothing is retried for a design that is gone
    assert len(slack.workspace.calls("chat.postMessage")) == 1
    assert slack.workspace.messages(CHANNEL) == []


def test_an_update_of_a_deleted_message_is_skipped_and_the_walkthrough_goes_on(slack, db, start_design):
    thread = start_design("Churn model")
    slack.workspace.fail_next("chat.update", "message_not_found", times=2)

    thread.answer(BOB, "Spreadsheets.")

    assert_second_question_once(thread, db)
    time.sleep(1)  # two sweeps: the skipped update is not retried forever
    updates = [c for c in slack.workspace.calls("chat.update") if c.response.get("error") == "message_not_found"]
    assert len(updates) <= 2


@pytest.mark.parametrize("code", ["already_pinned", "too_many_pins", "missing_scope"])
def test_a_pin_slack_refuses_leaves_one_summary_and_no_retry_loop(slack, driver, db, start_design, code):
    start_design("Churn model")
    slack.workspace.fail_next("pins.add", code)

    driver.slash_command(ALICE, CHANNEL, "summary Churn model")
    poll_until(lambda: db.design("Churn model").summary_ts is not None and db.is_published("Churn model"))
    time.sleep(1)  # two sweeps

    summaries = [m for m in slack.workspace.messages(CHANNEL) if "Design summary" in all_text(m)]
    assert len(summaries) == 1
    assert len(slack.workspace.calls("pins.add")) == 1
    assert db.design("Churn model").summary_pinned is (code == "already_pinned")


def test_an_expired_trigger_tells_the_person_to_click_again(slack, driver, db, start_design):
    thread = start_design("Churn model")
    driver.slash_command(ALICE, CHANNEL, "deployed Churn model")
    poll_until(lambda: db.design("Churn model").owner_tz is not None)
    slack.workspace.advance_clock_to(db.next_nudge_due("Churn model") + 60)
    thread.wait_until(
        lambda: any((m.get("metadata") or {}).get("event_type") == "mldesign_nudge" for m in thread.replies()),
        timeout=10,
    )
    nudge = next(m for m in thread.replies() if (m.get("metadata") or {}).get("event_type") == "mldesign_nudge")
    slack.workspace.fail_next("views.open", "expired_trigger_id")

    started = time.monotonic()
    response = driver.click(BOB, CHANNEL, nudge["ts"], "nudge_update", value=str(db.nudges("Churn model")[0].id))

    assert response.status_code == 200 and time.monotonic() - started < ACK_BUDGET_SECONDS
    slack.workspace.wait_for(
        lambda ws: any("expired_trigger_id" in all_text(e) for e in ws.ephemerals(CHANNEL, BOB)), timeout=10
    )
    assert slack.workspace.open_modals(BOB) == []
    assert {n.status for n in db.nudges("Churn model")} == {"sent"}, "nothing changed"
