"""A design review played end to end: the real server, signed requests, the fake Slack's Web API."""

from __future__ import annotations

import pytest

from flows.catalog import QuestionKind
from tests.e2e.helpers import ALICE, BOB, CAROL, CHANNEL, DesignThread, action_ids, question_id_of
from tests.slack_text import all_text

pytestmark = pytest.mark.usefixtures("bot")


def skip_to(thread: DesignThread, question_id: str) -> None:
    while thread.current_id() != question_id:
        thread.click_and_wait(ALICE, "skip_question")


def test_start_posts_the_design_and_asks_the_first_question_in_its_thread(slack, driver, catalog, start_design):
    thread = start_design("Churn model")

    parent = all_text(thread.parent)
    assert "ML design review" in parent
    assert "*Churn model*" in parent
    assert "<@U0ALICE>" in parent
    assert f"0/{len(catalog.questions)} answered" in parent
    assert "Answer in the thread" in parent
    first = thread.current()
    assert question_id_of(first) == "manual-process"
    assert catalog.question("manual-process").prompt in all_text(first)
    assert "Why this matters" in all_text(first)
    assert action_ids(first) == ["open_area_form", "skip_question"]  # no "Back" on the first question
    assert slack.workspace.ephemerals(user=ALICE) == []


def test_a_thread_reply_is_stored_with_its_author_acknowledged_and_followed_by_the_next_question(
    slack, driver, db, catalog, start_design
):
    thread = start_design("Churn model")

    ts = thread.answer(BOB, "Two analysts score accounts in a spreadsheet every Monday.")

    thread.wait_until(lambda: thread.reactions(ts) == ["white_check_mark"])
    stored = db.answers("Churn model")["manual-process"]
    assert (stored.text, stored.author_id, stored.status) == (
        "Two analysts score accounts in a spreadsheet every Monday.",
        BOB,
        "answered",
    )
    assert thread.current_id() == "domain-experts"
    thread.wait_until(lambda: f"1/{len(catalog.questions)} answered" in all_text(thread.parent))
    assert slack.workspace.calls("chat.update"), "the parent's progress is updated in place"
    assert len(slack.workspace.messages(CHANNEL)) == 1, "no second parent message"
    answered = thread.questions()[0]
    thread.wait_until(lambda: "<@U0BOB> answered" in all_text(thread.questions()[0]))
    assert "skip_question" not in action_ids(thread.questions()[0]), f"old question keeps nav: {answered}"


def test_a_button_click_records_the_choice_and_shows_who_chose_what(slack, driver, db, start_design):
    thread = start_design("Churn model")
    skip_to(thread, "inference-mode")
    question = thread.current()
    assert {"choose_option:real-time", "choose_option:near-real-time", "choose_option:batch"} <= set(
        action_ids(question)
    )

    thread.click_and_wait(CAROL, "choose_option:batch")

    stored = db.answers("Churn model")["inference-mode"]
    assert (stored.choices, stored.author_id) == (["batch"], CAROL)
    assert thread.current_id() == "latency-target"
    thread.wait_until(lambda: "<@U0CAROL> answered: *Batch, on a schedule*" in all_text(thread.questions()[-2]))
    updated = thread.questions()[-2]
    chosen = [e for b in updated["blocks"] if b["type"] == "actions" for e in b["elements"] if e.get("style")]
    assert [button["value"] for button in chosen] == ["batch"]


def test_a_choice_can_be_changed_later_and_keeps_its_history(slack, driver, db, start_design):
    thread = start_design("Churn model")
    skip_to(thread, "inference-mode")
    thread.click_and_wait(CAROL, "choose_option:batch")
    old_question = thread.questions()[-2]

    thread.click(BOB, "choose_option:real-time", message=old_question)

    thread.wait_until(lambda: db.answers("Churn model")["inference-mode"].choices == ["real-time"])
    assert [a.choices for a in db.history("Churn model", "inference-mode")] == [["batch"], ["real-time"]]
    assert thread.current_id() == "latency-target", "changing an earlier choice does not move the walkthrough"


def test_multi_select_records_every_option_picked(slack, driver, db, start_design):
    thread = start_design("Churn model")
    skip_to(thread, "baselines")

    thread.click(BOB, "select_options", selected=["heuristic", "human"])
    thread.settle()
    assert db.answers("Churn model")["baselines"].choices == ["heuristic", "human"]
    assert thread.current_id() == "baselines", "picking several options waits for Done"
    thread.wait_until(lambda: "*Heuristic or business rules, Human performance*" in all_text(thread.current()))

    thread.click_and_wait(CAROL, "finish_question")

    assert thread.current_id() == "refresh-cadence"
    assert db.answers("Churn model")["baselines"].author_id == BOB


def test_a_typed_reply_to_a_choice_question_picks_the_option_it_names(slack, driver, db, start_design):
    thread = start_design("Churn model")
    skip_to(thread, "inference-mode")

    thread.answer(BOB, "Batch, nightly scoring is enough for the account managers")

    stored = db.answers("Churn model")["inference-mode"]
    assert stored.choices == ["batch"]
    assert stored.text == "Batch, nightly scoring is enough for the account managers"


def test_skip_then_back_returns_to_the_skipped_question(slack, driver, db, catalog, start_design):
    thread = start_design("Churn model")

    thread.click_and_wait(ALICE, "skip_question")
    assert db.answers("Churn model")["manual-process"].status == "skipped"
    assert thread.current_id() == "domain-experts"
    assert action_ids(thread.current()) == ["skip_question", "previous_question"]

    thread.click_and_wait(ALICE, "previous_question")
    assert thread.current_id() == "manual-process"
    thread.answer(BOB, "By hand, in a spreadsheet.")

    assert db.answers("Churn model")["manual-process"].status == "answered"
    assert thread.current_id() == "domain-experts", "after going back, the walkthrough resumes where it was"
    thread.wait_until(lambda: f"1/{len(catalog.questions)} answered" in all_text(thread.parent))


