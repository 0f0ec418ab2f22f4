"""The pinned design summary and the exported design document, end to end against the fake Slack."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from tests.e2e.helpers import ALICE, BOB, CHANNEL, DesignThread, poll_until, question_id_of
from tests.slack_text import all_text, texts

pytestmark = [pytest.mark.usefixtures("bot"), pytest.mark.sqlite_only]

SUMMARY = "mldesign_summary"
HOSTILE = "<!channel> <@U0BOB> <https://evil.example|click> & {{ 7*7 }}"


def summaries(slack: Any, channel: str = CHANNEL) -> list[dict[str, Any]]:
    return [
        message
        for message in slack.workspace.messages(channel)
        if (message.get("metadata") or {}).get("event_type") == SUMMARY
    ]


def pinned(slack: Any, channel: str = CHANNEL) -> set[str]:
    return {pin["message"]["ts"] for pin in slack.workspace.pins(channel)}


def exported(slack: Any) -> list[str]:
    """The text of each design document whose upload completed."""
    return [file["text"] for file in slack.workspace.files() if file["state"] == "complete"]


def finish(thread: DesignThread, answers: dict[str, str] | None = None) -> None:
    """Answer the given questions by replying, skip the rest, until the walkthrough ends."""
    answers = answers or {}
    while thread.closing() is None:
        text = answers.get(thread.current_id())
        if text is not None:
            thread.answer(BOB, text)
        else:
            thread.click_and_wait(ALICE, "skip_question")
    thread.settle()


def assert_inert(message: dict[str, Any]) -> None:
    for text in texts(message):
        assert "<!channel>" not in text
        assert "<@U0BOB> <https" not in text
        assert "<https://evil" not in text


def test_a_finished_walkthrough_pins_one_summary_with_findings_and_readiness(slack, start_design):
    thread = start_design("Churn model")

    finish(thread, {"manual-process": "Two analysts score accounts by hand.", "goals": "Cut churn by 10%."})

    thread.wait_until(lambda: len(summaries(slack)) == 1 and summaries(slack)[0]["ts"] in pinned(slack))
    summary = summaries(slack)[0]
    shown = all_text(summary)
    assert "Design summary" in shown
    assert "Walkthrough complete: 2 answered, 29 skipped, of 31 questions." in shown
    assert "Two analysts score accounts by hand." not in shown, "text answers are in the design document"
    assert "*Readiness 0%*" in shown and "held back by" in shown
    assert "No baseline" in shown and "No feedback loop" in shown
    assert "The goal, in the team's words: “Cut churn by 10%.”" in shown
    assert (
        ":fast_forward: _Skipped:_ Domain experts consulted · Push-back from affected people · Success measure" in shown
    )
    assert len(slack.workspace.calls("pins.add")) == 1
    for block in summary["blocks"]:
        Block.parse(block).validate_json()


ML_ONLY = "*Success measure*: Only an ML metric, e.g. accuracy or AUC"
BUSINESS = "*Success measure*: Business metric, e.g. revenue, cost, time saved"


def test_an_edited_answer_updates_the_summary_in_place(slack, driver, db, start_design):
    thread = start_design("Churn model")
    finish(thread, {"success-metric": "Only an ML metric, for now."})
    thread.wait_until(lambda: len(summaries(slack)) == 1 and ML_ONLY in all_text(summaries(slack)[0]))
    summary_ts = summaries(slack)[0]["ts"]
    reply_ts = next(m["ts"] for m in thread.replies() if m.get("text") == "Only an ML metric, for now.")
    channel_messages = len(slack.workspace.messages(CHANNEL))

    driver.edit_message(BOB, CHANNEL, reply_ts, "Business metric: hours saved a week.")

    thread.wait_until(lambda: BUSINESS in all_text(summaries(slack)[0]))
    thread.settle()
    assert [message["ts"] for message in summaries(slack)] == [summary_ts]
    assert len(slack.workspace.messages(CHANNEL)) == channel_messages, "nothing new in the channel"
    assert pinned(slack) == {summary_ts}
    assert db.design("Churn model").summary_ts == summary_ts


def test_a_removed_pin_is_pinned_again_when_the_summary_next_changes(slack, driver, db, start_design):
    thread = start_design("Churn model")
    finish(thread, {"success-metric": "Only an ML metric."})
    thread.wait_until(lambda: len(summaries(slack)) == 1 and pinned(slack))
    summary_ts = summaries(slack)[0]["ts"]

    response = driver.unpin_message(ALICE, CHANNEL, summary_ts)

    assert response.status_code == 200
    thread.wait_until(lambda: not db.design("Churn model").summary_pinned)
    assert pinned(slack) == set(), "a person's unpin is respected until the summary changes"
    reply_ts = next(m["ts"] for m in thread.replies() if m.get("text") == "Only an ML metric.")
    driver.edit_message(BOB, CHANNEL, reply_ts, "Business metric, in hours saved.")
    thread.wait_until(lambda: pinned(slack) == {summary_ts})
    assert BUSINESS in all_text(summaries(slack)[0])
    assert [message["ts"] for message in summaries(slack)] == [summary_ts]


def test_a_deleted_summary_is_posted_and_pinned_anew_and_remembered(slack, driver, db, start_design):
    thread = start_design("Churn model")
    finish(thread)
    thread.wait_until(lambda: len(summaries(slack)) == 1)
    old_ts = summaries(slack)[0]["ts"]
    poll_until(lambda: db.design("Churn model").summary_ts == old_ts)  # the bot recorded what it posted…
    thread.settle()  # …and has no publish left that could find the deletion before the command does

    driver.delete_message(ALICE, CHANNEL, old_ts)
    response = driver.slash_command(ALICE, CHANNEL, "summary churn model")

    assert "pinned in this channel" in all_text(response.json())
    thread.wait_until(lambda: len(summaries(slack)) == 1 and summaries(slack)[0]["ts"] != old_ts)
    new_ts = summaries(slack)[0]["ts"]
    thread.wait_until(lambda: pinned(slack) == {new_ts})
    thread.settle()
    assert db.design("Churn model").summary_ts == new_ts


def test_summary_on_request_mid_walkthrough_follows_each_answer(slack, driver, start_design):
    thread = start_design("Churn model")

    response = driver.slash_command(ALICE, CHANNEL, "summary Churn model")

    assert response.status_code == 200
    assert "Posting the summary of *Churn model*" in all_text(response.json())
    thread.wait_until(lambda: len(summaries(slack)) == 1 and pinned(slack))
    assert "Walkthrough in progress" in all_text(summaries(slack)[0])
    thread.answer(BOB, "Spreadsheets.")
    thread.wait_until(lambda: "Walkthrough in progress: 1 answered, 0 skipped" in all_text(summaries(slack)[0]))
    assert len(summaries(slack)) == 1


def test_a_summary_slack_refuses_holds_nothing_else_up_and_its_owner_is_told_once(slack, driver, db, start_design):
    """Any refusal (here msg_blocks_too_long, three times running): the progress stays current, no history is
    searched for a post that never happened, and the owner hears of it once, in the thread."""
    thread = start_design("Churn model")
    is_summary = lambda args: (args.get("metadata") or {}).get("event_type") == SUMMARY  # noqa: E731
    slack.workspace.fail_next("chat.postMessage", error="msg_blocks_too_long", times=3, matching=is_summary)

    driver.slash_command(ALICE, CHANNEL, "summary Churn model")
    thread.wait_until(lambda: db.design("Churn model").summary_refused == "msg_blocks_too_long")
    thread.answer(BOB, "Spreadsheets.")
    thread.answer(BOB, "Two analysts.")

    told = [reply for reply in thread.replies() if "Slack refused the pinned summary" in all_text(reply)]
    assert len(told) == 1 and "<@U0ALICE>" in all_text(told[0]) and "`msg_blocks_too_long`" in all_text(told[0])
    assert "2/31 answered" in all_text(thread.parent), "the parent's progress is current"
    assert slack.workspace.calls("conversations.history") == []
    assert summaries(slack) == []

    thread.answer(BOB, "Nobody pushes back.")  # Slack takes the summary again: it is posted and pinned, once
    thread.wait_until(lambda: len(summaries(slack)) == 1 and pinned(slack))
    poll_until(lambda: db.design("Churn model").summary_refused is None, what="the refusal forgotten")


def test_a_summary_for_an_unknown_design_is_a_clear_ephemeral_answer(slack, driver):
    response = driver.slash_command(ALICE, CHANNEL, "summary nothing here")

    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert "There is no design named “nothing here”" in all_text(response.json())
    assert summaries(slack) == []


def test_a_design_with_maximal_answers_fits_slacks_limits(slack, start_design):
    """Every question answered with the longest message Slack allows: the summary still posts and validates."""
    thread = start_design("M" * 80)
    longest = ("Ω & <b>x</b> " * 4000)[:40_000]

    while thread.closing() is None:
        thread.answer(BOB, longest)

    thread.wait_until(lambda: len(summaries(slack)) == 1 and pinned(slack), timeout=15)
    summary = summaries(slack)[0]
    assert len(summary["blocks"]) <= 50
    for block in summary["blocks"]:
        Block.parse(block).validate_json()
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert "…" in all_text(summary)
    assert not [call for call in slack.workspace.calls() if call.response.get("ok") is False]
    [canvas] = slack.workspace.canvases()  # accepted by the fake, which holds Slack's 1 MiB limit
    assert canvas["markdown"].count("cut here to fit the canvas: the Markdown export has it in full") == 31


def test_an_injection_attempt_stays_inert_in_summary_stakeholder_text_and_export(slack, driver, db, start_design):
    """New replies with mentions are discussion (flows.replies); edited answers take any text, so the hostile
    answers arrive as edits."""
    thread = start_design(HOSTILE)
    finish(thread, {"manual-process": "By hand.", "goals": "Cut churn."})
    for question_id, text, hostile in (
        ("manual-process", "By hand.", HOSTILE),
        ("goals", "Cut churn.", HOSTILE + " Then more."),
    ):
        reply = next(m["ts"] for m in thread.replies() if m.get("text") == text)
        driver.edit_message(BOB, CHANNEL, reply, hostile)
        thread.wait_until(lambda q=question_id, h=hostile: db.answers(HOSTILE)[q].text == h)
    thread.settle()
    thread.wait_until(lambda: len(summaries(slack)) == 1 and "&lt;!channel&gt;" in all_text(summaries(slack)[0]))
    summary = summaries(slack)[0]

    assert_inert(summary)
    shown = all_text(summary)
    assert "The goal, in the team's words: “&lt;!channel&gt; &lt;@U0BOB&gt;" in shown
    assert "{{ 7*7 }}" in shown

    driver.slash_command(ALICE, CHANNEL, f"export {HOSTILE}")
    thread.wait_until(lambda: exported(slack) != [])
    content = exported(slack)[0]
    for live in ("<!channel>", "<@U0BOB>", "<https://evil", "[click]"):
        assert live not in content
    assert "&lt;!channel&gt;" in content and "{{ 7\\*7 }}" in content


def test_export_uploads_the_document_to_the_thread_in_three_steps(slack, driver, start_design):
    thread = start_design("Churn model")
    thread.answer(BOB, "Two analysts score accounts by hand.")

    response = driver.slash_command(ALICE, CHANNEL, "export churn model")

    assert response.json()["response_type"] == "ephemeral"
    assert "Preparing the design document of *Churn model*" in all_text(response.json())
    thread.wait_until(lambda: any(m.get("files") for m in thread.replies()))
    steps = ("files.getUploadURLExternal", "upload_url", "files.completeUploadExternal")
    assert [call.method for call in slack.workspace.calls() if call.method in steps] == list(steps)
    shared = next(m for m in thread.replies() if m.get("files"))
    assert "exported by <@U0ALICE>" in shared["text"]
    assert shared["files"][0]["name"] == "churn-model-design.md"
    content = exported(slack)[0]
    assert content.startswith("# Churn model\n")
    assert "> Two analysts score accounts by hand." in content


def test_the_summarys_export_button_posts_the_document(slack, driver, start_design):
    thread = start_design("Churn model")
    driver.slash_command(ALICE, CHANNEL, "summary churn model")
    thread.wait_until(lambda: len(summaries(slack)) == 1)

    response = driver.click(BOB, CHANNEL, summaries(slack)[0]["ts"], "export_design")

    assert response.status_code == 200
    thread.wait_until(lambda: any(m.get("files") for m in thread.replies()))
    assert "exported by <@U0BOB>" in next(m for m in thread.replies() if m.get("files"))["text"]


def test_deleting_an_answering_reply_withdraws_its_answer_and_the_thread_summary_and_export_follow(
    slack, driver, db, start_design
):
    thread = start_design("Churn model")
    finish(thread, {"success-metric": "Only an ML metric, for now."})
    thread.wait_until(lambda: len(summaries(slack)) == 1 and ML_ONLY in all_text(summaries(slack)[0]))
    reply_ts = next(m["ts"] for m in thread.replies() if m.get("text") == "Only an ML metric, for now.")
    question = next(m for m in thread.questions() if question_id_of(m) == "success-metric")
    assert "answered" in all_text(question)

    response = driver.delete_message(BOB, CHANNEL, reply_ts)

    assert response.status_code == 200
    thread.wait_until(lambda: ML_ONLY not in all_text(summaries(slack)[0]))
    thread.settle()
    assert "success-metric" not in db.answers("Churn model"), "the question is open again"
    history = db.history("Churn model", "success-metric")
    assert [(a.status, a.text) for a in history] == [("answered", "Only an ML metric, for now."), ("withdrawn", "")]
    thread.wait_until(lambda: "Not answered yet" in all_text(slack.workspace.message(CHANNEL, question["ts"]) or {}))
    [canvas] = slack.workspace.canvases()
    assert "Only an ML metric, for now." not in canvas["markdown"], "the canvas follows"
    assert "Not answered: the reply that answered it was deleted on" in canvas["markdown"]
    edited = {"type": "message", "user": BOB, "text": "Back again", "ts": reply_ts, "thread_ts": thread.parent_ts}
    late_edit = {
        "type": "message",
        "subtype": "message_changed",
        "channel": CHANNEL,
        "hidden": True,
        "message": edited | {"edited": {"user": BOB, "ts": slack.workspace.next_ts()}},
    }
    assert driver.send_event(late_edit).status_code == 200  # an edit delivered after the deletion
    thread.settle()
    assert "success-metric" not in db.answers("Churn model"), "a late edit brings nothing back"
    driver.slash_command(ALICE, CHANNEL, "export churn model")
    thread.wait_until(lambda: exported(slack))
    document = exported(slack)[0]
    assert "Not answered: the reply that answered it was deleted on" in document
    assert "withdrawn (its reply was deleted)" not in document, "the withdrawal is the current state, not history"
    assert "> Only an ML metric, for now." in document, "the history keeps what was said"


def test_deleting_a_reply_whose_answer_was_replaced_since_changes_nothing(slack, driver, db, start_design):
    thread = start_design("Churn model")
    reply_ts = thread.answer(BOB, "Two analysts, by hand.")
    thread.click(ALICE, "previous_question")
    thread.wait_until(lambda: thread.current_id() == "manual-process")
    thread.settle()  # the bot has recorded the question asked again, as a person's reply seconds later finds it
    thread.answer(ALICE, "A spreadsheet and two analysts.")

    def versions() -> list[tuple[int | None, str, str]]:
        return [(a.id, a.status, a.text) for a in db.history("Churn model", "manual-process")]

    before = versions()

    driver.delete_message(BOB, CHANNEL, reply_ts)

    thread.settle()
    assert db.answers("Churn model")["manual-process"].text == "A spreadsheet and two analysts."
    assert versions() == before, "no version added"
