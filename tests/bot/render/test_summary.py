"""The pinned summary: within Slack's limits for any design, inert for any text, and saying what matters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from slack_sdk.models.blocks import Block

from bot.render.summary import MAX_BLOCKS, TEXT_BUDGET, RevisitEntry, SummaryInput, summary_message
from bot.render.text import render
from flows import walkthrough
from flows.assessment import assess
from flows.catalog import Catalog, parse_catalog
from flows.nudges import NudgeStatus
from sandbox.web_api import text_in_blocks
from storage.models import Answer, Design
from tests import slack_text
from tests.factories import make_answer, make_design

HOSTILE = "<!channel> <@U0X> <https://evil.example|x> & {{ 7*7 }} "
WHEN = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
LONGEST_ANSWER = (HOSTILE * 1000)[:40_000]  # a Slack message holds at most 40,000 characters


def summarize(catalog: Catalog, answers: Mapping[str, Answer], design: Design | None = None) -> dict:
    design = design or make_design(id=9, created_at=WHEN, updated_at=WHEN)
    progress = walkthrough.progress(catalog, dict(answers))
    message = summary_message(SummaryInput(design, catalog, answers, progress, assess(catalog, answers)))
    return {"text": message.text, "blocks": message.blocks}


def maximal_answers(catalog: Catalog) -> dict[str, Answer]:
    return {
        question.id: make_answer(
            id=position,
            question_id=question.id,
            text=LONGEST_ANSWER,
            choices=[option.id for option in question.options],
            author_id="U" + "X" * 31,
            created_at=WHEN,
        )
        for position, question in enumerate(catalog.questions)
    }


def assert_within_slack_limits(message: dict) -> None:
    blocks = message["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    assert len(message["text"]) <= 3000
    for block in blocks:
        Block.parse(block).validate_json()  # slack_sdk's models check each block's own limits
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert text_in_blocks(blocks) <= TEXT_BUDGET  # counted as the strict fake counts (it refuses above 11,000)


def assert_inert(message: dict) -> None:
    for text in slack_text.texts(message):
        assert "<!channel>" not in text
        assert "<@U0X>" not in text
        assert "<https://evil" not in text


def test_a_maximal_design_stays_within_every_limit_and_cuts_long_answers_visibly(catalog):
    design = make_design(id=9, name="N" * 80, permalink="https://x.slack.com/archives/C1/p1", created_at=WHEN)
    message = summarize(catalog, maximal_answers(catalog), design)

    assert_within_slack_limits(message)
    assert_inert(message)
    shown = slack_text.all_text(message)
    assert "&lt;!channel&gt;" in shown and "{{ 7*7 }}" in shown  # the goal, quoted in plain words
    assert "*Key decisions*" in shown and "…" in shown  # every option picked: the labels are cut visibly
    assert LONGEST_ANSWER[:200] not in shown  # answers in full are in the design document, not the summary
    assert "/mldesign export" in shown


def huge_catalog(questions: int) -> Catalog:
    entries = "\n".join(
        f'[[areas.questions]]\nid = "q{n}"\ntitle = "{"T" * 70} {n}"\nprompt = "Question {n}?"\nhelp = "h"\n'
        for n in range(questions)
    )
    return parse_catalog(f'id = "big"\nversion = 1\ntitle = "Big"\n[[areas]]\nid = "a"\ntitle = "A"\n{entries}')


@pytest.mark.parametrize("questions", [60, 400])
def test_a_huge_custom_catalog_answered_in_full_still_fits(questions):
    catalog = huge_catalog(questions)
    message = summarize(catalog, maximal_answers(catalog))

    assert_within_slack_limits(message)


def test_open_questions_of_a_huge_catalog_are_named_in_runs_that_fit_then_point_to_the_export():
    catalog = huge_catalog(400)
    message = summarize(catalog, {})

    assert_within_slack_limits(message)
    shown = slack_text.all_text(message)
    assert shown.count(":white_circle: _Not answered yet:_") > 1
    assert re.search(r"…and \d+ more questions: `/mldesign export Churn model` has them all", shown)


def test_the_summary_shows_answers_readiness_findings_and_plain_words(catalog):
    answers = {
        "goals": make_answer(id=1, question_id="goals", text="Cut churn by 10%.", created_at=WHEN),
        "success-metric": make_answer(id=2, question_id="success-metric", choices=["ml-only"], created_at=WHEN),
        "baselines": make_answer(id=3, question_id="baselines", status="skipped", created_at=WHEN),
    }
    shown = slack_text.all_text(summarize(catalog, answers))

    assert "*Key decisions*\n:warning: *Success measure*: Only an ML metric, e.g. accuracy or AUC\n" in shown
    assert ":fast_forward: _Skipped:_ Baselines to beat\n" in shown
    assert ":white_circle: _Not answered yet:_ Current manual process · Domain experts consulted · Push-back" in shown
    assert "Cut churn by 10%. —" not in shown, "a text answer is in the design document, not the glance"
    assert "*Readiness 0%*, held back by _Problem_ · 1 risk, 1 gap" in shown
    assert "Success measured only by an ML metric" in shown and "Rules of Machine Learning" in shown
    assert "No baseline" in shown
    assert "The goal, in the team's words: “Cut churn by 10%.”" in shown


def test_the_summary_offers_deployment_the_export_and_the_thread(catalog):
    design = make_design(id=9, permalink="https://x.slack.com/archives/C1/p1", created_at=WHEN, updated_at=WHEN)
    actions = next(block for block in summarize(catalog, {}, design)["blocks"] if block["type"] == "actions")
    assert [(element["action_id"], element.get("value"), element.get("url")) for element in actions["elements"]] == [
        ("mark_deployed", "9", None),
        ("export_design", "9", None),
        ("open_thread", None, "https://x.slack.com/archives/C1/p1"),
    ]


@pytest.mark.parametrize("status", [status for status in NudgeStatus if not status.is_open])
def test_every_revisit_outcome_has_its_line_in_the_summarys_log(status):
    entry = RevisitEntry(
        title="Success target", status=status, by="U0BOB", at=datetime(2027, 1, 4, tzinfo=UTC), failure=None
    )
    text = render("summary_revisits.j2", deployed_at=entry.at, reminders=True, next_nudge=None, log=[entry])
    assert f"*Success target*: {status.outcome}" in text


def test_a_revisit_an_alert_reopened_says_so_in_the_summarys_log():
    entry = RevisitEntry(
        title="Model refresh", status="confirmed", by="U0BOB", at=datetime(2027, 1, 4, tzinfo=UTC), failure=None
    )
    alerted = RevisitEntry(**{**entry.__dict__, "by_alert": True})
    text = render("summary_revisits.j2", deployed_at=entry.at, reminders=True, next_nudge=None, log=[alerted])
    assert "*Model refresh* (reopened by an alert): still holds" in text
