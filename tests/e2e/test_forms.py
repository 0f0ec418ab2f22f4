"""Answering in a form: any question at any time from the summary, `/mldesign status` or Home, and a whole area in one
modal, each answer a new version as a reply would make it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.helpers import ALICE, BOB, CAROL, CHANNEL, poll_until, question_id_of
from tests.slack_text import all_text

pytestmark = pytest.mark.usefixtures("bot")


def text_value(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text_input", "value": value}}


def opened_form(slack: Any, user: str) -> dict[str, Any]:
    slack.workspace.wait_for(lambda ws: ws.open_modals(user) != [])
    [form] = slack.workspace.open_modals(user)
    return form


def test_a_skipped_question_is_answered_from_the_summary_after_the_end(slack, driver, db, catalog, start_design):
    thread = start_design("Fraud triage")
    for _ in catalog.questions:
        thread.click_and_wait(ALICE, "skip_question")
    thread.wait_until(lambda: db.design("Fraud triage").summary_ts is not None)
    summary_ts = db.design("Fraud triage").summary_ts

    driver.click(BOB, CHANNEL, summary_ts, "pick_question", selected="manual-process")

    form = opened_form(slack, BOB)
    assert "1. How is this job done today without ML?" in all_text(form)
    response = driver.submit_view(
        BOB, form["id"], {"text:manual-process": text_value("Two analysts triage flagged payments & <refunds>.")}
    )
    assert response.status_code == 200 and slack.workspace.open_modals(BOB) == [], "saved and closed"
    poll_until(lambda: db.answers("Fraud triage")["manual-process"].status == "answered", what="the answer stored")
    stored = db.answers("Fraud triage")["manual-process"]
    assert (stored.text, stored.author_id) == ("Two analysts triage flagged payments & <refunds>.", BOB)
    assert [a.status for a in db.history("Fraud triage", "manual-process")] == ["skipped", "answered"]
    summary = lambda: all_text(slack.workspace.message(CHANNEL, summary_ts) or {})  # noqa: E731
    thread.wait_until(lambda: f"1 answered, {len(catalog.questions) - 1} skipped" in summary())
    first = slack.workspace.message(CHANNEL, thread.questions()[0]["ts"])
    assert "<@U0BOB> answered in a form" in all_text(first) and "&amp; &lt;refunds&gt;" in str(first["blocks"])


def test_an_area_is_answered_in_one_form_and_the_walkthrough_moves_past_what_it_answered(
    slack, driver, db, start_design
):
    thread = start_design("Fraud triage")
    driver.click(ALICE, CHANNEL, thread.current()["ts"], "open_area_form")

    form = opened_form(slack, ALICE)
    inputs = [block["block_id"] for block in form["blocks"] if block["type"] == "input"]
    assert inputs[:2] == ["text:manual-process", "text:domain-experts"] and "choice:compliance" in inputs
    assert len(form["blocks"]) <= 100 and len(form["private_metadata"]) <= 3000
    driver.submit_view(
        ALICE,
        form["id"],
        {
            "text:manual-process": text_value("By hand, every morning."),
            "text:domain-experts": text_value("The fraud ops lead."),
            "choice:success-metric": {"choice": {"type": "radio_buttons", "selected_option": {"value": "business"}}},
            "choice:compliance": {
                "choice": {
                    "type": "checkboxes",
                    "selected_options": [{"value": "contractual"}, {"value": "regulatory"}],
                }
            },
            "text:compliance": text_value("PSD2 and the card schemes' rules."),
        },
    )

    poll_until(lambda: "compliance" in db.answers("Fraud triage"), what="the area's answers stored")
    answers = db.answers("Fraud triage")
    assert answers["manual-process"].text == "By hand, every morning."
    assert answers["success-metric"].choices == ["business"]
    assert (answers["compliance"].choices, answers["compliance"].text) == (
        ["contractual", "regulatory"],
        "PSD2 and the card schemes' rules.",
    )
    assert {a.author_id for a in answers.values()} == {ALICE}
    assert "push-back" not in answers, "boxes left empty change nothing"
    thread.wait_until(lambda: question_id_of(thread.current()) == "push-back")
    thread.settle()
    assert thread.current_id() == "push-back", "the walkthrough goes on from the first question still open"


def test_the_form_refuses_an_empty_submission_and_an_option_it_never_offered(slack, driver, db, start_design):
    thread = start_design("Fraud triage")
    driver.click(ALICE, CHANNEL, thread.current()["ts"], "open_area_form")
    form = opened_form(slack, ALICE)

    empty = driver.submit_view(ALICE, form["id"], {})

    assert empty.json() == {
        "response_action": "errors",
        "errors": {"text:manual-process": "Write an answer or pick an option first."},
    }
    forged = driver.submit_view(
        ALICE, form["id"], {"choice:success-metric": {"choice": {"type": "radio_buttons", "selected_option": None}}}
    )
    assert forged.json()["response_action"] == "errors"
    assert db.answers("Fraud triage") == {}


def test_status_and_home_open_any_question_prefilled_to_change_it(slack, driver, db, start_design):
    thread = start_design("Fraud triage")
    thread.answer(BOB, "By hand, every morning.")

    driver.slash_command(CAROL, CHANNEL, "status Fraud triage")
    status = slack.workspace.ephemerals(channel=CHANNEL, user=CAROL)[-1]
    driver.click(CAROL, CHANNEL, status["ts"], "pick_question", selected="manual-process")
    form = opened_form(slack, CAROL)
    [text_input] = [b["element"] for b in form["blocks"] if b.get("block_id") == "text:manual-process"]
    assert text_input["initial_value"] == "By hand, every morning.", "prefilled with the current answer"
    driver.close_view(CAROL, form["id"])

    driver.open_home(BOB)
    slack.workspace.wait_for(lambda ws: ws.home_view(BOB) is not None)
    home = slack.workspace.home_view(BOB)
    driver.view_action(BOB, home["id"], "pick_question", selected="domain-experts")
    form = opened_form(slack, BOB)
    driver.submit_view(BOB, form["id"], {"text:domain-experts": text_value("Carol, who runs fraud ops.")})

    poll_until(lambda: "domain-experts" in db.answers("Fraud triage"), what="the answer from Home stored")
    assert db.answers("Fraud triage")["domain-experts"].author_id == BOB
    thread.wait_until(lambda: question_id_of(thread.current()) == "push-back")
