"""Post-deployment nudges end to end: deployed → fast-forward → the nudge in the thread → each button."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage.engine import session_scope
from tests.e2e.helpers import ALICE, BOB, CHANNEL, DesignThread, action_ids, poll_until
from tests.slack_text import all_text

pytestmark = pytest.mark.usefixtures("bot")

NUDGE = "mldesign_nudge"
REMINDER = "mldesign_nudge_reminder"
REVISITED = {"feedback-loop", "outcome-delay", "refresh-cadence", "refresh-monitoring", "system-data-pipelines"}
DAY = 86_400


def posted(thread: DesignThread, kind: str = NUDGE) -> list[dict[str, Any]]:
    return [m for m in thread.replies() if (m.get("metadata") or {}).get("event_type") == kind]


def nudge_ids(message: dict[str, Any]) -> list[int]:
    return message["metadata"]["event_payload"]["nudge_ids"]


def deploy(slack: Any, driver: Any, db: Any, thread: DesignThread, on: str = "") -> dict[str, Any]:
    response = driver.slash_command(ALICE, CHANNEL, f"deployed {thread.name} {on}".rstrip())
    assert response.status_code == 200
    poll_until(lambda: db.design(thread.name).owner_tz is not None)  # revisits re-timed for the owner
    thread.settle()
    return response.json()


def fast_forward_to_next_nudge(slack: Any, db: Any, thread: DesignThread, count: int = 1) -> dict[str, Any]:
    slack.workspace.advance_clock_to(db.next_nudge_due(thread.name) + 60)
    thread.wait_until(lambda: len(posted(thread)) >= count, timeout=10)
    return posted(thread)[-1]


@pytest.fixture
def deployed(slack, driver, db, start_design) -> DesignThread:
    thread = start_design("Churn model")
    deploy(slack, driver, db, thread)
    return thread


def test_marking_deployed_schedules_a_revisit_of_each_post_deployment_decision(slack, driver, db, start_design):
    thread = start_design("Churn model")

    reply = deploy(slack, driver, db, thread)

    assert reply["response_type"] == "ephemeral"
    assert "is marked as deployed" in all_text(reply) and "5 post-deployment decisions" in all_text(reply)
    told = [m for m in thread.replies() if (m.get("metadata") or {}).get("event_type") == "mldesign_deployed"]
    assert len(told) == 1 and "is marked as deployed" in all_text(told[0]), "the team hears it in the thread"
    assert "5 post-deployment decisions" in all_text(told[0])
    nudges = db.nudges("Churn model")
    assert {n.question_id for n in nudges} == REVISITED
    assert {n.status for n in nudges} == {"scheduled"}
    assert db.design("Churn model").deployed_at is not None
    poll_until(lambda: db.design("Churn model").owner_tz == "Europe/London")
    london = ZoneInfo("Europe/London")
    poll_until(lambda: all(n.due_at.astimezone(london).hour == 10 for n in db.nudges("Churn model")))
    for nudge in db.nudges("Churn model"):  # a weekday at 10:00 for the owner, about two weeks on
        due = nudge.due_at.astimezone(london)
        assert due.weekday() < 5 and (due.hour, due.minute) == (10, 0)
        assert 13 <= (nudge.due_at - db.design("Churn model").deployed_at).days <= 17


def test_the_nudge_appears_in_the_thread_once_for_all_due_decisions(slack, driver, db, deployed):
    assert posted(deployed) == []

    message = fast_forward_to_next_nudge(slack, db, deployed)

    shown = all_text(message)
    assert "<@U0ALICE>, time to revisit 5 decisions of *Churn model*" in shown
    assert "Model refresh" in shown and "Feedback loop after deployment" in shown
    ids = action_ids(message)
    assert ids.count("nudge_update") == ids.count("nudge_snooze") == 5
    assert ids.count("nudge_confirm") == 0, "nothing decided yet, so nothing to confirm"
    assert shown.count("Never decided") == 5
    assert ids.count("nudge_stop") == 1
    deployed.wait_until(lambda: {n.status for n in db.nudges("Churn model")} == {"sent"})
    assert len(posted(deployed)) == 1, "coalesced into one message"
    assert all(n.message_ts == message["ts"] for n in db.nudges("Churn model"))


def answer_question(thread: DesignThread, question_id: str, text: str) -> None:
    while thread.current_id() != question_id:
        thread.click_and_wait(ALICE, "skip_question")
    thread.answer(BOB, text)


def test_still_holds_is_recorded_with_who_and_when_and_the_next_revisit_scheduled(slack, driver, db, start_design):
    thread = start_design("Churn model")
    answer_question(thread, "feedback-loop", "Renewals are logged nightly.")
    deploy(slack, driver, db, thread)
    message = fast_forward_to_next_nudge(slack, db, thread)
    deployed = thread
    assert "Answered <!date^" in all_text(message) and "not confirmed since" in all_text(message)
    [first] = [n.id for n in db.nudges("Churn model") if n.question_id == "feedback-loop"]

    response = driver.click(BOB, CHANNEL, message["ts"], "nudge_confirm", value=str(first))

    assert response.status_code == 200
    poll_until(lambda: next(n for n in db.nudges("Churn model") if n.id == first).status == "confirmed")
    confirmed = next(n for n in db.nudges("Churn model") if n.id == first)
    assert confirmed.resolved_by == BOB and confirmed.resolved_at is not None
    again = [n for n in db.nudges("Churn model") if n.question_id == confirmed.question_id and n.round == 1]
    assert len(again) == 1 and again[0].status == "scheduled" and again[0].due_at > confirmed.resolved_at
    deployed.wait_until(lambda: "Still holds, confirmed by <@U0BOB>" in all_text(posted(deployed)[0]))
    assert f"nudge:{first}" not in [b.get("block_id") for b in posted(deployed)[0]["blocks"]]


def test_snooze_asks_again_a_week_later_whatever_the_regular_schedule(slack, driver, db, deployed):
    message = fast_forward_to_next_nudge(slack, db, deployed)
    first = nudge_ids(message)[0]

    driver.click(BOB, CHANNEL, message["ts"], "nudge_snooze", value=str(first))

    poll_until(lambda: next(n for n in db.nudges("Churn model") if n.id == first).status == "snoozed")
    snoozed = next(n for n in db.nudges("Churn model") if n.id == first)
    [later] = [n for n in db.nudges("Churn model") if n.question_id == snoozed.question_id and n.status == "scheduled"]
    assert (later.due_at - snoozed.resolved_at).days >= 6
    deployed.wait_until(lambda: "Snoozed for a week by <@U0BOB>" in all_text(posted(deployed)[0]))


def test_update_opens_a_prefilled_form_and_a_new_version_updates_the_summary_in_place(slack, driver, db, deployed):
    while deployed.current_id() != "feedback-loop":
        deployed.click_and_wait(ALICE, "skip_question")
    deployed.answer(BOB, "We log renewals & <b>cancellations</b>.")
    driver.slash_command(ALICE, CHANNEL, "summary churn model")
    deployed.wait_until(lambda: db.design("Churn model").summary_ts is not None)
    summary_ts = db.design("Churn model").summary_ts
    message = fast_forward_to_next_nudge(slack, db, deployed)
    target = next(
        n for n in db.nudges("Churn model") if n.id in nudge_ids(message) and n.question_id == "feedback-loop"
    )

    driver.click(BOB, CHANNEL, message["ts"], "nudge_update", value=str(target.id))

    slack.workspace.wait_for(lambda ws: ws.open_modals(BOB) != [])
    [form] = slack.workspace.open_modals(BOB)
    assert "After deployment, how will the system collect better data" in all_text(form)
    [text_input] = [b["element"] for b in form["blocks"] if b.get("block_id") == "answer_text"]
    assert text_input["initial_value"] == "We log renewals & <b>cancellations</b>.", "prefilled as written"
    response = driver.submit_view(
        BOB,
        form["id"],
        {"answer_text": {"answer_text": {"type": "plain_text_input", "value": "Renewals logged nightly."}}},
    )

    assert response.status_code == 200
    poll_until(lambda: db.answers("Churn model").get("feedback-loop") is not None)
    assert db.answers("Churn model")["feedback-loop"].text == "Renewals logged nightly."
    assert db.answers("Churn model")["feedback-loop"].author_id == BOB
    assert next(n for n in db.nudges("Churn model") if n.id == target.id).status == "updated"
    summary = lambda: slack.workspace.message(CHANNEL, summary_ts)  # noqa: E731
    deployed.wait_until(lambda: "*Feedback loop after deployment*: updated" in all_text(summary()))
    assert db.design("Churn model").summary_ts == summary_ts


def start_canary(slack: Any, driver: Any, db: Any) -> DesignThread:
    """A second deployed design whose nudge arriving proves a dispatch ran after a moment of interest. It is
    deployed on the sandbox's day, named: right after a fast-forward, the web process may not have read the
    moved clock yet (it does twice a second), and would date the deployment weeks back, its revisits due."""
    canary = DesignThread.start(slack, driver, db, "Canary")
    deploy(slack, driver, db, canary, on=f"{datetime.fromtimestamp(slack.workspace.now(), UTC):%Y-%m-%d}")
    return canary


def test_stop_these_reminders_closes_every_open_revisit(slack, driver, db, deployed):
    message = fast_forward_to_next_nudge(slack, db, deployed)
    first = nudge_ids(message)[0]
    driver.click(BOB, CHANNEL, message["ts"], "nudge_snooze", value=str(first))
    poll_until(lambda: next(n for n in db.nudges("Churn model") if n.id == first).status == "snoozed")

    stop = driver.click(ALICE, CHANNEL, message["ts"], "nudge_stop", value=str(first))
    slack.workspace.wait_for(lambda ws: ws.open_modals(ALICE) != [])
    [confirm] = slack.workspace.open_modals(ALICE)
    assert "No more revisits of *Churn model*" in all_text(confirm)
    driver.submit_view(ALICE, confirm["id"], {})

    assert stop.status_code == 200
    poll_until(lambda: not db.design("Churn model").reminders_enabled)
    assert {n.status for n in db.nudges("Churn model")} == {"snoozed", "stopped"}
    assert not any(n.status == "scheduled" for n in db.nudges("Churn model")), "the snooze's follow-up too"
    deployed.wait_until(lambda: "nudge_stop" not in action_ids(posted(deployed)[0]))
    canary = start_canary(slack, driver, db)
    slack.workspace.advance_clock_to(db.next_nudge_due(canary.name) + 60)
    canary.wait_until(lambda: len(posted(canary)) == 1, timeout=10)  # the dispatcher has run since
    assert len(posted(deployed)) == 1


def test_an_ignored_nudge_gets_one_reminder_then_is_marked_unanswered(slack, driver, db, deployed):
    driver.slash_command(ALICE, CHANNEL, "summary churn model")
    deployed.wait_until(lambda: db.design("Churn model").summary_ts is not None)
    fast_forward_to_next_nudge(slack, db, deployed)
    deployed.wait_until(lambda: {n.status for n in db.nudges("Churn model")} == {"sent"})

    slack.workspace.advance_clock_to(min(n.due_at for n in db.nudges("Churn model")).timestamp() + 60)

    deployed.wait_until(lambda: len(posted(deployed, REMINDER)) == 1, timeout=10)
    assert "<@U0ALICE>, a reminder" in all_text(posted(deployed, REMINDER)[0])
    deployed.wait_until(lambda: {n.status for n in db.nudges("Churn model")} == {"reminded"})
    slack.workspace.advance_clock_to(min(n.due_at for n in db.nudges("Churn model")).timestamp() + 60)
    poll_until(lambda: any(n.status == "unanswered" for n in db.nudges("Churn model")), timeout=10)
    deployed.wait_until(lambda: "No answer; marked unanswered" in all_text(posted(deployed)[0]))
    assert len(posted(deployed, REMINDER)) == 1, "one reminder, never two"
    rounds = {n.round for n in db.nudges("Churn model") if n.status == "scheduled"}
    assert rounds == {1}, "the regular schedule carries on"
    summary = lambda: slack.workspace.message(CHANNEL, db.design("Churn model").summary_ts)  # noqa: E731
    deployed.wait_until(lambda: "*Model refresh*: unanswered" in all_text(summary()))


def test_remind_now_sends_at_once_whatever_the_hour(slack, driver, db, deployed):
    saturday_night = _next_weekday_morning(slack.workspace.now())
    while datetime.fromtimestamp(saturday_night, UTC).weekday() != 5:
        saturday_night += DAY
    slack.workspace.advance_clock_to(saturday_night + 12 * 3600)  # Saturday 23:00 in London

    response = driver.slash_command(ALICE, CHANNEL, "remind churn model now")

    assert "Sending the revisit nudges of *Churn model*" in all_text(response.json())
    deployed.wait_until(lambda: len(posted(deployed)) == 1, timeout=10)


def test_remind_every_sets_the_cadence_and_off_stops_it(slack, driver, db, deployed):
    driver.slash_command(ALICE, CHANNEL, "remind churn model every 3d")
    assert db.design("Churn model").remind_every_days == 3
    due = db.next_nudge_due("Churn model")
    assert due - slack.workspace.now() < 6 * DAY

    response = driver.slash_command(ALICE, CHANNEL, "remind churn model off")

    assert "Reminders for *Churn model* are off" in all_text(response.json())
    assert {n.status for n in db.nudges("Churn model")} == {"stopped"}


def test_remind_before_deployment_says_what_to_do(slack, driver, db, start_design):
    start_design("Churn model")

    response = driver.slash_command(ALICE, CHANNEL, "remind churn model now")

    assert "is not marked as deployed yet" in all_text(response.json())


def test_nudges_due_during_down_time_go_out_once_per_design(slack, driver, db, bot, start_design):
    thread = start_design("Churn model")
    answer_question(thread, "refresh-cadence", "Weekly")  # refresh decisions fall due a week before the rest
    deploy(slack, driver, db, thread)
    poll_until(lambda: len({n.due_at for n in db.nudges("Churn model")}) == 2)
    latest = max(n.due_at for n in db.nudges("Churn model")).timestamp()
    bot.stop()
    slack.workspace.advance_clock_to(_next_weekday_morning(latest + 40 * DAY))

    bot.start()

    thread.wait_until(lambda: len(posted(thread)) == 1, timeout=10)
    thread.wait_until(lambda: {n.status for n in db.nudges("Churn model")} == {"sent"})
    assert len(posted(thread)) == 1
    assert len(nudge_ids(posted(thread)[0])) == 5, "one message for all of the design's due revisits"


def test_a_nudge_due_at_the_weekend_waits_for_the_owners_monday_morning(slack, driver, db, bot, deployed):
    due = db.next_nudge_due("Churn model")
    bot.stop()
    saturday = _next_weekday_morning(due)
    while datetime.fromtimestamp(saturday, UTC).weekday() != 5:
        saturday += DAY
    slack.workspace.advance_clock_to(saturday)

    bot.start()

    def released() -> bool:  # claimed at the weekend, then given back for later (a claim's lease is later too)
        return all(n.claim is None and n.due_at.timestamp() > saturday for n in db.nudges("Churn model"))

    poll_until(released, timeout=10)
    assert posted(deployed) == []
    monday = min(n.due_at for n in db.nudges("Churn model"))
    assert monday.weekday() == 0 and monday.astimezone(ZoneInfo("Europe/London")).hour == 10
    slack.workspace.advance_clock_to(monday.timestamp() + 60)
    deployed.wait_until(lambda: len(posted(deployed)) == 1, timeout=10)


def test_a_nudge_sent_just_before_a_crash_is_not_sent_twice(slack, driver, db, deployed):
    message = fast_forward_to_next_nudge(slack, db, deployed)
    deployed.wait_until(lambda: {n.status for n in db.nudges("Churn model")} == {"sent"})
    # The crash window: the message went out, but the rows were never marked sent.
    with session_scope(db.engine) as session:
        for nudge in db.nudges("Churn model"):
            nudge.status, nudge.message_ts, nudge.send_started_at = "scheduled", None, nudge.sent_at
            nudge.due_at = nudge.sent_at  # the lease the crashed dispatch held has run out
            session.add(nudge)

    poll_until(lambda: {n.status for n in db.nudges("Churn model")} == {"sent"}, timeout=10)
    assert len(posted(deployed)) == 1
    assert {n.message_ts for n in db.nudges("Churn model")} == {message["ts"]}


def test_a_permanent_slack_error_marks_the_nudge_failed_with_its_reason(slack, driver, db, deployed):
    slack.workspace.fail_next("chat.postMessage", error="is_archived")

    slack.workspace.advance_clock_to(db.next_nudge_due("Churn model") + 60)

    poll_until(lambda: {n.status for n in db.nudges("Churn model") if n.round == 0} == {"failed"}, timeout=10)
    assert {n.failure for n in db.nudges("Churn model") if n.round == 0} == {"is_archived"}
    posts = len(slack.workspace.calls("chat.postMessage"))
    canary = start_canary(slack, driver, db)
    slack.workspace.advance_clock_to(db.next_nudge_due(canary.name) + 60)
    canary.wait_until(lambda: len(posted(canary)) == 1, timeout=10)
    assert posted(deployed) == [], "a permanent failure is not retried in a loop"
    # The canary's parent, first question, deployment notice and nudge, and nothing for the failed design. (The
    # fake logs a call just after answering it, so wait for the log to catch up before counting.)
    poll_until(lambda: len(slack.workspace.calls("chat.postMessage")) - posts >= 4)
    assert len(slack.workspace.calls("chat.postMessage")) - posts == 4
    assert {n.round for n in db.nudges("Churn model") if n.status == "scheduled"} == {1}, "the schedule goes on"


@pytest.mark.parametrize("status", [503, 429])
def test_a_server_error_or_rate_limit_is_retried_later_and_sent_once(slack, driver, db, deployed, status):
    # A 429 is retried twice by slack_sdk itself (waiting out Retry-After): three outlast it. A 503 is not.
    error, times = ("ratelimited", 3) if status == 429 else ("service_unavailable", 1)
    slack.workspace.fail_next("chat.postMessage", error, http_status=status, retry_after=1, times=times)

    slack.workspace.advance_clock_to(db.next_nudge_due("Churn model") + 60)

    def deferred() -> bool:
        tries = [c for c in slack.workspace.calls("chat.postMessage") if "nudge_ids" in str(c.params.get("metadata"))]
        rows = db.nudges("Churn model")
        waiting = all(n.claim is None and n.due_at.timestamp() > slack.workspace.now() for n in rows)
        return len(tries) == times and waiting

    poll_until(deferred, timeout=10)
    assert posted(deployed) == []
    assert {n.attempts for n in db.nudges("Churn model")} == ({0} if status == 429 else {1}), "rate limits are free"
    slack.workspace.advance_clock(120)
    deployed.wait_until(lambda: len(posted(deployed)) == 1, timeout=10)
    deployed.wait_until(lambda: {n.status for n in db.nudges("Churn model")} == {"sent"})


def _next_weekday_morning(now: float) -> float:
    """11:00 UTC on the next weekday, inside London working hours in winter and summer."""
    moment = datetime.fromtimestamp(now, UTC).replace(hour=11, minute=0, second=0) + timedelta(days=1)
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment.timestamp()


def test_the_summarys_deploy_button_and_the_list_show_the_next_revisit(slack, driver, db, start_design):
    thread = start_design("Churn model")
    driver.slash_command(ALICE, CHANNEL, "summary churn model")
    thread.wait_until(lambda: db.design("Churn model").summary_ts is not None)
    summary_ts = db.design("Churn model").summary_ts

    response = driver.click(ALICE, CHANNEL, summary_ts, "mark_deployed")

    assert response.status_code == 200
    poll_until(lambda: db.design("Churn model").deployed_at is not None)
    summary = lambda: slack.workspace.message(CHANNEL, summary_ts)  # noqa: E731
    thread.wait_until(lambda: "*After deployment* · deployed" in all_text(summary()))
    assert "next revisit <!date^" in all_text(summary())
    assert "mark_deployed" not in action_ids(summary())
    listed = all_text(driver.slash_command(BOB, CHANNEL, "list").json())
    assert "· deployed <!date^" in listed and "· next revisit <!date^" in listed
