"""Catalog version 2 end to end: follow-up questions appear and withdraw as answers change, a quantity is read from a
reply and shown back (and asked for once when a reply has none), and readiness and completeness move as they should.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from flows.catalog import DEFAULT_CATALOG_PATH
from tests.e2e.helpers import ALICE, BOB, CHANNEL, Database, DesignThread, question_id_of
from tests.slack_text import all_text

pytestmark = pytest.mark.usefixtures("bot")


@pytest.fixture
def catalog_path() -> Path:
    """The catalog new designs get: version 2."""
    return DEFAULT_CATALOG_PATH


def question_message(thread: DesignThread, question_id: str) -> dict[str, Any]:
    return next(m for m in reversed(thread.questions()) if question_id_of(m) == question_id)


def readiness_of(message: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    """Each area's (percent, decided, total) as the summary's readiness line shows them."""
    found = re.findall(r"(\w+) \*(\d+)%\* \((\d+)/(\d+) decided\)", all_text(message))
    return {area: (int(percent), int(decided), int(total)) for area, percent, decided, total in found}


def test_follow_ups_quantities_and_readiness_on_version_2(slack, driver, db: Database, start_design):
    thread = start_design("Checkout fraud")
    assert thread.current_id() == "manual-process"
    driver.slash_command(ALICE, CHANNEL, "summary checkout fraud")
    thread.wait_until(lambda: db.design("Checkout fraud").summary_ts is not None)
    summary_ts = db.design("Checkout fraud").summary_ts
    summary = lambda: slack.workspace.message(CHANNEL, summary_ts) or {}  # noqa: E731
    thread.wait_until(lambda: "Infrastructure" in readiness_of(summary()))
    before = readiness_of(summary())
    assert before["Problem"][1] == 0, "nothing is decided yet"

    thread.answer(BOB, "Two analysts review flagged orders in the admin tool every morning.")
    thread.answer(BOB, "The payments risk lead and two senior analysts.")
    thread.click_and_wait(ALICE, "choose_option:none")  # push-back: none so far
    assert thread.current_id() == "affected-people", "'none so far' brings its follow-up"
    assert "a follow-up on" in all_text(thread.current())
    thread.answer(BOB, "Customers whose orders are held, and the support team that answers them.")
    assert thread.current_id() == "goals"
    thread.answer(ALICE, "Stop fraudulent orders before they ship without holding good customers.")
    thread.click_and_wait(ALICE, "choose_option:business")
    assert thread.current_id() == "success-target", "a business metric brings its target"
    thread.answer(ALICE, "Chargeback losses from 40k to 10k a month")
    target = question_message(thread, "success-target")
    assert "Read as" in all_text(target), "the parsed target is shown back"

    while thread.current_id() != "inference-mode":
        thread.click_and_wait(ALICE, "skip_question")
    thread.click_and_wait(ALICE, "choose_option:real-time")
    assert thread.current_id() == "latency-target", "real-time brings the latency budget"
    asked = thread.current()
    thread.reply(BOB, "Fast enough that checkout doesn't feel slower")
    thread.wait_until(lambda: "couldn't read a number" in all_text(question_message(thread, "latency-target")))
    thread.settle()
    assert thread.current_id() == "latency-target", "the walkthrough waits for the number, once"
    assert db.answers("Checkout fraud")["latency-target"].text == "Fast enough that checkout doesn't feel slower"
    thread.answer(BOB, "p99 under 150 ms")
    assert thread.current_id() == "concurrent-users"
    latency = db.answers("Checkout fraud")["latency-target"]
    assert latency.text == "p99 under 150 ms\nFast enough that checkout doesn't feel slower"
    assert "Read as *p99 150 ms*" in all_text(question_message(thread, "latency-target"))
    assert question_message(thread, "latency-target")["ts"] == asked["ts"], "one message per question"
    thread.answer(BOB, "About 3k/min at the evening peak")
    assert "Read as *50 requests/s*" in all_text(question_message(thread, "concurrent-users"))
    with_real_time = readiness_of(summary())

    # Batch after all: the real-time follow-ups are withdrawn, their answers kept in history.
    mode = question_message(thread, "inference-mode")
    thread.click(ALICE, "choose_option:batch", message=mode)
    thread.wait_until(lambda: readiness_of(summary())["Infrastructure"][2] < with_real_time["Infrastructure"][2])
    thread.settle()
    assert thread.current_id() not in {"latency-target", "concurrent-users", "feature-freshness", "fallback"}
    assert [a.text for a in db.history("Checkout fraud", "latency-target")][-1].startswith("p99 under 150 ms")

    after = readiness_of(summary())
    assert after["Problem"][1] > before["Problem"][1], "answers decided the problem area's questions"
    assert re.search(r"\d+ answered, \d+ skipped", all_text(summary()))
    answered = int(re.search(r"(\d+) answered", all_text(summary()))[1])
    assert answered == sum(1 for a in db.answers("Checkout fraud").values() if a.status == "answered") - 2, (
        "completeness counts only the questions that apply: the latency and load answers, withdrawn, don't"
    )


def test_the_success_target_comes_back_after_launch_and_the_summary_says_where_the_number_got_to(
    slack, driver, db: Database, start_design
):
    thread = start_design("Claims triage")
    while thread.current_id() != "success-metric":
        thread.click_and_wait(ALICE, "skip_question")
    thread.click_and_wait(ALICE, "choose_option:business")
    thread.answer(ALICE, "Cut triage time from 3 days to 1 hour.")
    response = driver.slash_command(ALICE, CHANNEL, "deployed claims triage")
    assert response.status_code == 200
    thread.wait_until(lambda: db.design("Claims triage").owner_tz is not None)  # revisits timed for the owner
    driver.slash_command(ALICE, CHANNEL, "summary claims triage")
    thread.wait_until(lambda: db.design("Claims triage").summary_ts is not None)
    summary_ts = db.design("Claims triage").summary_ts
    revisits = {n.question_id: n for n in db.nudges("Claims triage")}
    assert "success-target" in revisits, "the success target is revisited after launch"
    assert "latency-target" not in revisits, "a follow-up that doesn't apply (batch, or unanswered mode) is not"
    target = revisits["success-target"]
    assert target.due_at is not None and revisits["monitoring"].due_at is not None
    assert revisits["monitoring"].due_at < target.due_at, "monitoring first, the number once it can have moved"

    slack.workspace.advance_clock_to(target.due_at.timestamp() + 60)
    thread.wait_until(lambda: any("Success target" in all_text(m) for m in posted_nudges(thread)), timeout=10)
    [nudge] = [m for m in posted_nudges(thread) if "Success target" in all_text(m)]
    driver.click(BOB, CHANNEL, nudge["ts"], "nudge_measure", value=str(target.id))
    slack.workspace.wait_for(lambda ws: ws.open_modals(BOB) != [])
    [form] = slack.workspace.open_modals(BOB)
    assert "Cut triage time from 3 days to 1 hour." in all_text(form)
    empty = driver.submit_view(BOB, form["id"], {"measured_value": {"measured_value": {"type": "plain_text_input"}}})
    assert "measured_value" in empty.json()["errors"]
    value = {"measured_value": {"measured_value": {"type": "plain_text_input", "value": "About 5 h now"}}}
    assert driver.submit_view(BOB, form["id"], value).status_code == 200

    summary = lambda: all_text(slack.workspace.message(CHANNEL, summary_ts) or {})  # noqa: E731
    thread.wait_until(lambda: "triage time: 3 days → 5 hours since launch (target 1 hour)" in summary())
    assert "Since launch, triage time: 3 days → 5 hours since launch" in summary(), "the plain words say it too"
    recorded = next(n for n in db.nudges("Claims triage") if n.id == target.id)
    assert (recorded.status, recorded.measured, recorded.resolved_by) == ("measured", "About 5 h now", BOB)
    thread.wait_until(lambda: "Measured since launch" in all_text(slack.workspace.message(CHANNEL, nudge["ts"]) or {}))


def posted_nudges(thread: DesignThread) -> list[dict[str, Any]]:
    return [m for m in thread.replies() if (m.get("metadata") or {}).get("event_type") == "mldesign_nudge"]


def test_a_revisit_of_a_question_the_answers_withdrew_is_closed_not_sent(slack, driver, db: Database, start_design):
    thread = start_design("Claims triage")
    while thread.current_id() != "success-metric":
        thread.click_and_wait(ALICE, "skip_question")
    thread.click_and_wait(ALICE, "choose_option:business")
    thread.answer(ALICE, "Cut triage time from 3 days to 1 hour.")
    assert driver.slash_command(ALICE, CHANNEL, "deployed claims triage").status_code == 200
    thread.wait_until(lambda: db.design("Claims triage").owner_tz is not None)
    target = next(n for n in db.nudges("Claims triage") if n.question_id == "success-target")

    thread.click(ALICE, "choose_option:ml-only", message=question_message(thread, "success-metric"))
    thread.wait_until(lambda: db.answers("Claims triage")["success-metric"].choices == ["ml-only"])
    assert target.due_at is not None
    slack.workspace.advance_clock_to(target.due_at.timestamp() + 60)

    thread.wait_until(lambda: next(n for n in db.nudges("Claims triage") if n.id == target.id).status == "withdrawn")
    thread.wait_until(lambda: len(posted_nudges(thread)) >= 1, timeout=10)  # the others due by then still go out
    assert not any("Success target" in all_text(m) for m in posted_nudges(thread))
    assert not [n for n in db.nudges("Claims triage") if n.question_id == "success-target" and n.status == "scheduled"]
