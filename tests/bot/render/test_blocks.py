"""Block Kit and templates: every message fits Slack's limits and every piece of user text is inert."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from bot.render import blocks
from bot.render.signoff import changes_message
from bot.render.summary import RevisitEntry
from bot.render.text import TEMPLATES_DIR, escape_mrkdwn, join_labels, render, truncate_mrkdwn, unescape_slack
from flows.acceptance import Acceptance
from flows.brief import Brief
from flows.catalog import load_catalog
from flows.changes import Change, ChangeKind
from flows.overview import DesignOverview
from flows.readiness import AreaReadiness, Readiness
from flows.review import Finding
from flows.rules import Severity
from flows.signoff import Review, ReviewerState, ReviewStatus, Verdict
from flows.walkthrough import Progress
from storage.models import Answer, Design
from tests import slack_text
from tests.factories import make_answer, make_design

HOSTILE = "<!channel> <@U0X> <https://evil.example|x> & {{ 7*7 }}"


def design(name: str = HOSTILE) -> Design:
    return make_design(id=7, name=name)


def texts(message: blocks.Message) -> list[str]:
    return slack_text.texts({"text": message.text, "blocks": message.blocks})


def assert_inert(message: blocks.Message) -> None:
    for text in texts(message):
        assert "<!channel>" not in text
        assert "<https://evil" not in text
    shown = "".join(texts(message))
    if "evil.example" in shown:  # where user text is shown, it is shown as written, never evaluated
        assert "{{ 7*7 }}" in shown


def test_escape_and_unescape_are_inverse_for_slack_control_characters():
    assert escape_mrkdwn("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert unescape_slack(escape_mrkdwn(HOSTILE)) == HOSTILE


def test_parent_message_escapes_the_design_name(catalog):
    message = blocks.parent_message(design(), catalog, Progress(answered=0, skipped=0, total=31))
    assert_inert(message)
    assert any("&lt;!channel&gt;" in text for text in texts(message))


def test_every_question_of_the_catalog_renders_within_slacks_limits(catalog):
    long_answer = make_answer(id=1, text=HOSTILE * 1000, source_ts="1700000000.000100")  # a reply's answer
    for question in catalog.questions:
        for answer in (None, long_answer.model_copy(update={"question_id": question.id})):
            message = blocks.question_message(
                design=design(), catalog=catalog, question=question, answer=answer, is_current=True
            )
            assert len(message.blocks) <= 50
            assert all(len(text) <= 3000 for text in texts(message))
            assert_inert(message)
            if answer is not None:
                assert not any("evil.example" in text for text in texts(message)), (
                    "the reply is right below its question: the bot doesn't repeat it"
                )


def test_an_answer_given_in_a_form_is_shown_on_its_question_since_no_reply_holds_it(catalog):
    question = catalog.question("manual-process")
    answer = make_answer(id=1, question_id=question.id, text=HOSTILE * 1000, source_ts=None)

    message = blocks.question_message(
        design=design(), catalog=catalog, question=question, answer=answer, is_current=False
    )

    shown = "\n".join(texts(message))
    assert "answered in a form" in shown and "evil.example" in shown
    assert all(len(text) <= 3000 for text in texts(message))
    assert_inert(message)


def test_a_questions_notification_text_names_no_total_where_follow_ups_make_it_unknown():
    catalog = load_catalog()  # version 2: follow-ups apply as the answers say
    question = catalog.questions[0]

    message = blocks.question_message(design=design(), catalog=catalog, question=question, answer=None, is_current=True)

    assert catalog.has_follow_ups
    assert message.text.startswith(f"Question 1: {escape_mrkdwn(question.prompt)}")


SLACK_TEMPLATES = sorted(path.name for path in TEMPLATES_DIR.glob("*.j2") if not path.name.endswith(".md.j2"))
WHEN = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


def hostile_values() -> dict[str, Any]:
    """A value for every name any template uses, each carrying user-controlled text where it can."""
    area = AreaReadiness(area_id="a", title=HOSTILE, total=3, decided=2, evidenced=1, score=1.5)
    finding = Finding(
        rule_id="r",
        title=HOSTILE,
        severity=Severity.RISK,
        reason=HOSTILE,
        source=HOSTILE,
        plain=HOSTILE,
        question_ids=("q",),
    )
    acceptance = Acceptance("r", HOSTILE, "U0ALICE", WHEN, WHEN.date())
    accepted = replace(finding, acceptance=acceptance)
    return {
        "acceptance": acceptance,
        "name": HOSTILE,
        "code": HOSTILE,
        "canvas": True,
        "example": 7,
        "canvas_refused": HOSTILE,
        "message": HOSTILE,
        "help": HOSTILE,
        "good_answer": HOSTILE,
        "follows_up": HOSTILE,
        "prompt": HOSTILE,
        "area_title": HOSTILE,
        "catalog_title": HOSTILE,
        "started_by": "U0ALICE",
        "permalink": "https://example.slack.com/archives/C/p1",
        "progress": Progress(1, 0, 3),
        "bar": "█░",
        "complete": False,
        "number": 1,
        "total": 3,
        "current_prompt": HOSTILE,
        "answer": Answer(team_id="T", question_id="q", status="answered", text=HOSTILE, author_id="U1"),
        "chosen": [HOSTILE],
        "is_current": True,
        "has_options": True,
        "is_multi": True,
        "designs": [
            {
                "name": HOSTILE,
                "permalink": None,
                "complete": False,
                "progress": Progress(1, 0, 3),
                "deployed_at": WHEN,
                "reminders": True,
                "next_nudge": WHEN,
                "review": Review(status=ReviewStatus.IN_REVIEW, reviewers=(), version=1, left=("U0BOB",)),
            }
        ],
        "with_help": True,
        "started_at": WHEN,
        "updated_at": WHEN,
        "readiness": Readiness(areas=(area,)),
        "area": area,
        "findings": [finding, accepted],
        "finding": accepted,
        "brief": Brief(
            goal=HOSTILE,
            success=HOSTILE,
            needs=(HOSTILE,),
            risks=(HOSTILE,),
            undecided=(HOSTILE,),
            accepted=1,
            asks=(HOSTILE,),
            since_launch=HOSTILE,
        ),
        "title": HOSTILE,
        "flagged": True,
        "excerpt": HOSTILE,
        "count": 3,
        "posted": True,
        "kind": "open",
        "titles": [HOSTILE],
        "deployed_at": WHEN,
        "owner": "U0ALICE",
        "revisits": 2,
        "next_nudge": WHEN,
        "off": False,
        "now": False,
        "every": 30,
        "reminders": True,
        "log": [RevisitEntry(title=HOSTILE, status="failed", by="U1", at=WHEN, failure=HOSTILE)],
        "status": "failed",
        "confirmed_at": WHEN,
        "confirmed_by": "U1",
        "answered_at": WHEN,
        "resolved_by": "U1",
        "resolved_at": WHEN,
        "failure": HOSTILE,
        "give_up_at": WHEN,
        "viewer": "U0ALICE",
        "answers": 3,
        "by": "U0ALICE",
        "changed": "add",
        "owners": ["U0ALICE", "U0BOB"],
        "reviewers": ["U0ALICE", "U0BOB"],
        "action": "delete it",
        "starter": "U0ALICE",
        "outcome": HOSTILE,
        "hidden": 3,
        "assignee": "U0BOB",
        "walk_complete": False,
        "read": HOSTILE,
        "since_launch": HOSTILE,
        "review": Review(
            status=ReviewStatus.CHANGES_REQUESTED,
            reviewers=(ReviewerState("U0BOB", Verdict.CHANGES, 3, WHEN, current=True, comment=HOSTILE),),
            version=3,
        ),
        "asking": ["U0ALICE"],
        "since": HOSTILE,
        "items": [
            {"kind": kind, "title": HOSTILE, "before": HOSTILE, "after": HOSTILE, "by": "U0BOB", "at": WHEN}
            for kind in ("added", "changed", "withdrawn")
        ],
        "approved": 1,
        "more": 2,
        "measured": HOSTILE,
        "number_asked": HOSTILE,
        "waiting_on": "U0BOB",
        "target": HOSTILE,
        "url": HOSTILE,
        "path": "/hooks/alerts",
        "token": "mldesign_abc",
        "created_by": "U0ALICE",
        "created_at": WHEN,
        "rotated": True,
        "alerts": [
            SimpleNamespace(
                name=HOSTILE,
                summary=HOSTILE,
                link="https://ok.example/a|b>c",
                starts_at=WHEN,
                resolved_at=WHEN,
                ended_at=None,
            )
        ],
        "entry": DesignOverview(
            design_id=1,
            name=HOSTILE,
            channel_id="C1",
            started_by="U0ALICE",
            permalink="https://example.slack.com/archives/C/p1",
            progress=Progress(1, 0, 3),
            complete=False,
            readiness=Readiness(areas=(area,)),
            findings=(finding, finding),
            deployed_at=WHEN,
            reminders=True,
            next_nudge=WHEN,
            catalog=load_catalog(),
            answers={},
        ),
    }


@pytest.mark.parametrize("template", SLACK_TEMPLATES)
def test_every_template_escapes_what_it_is_given(template):
    rendered = render(template, **hostile_values())
    assert "<!channel>" not in rendered
    assert "<https://evil" not in rendered
    if "&lt;!channel&gt;" in rendered:  # templates that show user text show it as written, never evaluated
        assert "{{ 7*7 }}" in rendered


def test_an_alerts_source_link_can_neither_end_early_nor_bring_its_own_label():
    rendered = render("nudge_alert.j2", **hostile_values())
    assert "<https://ok.example/a%7Cb&gt;c|source>" in rendered
    assert "resolved" in rendered


def test_an_answered_question_names_who_answered_without_repeating_the_reply():
    answer = Answer(
        team_id="T", question_id="q", status="answered", text="a <!here>\nb & c", author_id="U1", source_ts="1.2"
    )
    rendered = render(
        "question_state.j2",
        answer=answer,
        chosen=[],
        is_current=False,
        has_options=False,
        is_multi=False,
        read=None,
        number_asked=None,
    )
    assert rendered == ":white_check_mark: <@U1> answered in the thread"


@pytest.mark.parametrize(
    ("text", "is_current", "shown"),
    [
        ("p99 under 150 ms", True, "Read as *p99 150 ms*"),
        ("About 2s end to end", False, "Read as *2 s*"),
        ("Fast enough for checkout", True, "couldn't read a number in it. What is it? Reply with the number"),
        ("Fast enough for checkout", False, "No number read in it"),
    ],
)
def test_a_quantity_question_shows_the_number_it_read_or_asks_for_it(default_catalog, text, is_current, shown):
    design = make_design(id=7, current_question_id="latency-target" if is_current else "goals")
    answer = make_answer(question_id="latency-target", text=text, source_ts="1.2")
    message = blocks.question_message(
        design=design,
        catalog=default_catalog,
        question=default_catalog.question("latency-target"),
        answer=answer,
        is_current=is_current,
    )
    assert any(shown in text for text in texts(message))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x" * 7 + " &amp; more", "x" * 7 + "…"),  # the cut falls inside the escape: it goes whole
        ("x" * 8 + "&lt;", "x" * 8 + "…"),
        ("see <@U0ALICE> now", "see…"),  # inside a mention
        ("on <!date^1764400000^{date_short}|2025-11-29>", "on…"),  # inside a date token
        ("ok &amp; <@U1> fine", "ok &amp;…"),  # whole tokens before the cut are kept
        ("short", "short"),
    ],
)
def test_rendered_text_is_never_cut_inside_an_escape_or_a_token(text, expected):
    assert truncate_mrkdwn(text, 11 if "date" not in text else 20) == expected


def test_the_channels_list_puts_its_heading_and_each_design_on_a_line_of_its_own():
    progress = SimpleNamespace(answered=1, total=31, skipped=0)
    designs = [
        SimpleNamespace(
            permalink=None,
            name=name,
            progress=progress,
            complete=False,
            deployed_at=None,
            reminders=True,
            next_nudge=None,
            review=None,
        )
        for name in ("Fraud triage", "Churn model")
    ]

    rendered = render("list.j2", designs=designs, hidden=2)

    assert rendered.split("\n") == [
        "*Designs in this channel*, the most recently changed first",
        "• *Fraud triage*: 1/31 answered",
        "• *Churn model*: 1/31 answered",
        "…and 2 more, changed less recently. `/mldesign status &lt;name&gt;` shows any design.",
    ]


def test_chosen_options_are_separated_by_semicolons_when_a_label_holds_a_comma():
    assert join_labels(["Batch", "Streaming"]) == "Batch, Streaming"
    assert join_labels(["Business metric, e.g. revenue", "ML metric"]) == "Business metric, e.g. revenue; ML metric"


@pytest.mark.parametrize(("percent", "held_back"), [(100, False), (60, True)])
def test_only_a_design_not_fully_ready_is_said_to_be_held_back(percent, held_back):
    values = hostile_values() | {"readiness": SimpleNamespace(percent=percent, weakest=SimpleNamespace(title="Data"))}

    shown = [render(name, **values) for name in ("summary_overview.j2", "status.j2")]

    assert all(("held back by _Data_" in text) is held_back for text in shown)


def test_changes_show_options_by_their_labels_and_stay_within_a_section(catalog):
    before = make_answer(id=1, question_id="rollback", choices=["none"], created_at=WHEN)
    after = make_answer(id=2, question_id="rollback", choices=["one-step"], created_at=WHEN, author_id="U0BOB")
    change = Change("rollback", ChangeKind.CHANGED, before, after, "U0BOB", WHEN)
    long = make_answer(id=3, question_id="goals", text="word " * 2000, created_at=WHEN)
    many = [Change("goals", ChangeKind.ADDED, None, long, "U0BOB", WHEN)] * 30
    message = changes_message(design(), catalog, "the latest approval (2026-11-28)", [change, *many])
    text = texts(message)[0]
    assert "“No rollback plan yet” → “One step back to the previous version”" in text
    assert "…and 21 more" in text and len(message.blocks[0]["text"]["text"]) <= 3000


@pytest.mark.parametrize(
    ("template", "item"),
    [("review.j2", "has not decided yet"), ("changes.j2", "changed by"), ("nudge_alert.j2", "firing since")],
)
def test_each_item_of_a_listing_template_is_on_its_own_line(template, item):
    """Jinja's trim_blocks eats the line break after a tag ending a line: a list's items ran together once."""
    values = hostile_values()
    person = ReviewerState("U0BOB", None, None, None, current=False, comment="")
    values["review"] = Review(status=ReviewStatus.IN_REVIEW, reviewers=(person, person), version=1)
    values["items"] = [{**values["items"][1], "title": "T"}] * 2
    values["alerts"] = [SimpleNamespace(**{**values["alerts"][0].__dict__, "resolved_at": None})] * 2
    lines = render(template, **values).splitlines()
    assert len([line for line in lines if item in line]) == 2, lines
