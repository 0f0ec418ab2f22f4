from __future__ import annotations

from dataclasses import dataclass

import pytest

from flows import walkthrough
from flows.catalog import parse_catalog
from flows.walkthrough import AnswerStatus, AtFirstQuestion, NotCurrentQuestion, NothingChosen, WalkState

THREE = parse_catalog(
    """
id = "three"
version = 1
title = "Three"
[[areas]]
id = "a"
title = "A"
[[areas.questions]]
id = "q1"
prompt = "One?"
help = "h"
[[areas.questions]]
id = "q2"
prompt = "Two?"
help = "h"
kind = "choice"
options = [{ id = "batch", label = "Batch, on a schedule" }, { id = "real-time", label = "Real-time" }]
[[areas]]
id = "b"
title = "B"
[[areas.questions]]
id = "q3"
prompt = "Three?"
help = "h"
kind = "multi"
options = [{ id = "heuristic", label = "Heuristic or business rules", aliases = ["heuristic"] },
           { id = "human", label = "Human" }, { id = "zero-rule", label = "Zero-rule" }]
"""
)


@dataclass(frozen=True)
class Given:
    status: AnswerStatus
    choices: tuple[str, ...] = ()


LOOKALIKES = parse_catalog(
    """
id = "lookalikes"
version = 1
title = "Lookalikes"
[[areas]]
id = "a"
title = "A"
[[areas.questions]]
id = "q4"
prompt = "Four?"
help = "h"
kind = "choice"
options = [{ id = "ready", label = "Yes, ready" }, { id = "needs-work", label = "Yes, but it needs work" },
           { id = "no", label = "No personal data" }, { id = "none", label = "Straight to production" }]
"""
)


def test_start_asks_the_first_question():
    assert walkthrough.start(THREE) == WalkState(current="q1", step=1, settled=frozenset())


def test_answering_the_current_question_moves_to_the_next():
    state = walkthrough.answer(THREE, walkthrough.start(THREE), "q1")
    assert (state.current, state.step, state.settled) == ("q2", 2, {"q1"})


def test_the_last_answer_completes_the_walkthrough():
    state = walkthrough.start(THREE)
    for question_id in ("q1", "q2", "q3"):
        state = walkthrough.answer(THREE, state, question_id)
    assert state.complete
    assert state.step == 4


def test_an_answer_to_an_earlier_question_is_kept_without_moving():
    state = WalkState(current="q3", step=3, settled=frozenset({"q1"}))
    moved = walkthrough.answer(THREE, state, "q2")
    assert (moved.current, moved.step) == ("q3", 3)
    assert "q2" in moved.settled


def test_skip_moves_on_and_settles_the_question():
    state = walkthrough.skip(THREE, walkthrough.start(THREE), "q1")
    assert (state.current, state.settled) == ("q2", {"q1"})


def test_skip_of_a_question_no_longer_asked_is_refused():
    with pytest.raises(NotCurrentQuestion):
        walkthrough.skip(THREE, WalkState(current="q2", step=2, settled=frozenset({"q1"})), "q1")


def test_back_returns_to_the_previous_question_and_the_next_answer_resumes_where_it_was():
    state = WalkState(current="q3", step=3, settled=frozenset({"q1", "q2"}))
    back = walkthrough.back(THREE, state, "q3")
    assert (back.current, back.step) == ("q2", 4)
    resumed = walkthrough.answer(THREE, back, "q2")
    assert (resumed.current, resumed.step) == ("q3", 5)


def test_back_from_the_first_question_is_refused():
    with pytest.raises(AtFirstQuestion):
        walkthrough.back(THREE, walkthrough.start(THREE), "q1")


def test_multi_select_questions_wait_for_done_and_single_choices_move_on():
    assert walkthrough.advances_on_choice(THREE.question("q2"))
    assert not walkthrough.advances_on_choice(THREE.question("q3"))


def test_done_moves_on_only_after_something_was_picked():
    state = WalkState(current="q3", step=3, settled=frozenset({"q1", "q2"}))
    with pytest.raises(NothingChosen):
        walkthrough.finish(THREE, state, "q3")
    finished = walkthrough.finish(THREE, WalkState("q3", 3, frozenset({"q1", "q2", "q3"})), "q3")
    assert finished.complete
    with pytest.raises(NotCurrentQuestion):
        walkthrough.finish(THREE, state, "q2")


def test_next_question_wraps_to_an_earlier_unsettled_one():
    assert walkthrough.next_question(THREE, "q3", {"q2", "q3"}) == "q1"
    assert walkthrough.next_question(THREE, "q3", {"q1", "q2", "q3"}) is None


