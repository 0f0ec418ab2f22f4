"""Questions given to people: the assignee is mentioned when theirs comes up, and a walkthrough that stalls nudges
whoever it waits on, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.helpers import ALICE, BOB, CAROL, CHANNEL, DesignThread
from tests.slack_text import all_text

pytestmark = pytest.mark.usefixtures("bot")
LONDON = ZoneInfo("Europe/London")  # the sandbox owner's timezone
STALL = "has waited three working days"


def stall_nudges(thread: DesignThread) -> list[dict[str, Any]]:
    return [m for m in thread.replies() if m.get("bot_id") and STALL in all_text(m)]


def working_morning_after(slack: Any, days: int) -> float:
    """11:00 in London on the first weekday at least ``days`` days after the sandbox's now."""
    moment = datetime.fromtimestamp(slack.workspace.now(), UTC).astimezone(LONDON) + timedelta(days=days)
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment.replace(hour=11, minute=0, second=0, microsecond=0).timestamp()


def test_an_assignee_is_mentioned_when_their_question_comes_up(slack, driver, db, start_design):
    thread = start_design("Fraud triage")

    reply = driver.slash_command(ALICE, CHANNEL, "assign Fraud triage 2 <@U0BOB|bob>").json()

    assert "is now <@U0BOB>'s" in all_text(reply) and "question 2" in all_text(reply)
    refused = all_text(driver.slash_command(BOB, CHANNEL, "assign Fraud triage data <@U0BOB|bob>").json())
    assert "Only the owners of *Fraud triage* can give its questions to people" in refused
    unknown = all_text(driver.slash_command(ALICE, CHANNEL, "assign Fraud triage plumbing <@U0BOB|bob>").json())
    assert "“plumbing” is neither an area" in unknown
    thread.answer(ALICE, "Two analysts triage flagged payments by hand.")
    assert thread.current_id() == "domain-experts"
    assert "<@U0BOB>, this one is yours." in all_text(thread.current())
    assert "this one is yours" not in all_text(thread.questions()[0]), "only the question given to them"
    driver.slash_command(ALICE, CHANNEL, "assign Fraud triage value <@U0CAROL|carol>")
    driver.open_home(CAROL)
    slack.workspace.wait_for(lambda ws: "Waiting on you" in all_text(ws.home_view(CAROL) or {}))
    assert "*Waiting on you:* 30. Stakeholders, 31. Showing value to stakeholders" in all_text(
        slack.workspace.home_view(CAROL)
    )


def test_a_stalled_walkthrough_nudges_whoever_it_waits_on_once(slack, driver, db, start_design):
    stalled = start_design("Fraud triage")
    driver.slash_command(ALICE, CHANNEL, "assign Fraud triage foundation <@U0BOB|bob>")
    stalled.settle()

    slack.workspace.advance_clock_to(working_morning_after(slack, 7))  # 3 working days take at most 5

    stalled.wait_until(lambda: len(stall_nudges(stalled)) == 1, timeout=10)
    nudge = all_text(stall_nudges(stalled)[0])
    assert "<@U0BOB>, *Fraud triage* has waited three working days on question 1" in nudge
    # A week and more later, the walkthrough still stands at the same question: a second design stalls meanwhile and
    # is nudged, which proves the dispatcher looked again, and the first is not nudged twice.
    later = DesignThread.start(slack, driver, db, "Churn model")
    slack.workspace.advance_clock_to(working_morning_after(slack, 9))
    later.wait_until(lambda: len(stall_nudges(later)) == 1, timeout=10)
    assert "<@U0ALICE>, *Churn model* has waited" in all_text(stall_nudges(later)[0]), "nobody assigned: the owner"
    assert len(stall_nudges(stalled)) == 1, "once per question"
    stalled.answer(BOB, "Two analysts triage flagged payments by hand.")
    assert stalled.current_id() == "domain-experts", "the nudge doesn't get in the way of answering"
