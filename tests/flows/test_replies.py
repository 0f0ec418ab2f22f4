"""The rule the question message states: which replies are discussion, and which question a late reply names."""

from __future__ import annotations

import pytest

from flows.replies import is_discussion, named_question


@pytest.mark.parametrize(
    "text",
    [
        "<@U0CAROL> do you know who does this today? I'll wait…",
        "Ask <!subteam^S0DATA> about the labels",
        "Should we ask support first?",
        "&gt; aside: the spreadsheet is on the shared drive",
        "> typed without Slack's escaping",
        "Note: Carol is out until Monday",
        "ASIDE: later",
        "   ",
    ],
)
def test_mentions_questions_and_asides_are_discussion(text):
    assert is_discussion(text)


@pytest.mark.parametrize(
    "text",
    [
        "Two analysts triage flagged payments by hand every morning.",
        "Is it batch? Yes: nightly is enough.",  # asks, then answers
        "&lt;@U0CAROL&gt; typed literally is no mention",
        "latency &lt; 100 ms",
        "Notebook exports, weekly",  # "note" is not "note:"
    ],
)
def test_everything_else_answers(text):
    assert not is_discussion(text)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("7: two analysts", (7, "two analysts")),
        ("Q12 weekly refresh", (12, "weekly refresh")),
        ("#3 - a holdout set", (3, "a holdout set")),
        (" 5) done", (5, "done")),
        ("31. last one", (31, "last one")),
    ],
)
def test_a_late_reply_names_a_question_by_its_number(text, named):
    assert named_question(text, 31) == named


@pytest.mark.parametrize(
    "text", ["Thanks everyone", "7", "7:", "32: too far", "0: none", "2026 was the year", "Quick note"]
)
def test_a_reply_that_names_no_question_is_none(text):
    assert named_question(text, 31) is None