def test_progress_counts_answers_and_skips_of_known_questions():
    answers = {
        "q1": Given(AnswerStatus.ANSWERED),
        "q2": Given(AnswerStatus.SKIPPED),
        "retired": Given(AnswerStatus.ANSWERED),
    }
    progress = walkthrough.progress(THREE, answers)
    assert (progress.answered, progress.skipped, progress.total, progress.settled) == (1, 1, 3, 2)


@pytest.mark.parametrize(
    ("reply_ts", "expected"),
    [("1700000001.000050", None), ("1700000001.000200", "q1"), ("1700000002.000001", "q2")],
    ids=["before-any-question", "after-first", "after-second"],
)
def test_a_reply_answers_the_question_asked_last_before_it(reply_ts, expected):
    prompts = [("1700000001.000100", "q1"), ("1700000002.000000", "q2")]
    assert walkthrough.question_for_reply(prompts, reply_ts) == expected


def test_timestamps_compare_exactly_not_as_floats():
    # As floats these two are equal; as Slack timestamps the second is later.
    prompts = [("1700000000.000001", "q1"), ("1700000000.000002", "q2")]
    assert walkthrough.question_for_reply(prompts, "1700000000.000003") == "q2"


@pytest.mark.parametrize(
    ("question_id", "text", "expected"),
    [
        ("q2", "Batch, nightly is fine", ("batch",)),
        ("q2", "batch — nightly", ("batch",)),
        ("q2", "Batch, on a schedule: nightly", ("batch",)),
        ("q2", "REAL-TIME!", ("real-time",)),
        ("q2", "real-time", ("real-time",)),
        ("q2", "batch jobs are fine", ()),
        ("q2", "we are not sure", ()),
        ("q2", "batchy", ()),
        ("q3", "heuristic, human", ("heuristic", "human")),
        ("q3", "Zero-rule; human and heuristic", ("zero-rule", "human", "heuristic")),
        ("q3", "Heuristic or business rules", ("heuristic",)),
        ("q4", "No idea yet, ask legal", ()),
        ("q4", "None yet, still discussing", ()),
        ("q4", "Yes, definitely", ()),
        ("q4", "Yes, but it needs work: joins", ("needs-work",)),
        ("q1", "batch", ()),
        ("q2", "Batch on a schedule, nightly", ("batch",)),
        ("q2", "real-time only", ("real-time",)),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_typed_replies_to_choice_questions_pick_only_the_options_they_clearly_name(question_id, text, expected):
    catalog = LOOKALIKES if question_id in LOOKALIKES else THREE
    assert walkthrough.match_options(catalog.question(question_id), text) == expected


@pytest.mark.parametrize(
    ("question_id", "text", "expected"),
    [
        ("release-path", "Shadow deployment, then canary", ("shadow", "canary")),
        ("release-path", "Shadow then canary", ("shadow", "canary")),
        ("release-path", "shadow for a week and then a canary on 10% of claims", ("shadow", "canary")),
        (
            "release-path",
            "Offline checks in CI, a week in shadow against the current model, then a canary on 10% of claims.",
            ("offline-checks", "canary"),
        ),
        ("release-path", "No shadow deployment, canary only", ("canary",)),
        ("release-path", "A/B test against the rules engine", ("ab-test",)),
        ("release-path", "We haven't decided", ()),
        ("release-path", "canary jobs are flaky", ()),
        ("fallback", "A safe default answer", ("default",)),
        ("fallback", "the last good prediction, cached", ("cached",)),
    ],
)
def test_typed_replies_on_the_new_catalog_name_several_options_in_one_sentence(
    default_catalog, question_id, text, expected
):
    assert walkthrough.match_options(default_catalog.question(question_id), text) == expected


# A catalog with follow-ups: personal data brings two questions, one of which brings its own when a DPIA is due.
FOLLOW_UPS = parse_catalog(
    """
id = "follow-ups"
version = 1
title = "Follow-ups"
[[areas]]
id = "data"
title = "Data"
[[areas.questions]]
id = "personal"
prompt = "Personal data?"
help = "h"
kind = "choice"
options = [{ id = "yes", label = "Yes" }, { id = "no", label = "No" }, { id = "unsure", label = "Unsure" }]
[[areas.questions]]
id = "retention"
prompt = "How long is it kept?"
help = "h"
when = { question = "personal", any = ["yes", "unsure"] }
[[areas.questions]]
id = "high-risk"
prompt = "Is the processing high-risk?"
help = "h"
kind = "choice"
options = [{ id = "yes", label = "Yes" }, { id = "no", label = "No" }]
when = { question = "personal", any = ["yes"] }
[[areas.questions]]
id = "dpia"
prompt = "Where is the DPIA?"
help = "h"
when = { question = "high-risk", any = ["yes"] }
[[areas]]
id = "model"
title = "Model"
[[areas.questions]]
id = "baseline"
prompt = "Baseline?"
help = "h"
"""
)


def test_follow_ups_are_asked_only_when_the_answer_calls_for_them():
    state = walkthrough.start(FOLLOW_UPS)
    assert walkthrough.answer(FOLLOW_UPS, state, "personal", ["no"]).current == "baseline"
    after_yes = walkthrough.answer(FOLLOW_UPS, state, "personal", ["yes"])
    assert after_yes.current == "retention"
    assert walkthrough.answer(FOLLOW_UPS, state, "personal", ["unsure"]).current == "retention"
    high_risk = walkthrough.answer(
        FOLLOW_UPS, walkthrough.answer(FOLLOW_UPS, after_yes, "retention", []), "high-risk", ["yes"]
    )
    assert high_risk.current == "dpia"


def test_a_follow_up_of_a_follow_up_applies_only_while_both_conditions_hold():
    assert [q.id for q in FOLLOW_UPS.applicable({"personal": {"yes"}, "high-risk": {"yes"}})] == [
        "personal",
        "retention",
        "high-risk",
        "dpia",
        "baseline",
    ]
    # The DPIA answer stays chosen in high-risk, but personal data changed to "unsure" withdraws high-risk itself.
    assert [q.id for q in FOLLOW_UPS.applicable({"personal": {"unsure"}, "high-risk": {"yes"}})] == [
        "personal",
        "retention",
        "baseline",
    ]
    assert not FOLLOW_UPS.applies("dpia", {"personal": {"no"}, "high-risk": {"yes"}})


def test_an_earlier_answer_changed_to_no_withdraws_the_follow_up_being_asked_and_moves_on():
    asking_retention = WalkState(
        current="retention", step=3, settled=frozenset({"personal"}), chosen={"personal": frozenset({"yes"})}
    )
    moved = walkthrough.answer(FOLLOW_UPS, asking_retention, "personal", ["no"])
    assert (moved.current, moved.step) == ("baseline", 4)


def test_a_late_answer_that_brings_follow_ups_reopens_a_finished_walkthrough():
    finished = WalkState(
        current=None, step=9, settled=frozenset({"personal", "baseline"}), chosen={"personal": frozenset({"no"})}
    )
    reopened = walkthrough.answer(FOLLOW_UPS, finished, "personal", ["yes"])
    assert (reopened.current, reopened.step) == ("retention", 10)
    unchanged = walkthrough.answer(FOLLOW_UPS, finished, "baseline", [])
    assert (unchanged.current, unchanged.step) == (None, 9)


def test_back_skips_follow_ups_that_do_not_apply():
    at_baseline = WalkState(
        current="baseline", step=3, settled=frozenset({"personal"}), chosen={"personal": frozenset({"no"})}
    )
    assert walkthrough.back(FOLLOW_UPS, at_baseline, "baseline").current == "personal"
    with_follow_ups = WalkState(
        current="baseline",
        step=5,
        settled=frozenset({"personal", "retention", "high-risk"}),
        chosen={"personal": frozenset({"yes"}), "high-risk": frozenset({"no"})},
    )
    assert walkthrough.back(FOLLOW_UPS, with_follow_ups, "baseline").current == "high-risk"


def test_progress_counts_only_the_questions_that_apply_and_keeps_withdrawn_answers_out():
    answers = {
        "personal": Given(AnswerStatus.ANSWERED, ("no",)),
        "retention": Given(AnswerStatus.ANSWERED),  # given while personal data was "yes", then withdrawn
        "baseline": Given(AnswerStatus.SKIPPED),
    }
    progress = walkthrough.progress(FOLLOW_UPS, answers)
    assert (progress.answered, progress.skipped, progress.total) == (1, 1, 2)
    answers["personal"] = Given(AnswerStatus.ANSWERED, ("yes",))
    progress = walkthrough.progress(FOLLOW_UPS, answers)
    assert (progress.answered, progress.skipped, progress.total) == (2, 1, 4)


def test_a_skipped_question_opens_none_of_its_follow_ups():
    state = walkthrough.start(FOLLOW_UPS)
    assert walkthrough.skip(FOLLOW_UPS, state, "personal").current == "baseline"


def test_undo_takes_the_withdrawn_answers_choices_out_of_the_follow_up_conditions():
    state = WalkState(
        current="retention", step=3, settled=frozenset({"personal"}), chosen={"personal": frozenset({"yes"})}
    )
    asked_again = walkthrough.reask(state, "personal")
    assert asked_again.current == "personal" and "personal" not in asked_again.chosen