def test_skipping_an_answered_question_after_going_back_keeps_its_answer(slack, driver, db, start_design):
    thread = start_design("Churn model")
    thread.answer(BOB, "By hand.")
    thread.click_and_wait(ALICE, "previous_question")

    thread.click_and_wait(ALICE, "skip_question")

    assert db.answers("Churn model")["manual-process"].text == "By hand."
    assert thread.current_id() == "domain-experts"


def test_editing_a_reply_updates_the_answer_and_keeps_its_history(slack, driver, db, start_design):
    thread = start_design("Churn model")
    ts = thread.answer(BOB, "By hand, weekly.")

    response = driver.edit_message(BOB, CHANNEL, ts, "By hand, daily.")

    assert response.status_code == 200
    thread.wait_until(lambda: db.answers("Churn model")["manual-process"].text == "By hand, daily.")
    history = db.history("Churn model", "manual-process")
    assert [(a.text, a.author_id) for a in history] == [("By hand, weekly.", BOB), ("By hand, daily.", BOB)]
    assert history[0].created_at <= history[1].created_at
    assert thread.current_id() == "domain-experts", "an edit does not ask anything again"
    question = all_text(thread.questions()[0])
    assert "<@U0BOB> answered" in question and "By hand" not in question, "the reply itself shows the edit"


def test_two_designs_in_one_channel_each_keep_their_own_thread(slack, driver, db, start_design):
    churn = start_design("Churn model")
    fraud = start_design("Fraud scoring")

    churn.answer(BOB, "Churn: spreadsheets.")
    fraud.answer(CAROL, "Fraud: a rules engine.")
    fraud.answer(CAROL, "Fraud: the risk team.")

    assert db.answers("Churn model")["manual-process"].text == "Churn: spreadsheets."
    assert db.answers("Fraud scoring")["manual-process"].text == "Fraud: a rules engine."
    assert set(db.answers("Churn model")) == {"manual-process"}
    assert len(churn.questions()) == 2
    assert len(fraud.questions()) == 3


def test_the_last_answer_ends_the_walkthrough_with_a_closing_message(slack, driver, db, catalog, start_design):
    thread = start_design("Churn model")

    for question in catalog.questions:
        assert thread.current_id() == question.id
        if question.kind is QuestionKind.MULTI:
            thread.click(BOB, "select_options", selected=[question.options[0].id, question.options[1].id])
            thread.settle()
            thread.click_and_wait(BOB, "finish_question")
        elif question.kind is QuestionKind.CHOICE and len(question.options) <= 5:
            thread.click_and_wait(BOB, f"choose_option:{question.options[0].id}")
        elif question.kind is QuestionKind.CHOICE:
            thread.click_and_wait(BOB, "select_option", selected=question.options[-1].id)
        else:
            thread.answer(CAROL, f"Our answer to {question.id}.")

    closing = thread.closing()
    assert closing is not None
    closings = [m for m in thread.replies() if (m.get("metadata") or {}).get("event_type") == "mldesign_closing"]
    assert len(closings) == 1
    total = len(catalog.questions)
    assert f"{total} answered, 0 skipped, of {total}" in all_text(closing)
    thread.wait_until(lambda: "Walkthrough complete" in all_text(thread.parent))
    answers = db.answers("Churn model")
    assert set(answers) == {question.id for question in catalog.questions}
    assert db.design("Churn model").status == "complete"
    assert len(thread.questions()) == total, "each question was asked exactly once"


def test_a_multi_select_cleared_to_nothing_needs_a_pick_before_done(slack, driver, db, start_design):
    thread = start_design("Churn model")
    skip_to(thread, "baselines")
    thread.click(BOB, "select_options", selected=["human"])
    thread.settle()

    thread.click(BOB, "select_options", selected=[])
    thread.settle()
    thread.click(BOB, "finish_question")

    slack.workspace.wait_for(lambda ws: ws.ephemerals(channel=CHANNEL, user=BOB))
    assert "Pick at least one option first" in all_text(slack.workspace.ephemerals(channel=CHANNEL, user=BOB)[-1])
    assert db.answers("Churn model")["baselines"].choices == []
    assert [a.choices for a in db.history("Churn model", "baselines")] == [["human"], []]
    assert thread.current_id() == "baselines"


def test_replies_after_the_closing_message_are_conversation_not_answers(slack, driver, db, catalog, start_design):
    thread = start_design("Churn model")
    for _ in catalog.questions:
        thread.click_and_wait(ALICE, "skip_question")
    assert thread.closing() is not None

    ts = thread.reply(BOB, "Thanks everyone, great session!")
    thread.settle()

    assert db.answers("Churn model")["value-communication"].status == "skipped"
    assert thread.reactions(ts) == []
    thread.wait_until(lambda: slack.workspace.ephemerals(channel=CHANNEL, user=BOB))
    told = slack.workspace.ephemerals(channel=CHANNEL, user=BOB)
    assert "start a reply with its number" in all_text(told[-1]), "never dropped in silence"
    assert len([m for m in thread.replies() if m.get("metadata", {}).get("event_type") == "mldesign_closing"]) == 1


def test_a_question_message_deleted_by_someone_does_not_stop_the_walkthrough(slack, driver, db, catalog, start_design):
    thread = start_design("Churn model")
    first = thread.current()
    slack.workspace.delete_message(CHANNEL, first["ts"])

    thread.answer(BOB, "Spreadsheets.")

    assert thread.current_id() == "domain-experts"
    thread.wait_until(lambda: f"1/{len(catalog.questions)} answered" in all_text(thread.parent))
