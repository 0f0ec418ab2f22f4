"""The Home view stays within Slack's limits however many designs a person has."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from slack_sdk.models.views import View

from bot.render.home import MAX_DESIGNS, home_view
from flows.assessment import assess
from flows.overview import DesignOverview
from flows.walkthrough import Progress


def entry(design_id: int, catalog) -> DesignOverview:
    assessment = assess(catalog, {})
    return DesignOverview(
        design_id=design_id,
        name="N" * 200,
        channel_id="C1",
        started_by="U1",
        permalink=f"https://example.slack.com/archives/C1/p{design_id}",
        progress=Progress(0, 0, len(catalog.questions)),
        complete=False,
        readiness=assessment.readiness,
        findings=assessment.findings,
        deployed_at=datetime(2026, 12, 1, tzinfo=UTC),
        reminders=True,
        next_nudge=datetime(2026, 12, 14, 10, tzinfo=UTC),
        catalog=catalog,
        answers={},
    )


def test_a_full_home_stays_within_the_hundred_blocks_of_a_view_and_says_how_many_are_hidden(catalog):
    view = home_view(viewer="U1", entries=[entry(i, catalog) for i in range(MAX_DESIGNS)], hidden=7)

    assert len(view["blocks"]) <= 100
    assert View(**view).to_dict() == view
    assert view["blocks"][-1]["elements"][0]["text"].startswith("…and 7 older designs.")
    exports = [
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("text", {}).get("text") == "Export"
    ]
    assert [e["value"] for e in exports] == [str(i) for i in range(MAX_DESIGNS)]


def test_an_entry_says_how_many_revisits_wait_and_what_waits_on_the_viewer(catalog):
    waiting = replace(entry(1, catalog), revisits_waiting=2, waiting_on_viewer=("2. Domain experts consulted",))

    view = home_view(viewer="U1", entries=[waiting])

    shown = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert "*2 revisits wait for an answer* in the thread" in shown
    assert "*Waiting on you:* 2. Domain experts consulted" in shown
