"""The review as a whole (which rules apply), the stakeholder brief, and how an answer that says nothing is read;
each rule's own table is in test_rules.py, readiness in test_readiness.py."""

from __future__ import annotations

import pytest

from flows.assessment import assess
from flows.brief import stakeholder_brief
from flows.catalog import Catalog, parse_catalog
from flows.reading import says_nothing
from flows.review import review
from tests.flows.test_rules import SKIPPED, SOUND_V1, Given, pick

# Version 1's sound design and the answer helpers are shared with the rule tables.
SOUND = SOUND_V1


def findings_of(catalog: Catalog, **changes: Given | None) -> set[str]:
    answers = {key: value for key, value in (SOUND | changes).items() if value is not None}
    return {finding.rule_id for finding in review(catalog, answers)}


def test_rules_about_questions_a_catalog_lacks_are_not_applied():
    small = parse_catalog(
        """
id = "small"
version = 1
title = "Small"
[[areas]]
id = "a"
title = "A"
[[areas.questions]]
id = "feedback-loop"
prompt = "Feedback?"
help = "h"
"""
    )
    assert [f.rule_id for f in review(small, {"feedback-loop": SKIPPED, "baselines": SKIPPED})] == ["no-feedback-loop"]


def test_brief_speaks_plainly_about_goal_success_needs_and_risks(catalog):
    answers = SOUND | {"labels": pick("unlabelled"), "rollback": pick("none")}
    assessment = assess(catalog, answers)
    brief = assessment.brief
    assert brief.goal == "Cut churn among paying customers by 10% this year."
    assert brief.success == "by a business result such as revenue, cost or time saved"
    assert "examples labelled by people, which takes time and money" in brief.needs
    assert brief.risks == ("If a new model version misbehaves, there is no quick way back to the last good one.",)


def test_brief_of_a_fresh_design_is_empty(catalog):
    brief = stakeholder_brief(catalog, {}, [])
    assert (brief.goal, brief.success, brief.needs, brief.risks) == (None, None, (), ())


def test_brief_shortens_a_long_goal(catalog):
    brief = stakeholder_brief(catalog, {"goals": Given("x" * 5000)}, [])
    assert brief.goal is not None and len(brief.goal) == 300 and brief.goal.endswith("…")


@pytest.mark.parametrize(
    ("text", "nothing"),
    [
        ("none", True),
        ("N/A", True),
        ("n/a.", True),
        ("TBD", True),
        ("tbd!!", True),
        ("Not sure?", True),
        ("don\u2019t know", True),
        ("Not yet", True),
        ("No, we only use purchased data", True),
        ("No explicit feedback, but decisions are logged nightly", False),  # what there is instead
        ("None, however we log every decision", False),
        ("  --- none", True),
        ("-", True),
        ("?", True),
        ("...", True),
        ("\N{SHRUG}", True),
        ("-" * 3_000 + " we have a plan", True),  # only the first 3,000 characters are read
        ("nobody has asked", False),
        ("nah", False),
        ("TBD by Friday: Dana owns it", False),
        ("We log outcomes nightly", False),
        ("-" * 2_999 + "x", False),
    ],
)
def test_an_answer_says_nothing_when_it_is_empty_of_words_or_a_no(text, nothing):
    assert says_nothing(text) is nothing
