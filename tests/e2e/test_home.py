"""The App Home tab: each person sees the designs they started or answered, with progress, readiness,
findings and the next revisit, and can open the thread or export the document from there."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import ALICE, BOB, CAROL, CHANNEL, DesignThread
from tests.slack_text import all_text

pytestmark = [pytest.mark.usefixtures("bot"), pytest.mark.sqlite_only]


def open_home(slack, driver, user: str) -> dict:
    before = (slack.workspace.home_view(user) or {}).get("hash")
    response = driver.open_home(user)
    assert response.status_code == 200
    slack.workspace.wait_for(lambda ws: (ws.home_view(user) or {}).get("hash") not in (None, before))
    view = slack.workspace.home_view(user)
    assert view is not None
    return view


def test_a_person_sees_the_designs_they_started_or_answered_and_no_others(slack, driver, start_design):
    churn = start_design("Churn model", user=ALICE)
    fraud = start_design("Fraud <!channel> & co", user=CAROL)
    fraud.answer(BOB, "Chargebacks are reviewed by hand.")
    start_design("Search ranking", user=CAROL)
    churn.click_and_wait(ALICE, "skip_question")

    alice, bob = all_text(open_home(slack, driver, ALICE)), all_text(open_home(slack, driver, BOB))

    assert "Churn model" in alice and "you started it" in alice
    assert "Fraud" not in alice and "Search ranking" not in alice
    assert "Fraud &lt;!channel&gt; &amp; co" in bob, "a design's name is shown as typed, never as a broadcast"
    assert "<!channel>" not in bob
    assert "Churn model" not in bob and "Search ranking" not in bob
    assert "1/31 answered" in bob
    assert "readiness *0%*" in bob


def test_findings_readiness_and_the_next_revisit_are_shown(slack, driver, start_design):
    thread = start_design("Churn model")
    while thread.closing() is None:  # skip every question: a design with no baseline and no feedback loop
        thread.click_and_wait(ALICE, "skip_question")
    driver.slash_command(ALICE, CHANNEL, "deployed Churn model")
    thread.settle()

    shown = all_text(open_home(slack, driver, ALICE))

    assert ":warning: " in shown and " open findings: " in shown
    assert "0/31 answered, 31 skipped · complete" in shown
    assert ":rocket: Deployed" in shown
    assert "next revisit <!date^" in shown


def test_someone_with_no_design_gets_a_way_to_start_one(slack, driver):
    shown = all_text(open_home(slack, driver, CAROL))

    assert "You haven't started or answered a design yet" in shown
    assert "/mldesign start &lt;name&gt;" in shown


def test_the_home_buttons_open_the_thread_and_export_the_document(slack, driver, start_design):
    thread: DesignThread = start_design("Churn model")
    view = open_home(slack, driver, ALICE)
    link = [
        element
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "open_thread"
    ]

    response = driver.view_action(ALICE, view["id"], "export_design")

    assert response.status_code == 200
    assert link and link[0]["url"] == thread.db.design("Churn model").permalink
    slack.workspace.wait_for(
        lambda ws: any(f["state"] == "complete" and "Churn model" in f["text"] for f in ws.files()), timeout=10
    )
    uploaded = [f for f in slack.workspace.files() if f["state"] == "complete"]
    assert len(uploaded) == 1
