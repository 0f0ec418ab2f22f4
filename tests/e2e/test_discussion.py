"""A thread a team can talk in: discussion is not an answer, and a reply after the end is never dropped silently."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import ALICE, BOB, CHANNEL, question_id_of
from tests.slack_text import all_text

pytestmark = [pytest.mark.usefixtures("bot"), pytest.mark.sqlite_only]


def test_discussion_leaves_the_walkthrough_where_it_was_and_the_rule_is_on_the_question(slack, db, start_design):
    thread = start_design("Fraud triage")
    discussion = [
        "<@U0CAROL> do you know who does this today? I'll wait…",  # mentions someone
        "Should we ask the support team first?",  # ends with a question mark
        "&gt; aside: the spreadsheet lives on the shared drive",  # starts with ">" (Slack sends it escaped)
        "note: Carol is out until Monday",
    ]

    said = [thread.reply(BOB, text) for text in discussion]
    thread.settle()

    assert "manual-process" not in db.answers("Fraud triage")
    assert thread.current_id() == "manual-process" and len(thread.questions()) == 1
    assert all(thread.reactions(ts) == [] for ts in said)
    assert "are discussion, not answers" in all_text(thread.current())
    answered = thread.answer(BOB, "Two analysts triage flagged payments by hand every morning.")
    assert db.answers("Fraud triage")["manual-process"].text.startswith("Two analysts")
    thread.wait_until(lambda: thread.reactions(answered) == ["white_check_mark"])


def test_a_late_reply_is_told_how_to_answer_and_one_naming_a_question_answers_it(slack, db, catalog, start_design):
    thread = start_design("Fraud triage")
    for _ in catalog.questions:
        thread.click_and_wait(ALICE, "skip_question")
    assert thread.closing() is not None

    thanks = thread.reply(BOB, "Thanks everyone, great session")
    thread.wait_until(lambda: slack.workspace.ephemerals(channel=CHANNEL, user=BOB))
    late = thread.reply(BOB, "1: Two analysts triage flagged payments by hand")
    thread.settle()

    told = all_text(slack.workspace.ephemerals(channel=CHANNEL, user=BOB)[-1])
    assert "has ended" in told and "start a reply with its number" in told and "Fraud triage" in told
    assert thread.reactions(thanks) == []
    answer = db.answers("Fraud triage")["manual-process"]
    assert (answer.status, answer.text, answer.author_id) == (
        "answered",
        "Two analysts triage flagged payments by hand",
        BOB,
    )
    thread.wait_until(lambda: thread.reactions(late) == ["white_check_mark"])
    first_question = thread.questions()[0]
    thread.wait_until(lambda: "answered" in all_text(slack.workspace.message(CHANNEL, first_question["ts"]) or {}))


def test_a_reply_wrongly_taken_as_an_answer_is_undone_and_the_question_asked_again(slack, db, start_design):
    thread = start_design("Fraud triage")
    wrong = thread.answer(BOB, "Let me check with Carol first")  # discussion, though the rule can't tell
    answered = thread.questions()[0]
    assert db.answers("Fraud triage")["manual-process"].text == "Let me check with Carol first"
    assert thread.current_id() == "domain-experts"

    thread.click(ALICE, "undo_answer", message=slack.workspace.message(CHANNEL, answered["ts"]))
    thread.wait_until(lambda: question_id_of(thread.current()) == "manual-process")
    thread.settle()
    assert thread.current()["ts"] == answered["ts"], "asked again in its own message"

    assert "manual-process" not in db.answers("Fraud triage"), "withdrawn"
    history = db.history("Fraud triage", "manual-process")
    assert [(a.status, a.author_id) for a in history] == [("answered", BOB), ("withdrawn", ALICE)], "history keeps it"
    shown = slack.workspace.message(CHANNEL, answered["ts"])
    assert shown is not None and "undo_answer" not in str(shown["blocks"]), "nothing left to undo there"
    thread.wait_until(lambda: thread.reactions(wrong) == [])  # its ✅ goes with it
    thread.answer(BOB, "Two analysts triage flagged payments by hand.")
    assert db.answers("Fraud triage")["manual-process"].text.startswith("Two analysts")
    assert thread.current_id() == "domain-experts", "the walkthrough goes on where it was"
    assert db.answers("Fraud triage")["manual-process"].source_ts != wrong


def test_a_full_walkthrough_thread_never_repeats_an_answer_and_holds_only_questions_and_the_closing(
    slack, catalog, start_design
):
    thread = start_design("Fraud triage")
    given = []
    while thread.closing() is None:
        text = f"Answer {len(given) + 1}: the team decided on option {len(given) + 1} after a long talk."
        given.append(text)
        thread.answer(BOB, text)
        if len(given) == 3:
            thread.click_and_wait(ALICE, "previous_question")  # goes Back once
            given.append("Answer 3 again: revised after the data review.")
            thread.answer(BOB, given[-1])
    thread.settle()

    mine = [m for m in thread.replies() if m.get("bot_id")]
    for message in mine:
        shown = all_text(message)
        assert not [text for text in given if text in shown], "the bot never repeats a reply in the thread"
    assert len(thread.questions()) == len(catalog.questions), "one message per question: Back adds none"
    assert len(mine) == len(catalog.questions) + 1, "the questions and the closing message, nothing else"


def test_back_asks_the_earlier_question_again_in_its_own_message(slack, db, start_design):
    thread = start_design("Fraud triage")
    thread.answer(BOB, "Two analysts triage flagged payments by hand.")
    first, second = thread.questions()
    posts_before = len(slack.workspace.calls("chat.postMessage"))

    thread.click_and_wait(ALICE, "previous_question")

    assert thread.current()["ts"] == first["ts"], "the first question is asked again where it was"
    assert "Keep and go on" in all_text(thread.current()) and "previous_question" not in str(thread.current())
    left = all_text(slack.workspace.message(CHANNEL, second["ts"]))
    assert "Not answered yet: the walkthrough comes back to it" in left, "the question left says what happened"
    reply = thread.answer(BOB, "Three analysts, since the spring.")  # at the bottom of the thread, after Back
    assert db.answers("Fraud triage")["manual-process"].text == "Three analysts, since the spring."
    assert thread.current()["ts"] == second["ts"], "and the walkthrough goes on in the second question's message"
    assert [m["ts"] for m in thread.questions()] == [first["ts"], second["ts"]]
    assert len(slack.workspace.calls("chat.postMessage")) == posts_before, "Back posted nothing"
    thread.wait_until(lambda: thread.reactions(reply) == ["white_check_mark"])
