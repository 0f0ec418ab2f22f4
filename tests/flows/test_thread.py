"""The decision a thread reply comes to, from one snapshot of the thread: which question, which answer, which move."""

from __future__ import annotations

from dataclasses import dataclass

from flows.thread import ExplainLateReply, RecordAnswer, ThreadView, decide_reply
from flows.walkthrough import AnswerStatus, WalkState
from tests.flows.test_walkthrough import THREE


@dataclass(frozen=True)
class Given:
    status: AnswerStatus
    choices: tuple[str, ...] = ()


def thread(current: str | None, step: int, posted, answers=None, closing_ts=None) -> ThreadView:
    return ThreadView(
        current_question_id=current, step=step, closing_ts=closing_ts, posted=posted, answers=answers or {}
    )


def test_a_reply_answers_the_question_posted_right_above_it_and_moves_the_walkthrough_on():
    view = thread("q1", 1, [("100.000001", "q1")])

    decision = decide_reply(THREE, view, "100.000002", "Fraud analysts, by hand")

    assert decision == RecordAnswer("q1", "Fraud analysts, by hand", (), move=WalkState("q2", 2, frozenset({"q1"})))


def test_a_reply_typed_while_the_next_question_was_on_its_way_answers_the_one_its_author_saw():
    view = thread("q2", 2, [("100.000001", "q1")], answers={"q1": Given(AnswerStatus.ANSWERED)})

    decision = decide_reply(THREE, view, "100.000002", "actually: nobody does it today")

    assert isinstance(decision, RecordAnswer) and decision.question_id == "q1"
    assert decision.move == WalkState("q2", 2, frozenset({"q1"})), "an earlier question's answer does not move on"


def test_a_typed_reply_to_a_choice_question_picks_the_option_it_names_or_keeps_the_one_picked_before():
    posted = [("100.000001", "q1"), ("100.000003", "q2")]
    picked = {"q1": Given(AnswerStatus.ANSWERED), "q2": Given(AnswerStatus.ANSWERED, ("real-time",))}

    named = decide_reply(THREE, thread("q2", 2, posted), "100.000004", "Batch, nightly is fine")
    kept = decide_reply(THREE, thread("q3", 3, posted, picked), "100.000004", "within the hour")

    assert isinstance(named, RecordAnswer) and named.choices == ("batch",)
    assert isinstance(kept, RecordAnswer) and kept.choices == ("real-time",)


def test_after_the_closing_message_a_reply_answers_only_the_question_it_names_by_number():
    view = thread(None, 4, [("100.000001", "q1")], closing_ts="100.000009")

    late = decide_reply(THREE, view, "100.000010", "3: heuristic")
    chat = decide_reply(THREE, view, "100.000011", "thanks all")

    assert late == RecordAnswer("q3", "heuristic", ("heuristic",), move=None)
    assert chat == ExplainLateReply(example=3)


def test_a_blank_reply_or_one_to_a_question_the_catalog_lost_changes_nothing():
    assert decide_reply(THREE, thread("q1", 1, [("100.000001", "q1")]), "100.000002", "  ") is None
    assert decide_reply(THREE, thread("gone", 1, [("100.000001", "gone")]), "100.000002", "text") is None


def test_a_quantity_reply_without_a_number_is_kept_and_the_number_asked_for_once(default_catalog):
    latency = default_catalog.question("latency-target")
    posted = [("100.000001", latency.id)]
    state = thread(latency.id, 9, posted)

    vague = decide_reply(default_catalog, state, "100.000002", "Fast enough for the checkout page")
    assert isinstance(vague, RecordAnswer) and vague.text == "Fast enough for the checkout page"
    assert vague.move is None, "kept as text, and the walkthrough waits for the number"

    held = Given(AnswerStatus.ANSWERED)
    waiting = ThreadView(latency.id, 9, None, posted, {latency.id: held}, "Fast enough for the checkout page")
    number = decide_reply(default_catalog, waiting, "100.000003", "p99 under 150 ms")
    assert isinstance(number, RecordAnswer) and number.move is not None and number.move.current != latency.id
    assert number.text == "p99 under 150 ms\nFast enough for the checkout page", "the number, then the words"

    still_vague = decide_reply(default_catalog, waiting, "100.000003", "as fast as we can")
    assert isinstance(still_vague, RecordAnswer) and still_vague.text == "as fast as we can"
    assert still_vague.move is not None and still_vague.move.current != latency.id, "asked once, never twice"


def test_a_target_completed_in_a_second_reply_is_read_with_the_metric_named_in_the_first(default_catalog):
    target = "success-target"
    held = ThreadView(
        target, 6, None, [("100.000001", target)], {target: Given(AnswerStatus.ANSWERED)}, "Reduce triage time"
    )
    completed = decide_reply(default_catalog, held, "100.000003", "from 3 days to 1 hour")
    assert isinstance(completed, RecordAnswer) and completed.text == "Reduce triage time from 3 days to 1 hour"


def test_a_quantity_reply_with_a_number_moves_on_at_once(default_catalog):
    view = thread("latency-target", 9, [("100.000001", "latency-target")])
    decision = decide_reply(default_catalog, view, "100.000002", "2s")
    assert isinstance(decision, RecordAnswer) and decision.text == "2s"
    assert decision.move is not None and decision.move.current != "latency-target"
