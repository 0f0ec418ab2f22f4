"""The design in full, one click from the pinned summary: a canvas kept current as answers change, and the
Markdown export where Slack refuses canvases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.helpers import ALICE, BOB, CHANNEL, DesignThread
from tests.e2e.test_summary import exported, pinned, summaries
from tests.slack_text import all_text

pytestmark = [pytest.mark.usefixtures("bot"), pytest.mark.sqlite_only]


def long_answer(question_id: str) -> str:
    """A substantive answer of a few thousand characters, different for each question."""
    sentence = f"For {question_id}, the team weighed data freshness, label delay & cost <for> the first release. "
    return (sentence * 40)[:3_500] + f" End of {question_id}."


def answer_everything(thread: DesignThread) -> dict[str, str]:
    given: dict[str, str] = {}
    while thread.closing() is None:
        question_id = thread.current_id()
        given[question_id] = long_answer(question_id)
        thread.answer(BOB, given[question_id])
    thread.settle()
    return given


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def test_the_largest_design_has_a_compact_summary_and_a_canvas_with_every_answer_kept_current(
    slack, driver, db, start_design
):
    thread = start_design("Churn model")
    given = answer_everything(thread)
    thread.wait_until(lambda: len(summaries(slack)) == 1 and pinned(slack), timeout=15)
    [canvas] = slack.workspace.canvases()
    summary = summaries(slack)[0]

    assert len(given) == 31
    shown = all_text(summary)
    assert len(shown) < 10_000 and "End of goals." not in shown, "the summary stays compact"
    for question_id in given:
        assert f"End of {question_id}." in canvas["markdown"], f"{question_id} is in the canvas in full"
    assert "<for>" not in canvas["markdown"], "user text is escaped"
    assert "![](@U0BOB)" in canvas["markdown"], "people are canvas mentions"
    permalink = db.design("Churn model").permalink
    assert f"button in [the design's thread]({permalink})" in canvas["markdown"], "any question is a click away"
    open_design = buttons(summary)["open_canvas"]
    assert open_design["url"].endswith(f"/docs/{slack.workspace.team_id}/{canvas['id']}")
    page = httpx.get(open_design["url"])
    assert page.status_code == 200 and "End of goals." in page.text
    assert canvas["access"] == {CHANNEL: "read"}, "the channel reads it; only mldesign writes it"
    assert not [call for call in slack.workspace.calls() if call.response.get("ok") is False]

    reply = next(m["ts"] for m in thread.replies() if m.get("text") == given["goals"])
    driver.edit_message(BOB, CHANNEL, reply, "Cut churn by 12% this year.")

    thread.wait_until(lambda: "Cut churn by 12% this year." in (slack.workspace.canvas(canvas["id"]) or {})["markdown"])
    thread.settle()
    updated = slack.workspace.canvas(canvas["id"])
    assert updated is not None and "End of goals." not in updated["markdown"]
    assert [c["id"] for c in slack.workspace.canvases()] == [canvas["id"]], "updated in place, not made anew"
    assert updated["edits"] == canvas["edits"] + 1, "one edit for the one change"
    assert len(slack.workspace.calls("canvases.create")) == 1


def test_a_workspace_without_canvases_gets_the_markdown_export_instead(slack, driver, db, start_design):
    slack.workspace.free_plan = True  # Slack's free plan: no standalone canvases
    thread = start_design("Churn model")
    thread.answer(BOB, "Two analysts score accounts by hand.")
    response = driver.slash_command(ALICE, CHANNEL, "summary churn model")
    assert response.status_code == 200

    thread.wait_until(lambda: len(summaries(slack)) == 1)
    thread.settle()
    summary = summaries(slack)[0]
    assert slack.workspace.canvases() == []
    assert "open_canvas" not in buttons(summary) and "export_design" in buttons(summary)
    assert "free_teams_cannot_create_non_tabbed_canvases" in all_text(summary)
    assert db.design("Churn model").canvas_refused == "free_teams_cannot_create_non_tabbed_canvases"

    thread.click(ALICE, "export_design", message=summary)
    thread.wait_until(lambda: exported(slack))
    assert "> Two analysts score accounts by hand." in exported(slack)[0]
    thread.answer(BOB, "Our two senior analysts.")
    assert len(slack.workspace.calls("canvases.create")) == 1, "not asked again on every change (a day later)"


def test_a_canvas_a_person_deleted_is_made_anew_on_the_next_change(slack, driver, db, start_design):
    thread = start_design("Churn model")
    reply = thread.answer(BOB, "Two analysts score accounts by hand.")
    driver.slash_command(ALICE, CHANNEL, "summary churn model")
    thread.wait_until(lambda: len(slack.workspace.canvases()) == 1 and len(summaries(slack)) == 1)
    thread.settle()
    old = slack.workspace.canvases()[0]["id"]
    slack.workspace.delete_canvas(old)

    driver.edit_message(BOB, CHANNEL, reply, "A spreadsheet and two analysts.")

    thread.wait_until(lambda: len(slack.workspace.canvases()) == 1)
    thread.settle()
    [new] = slack.workspace.canvases()
    assert new["id"] != old and "A spreadsheet and two analysts." in new["markdown"]
    assert buttons(summaries(slack)[0])["open_canvas"]["url"].endswith(new["id"])
