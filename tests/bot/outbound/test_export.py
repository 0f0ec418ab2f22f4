"""The Markdown design document, and `mldesign export` on the command line."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from bot.cli import main
from bot.outbound.export import CUT_NOTE, canvas_mention, design_document, filename, fit_canvas
from storage import schema
from storage.engine import make_engine
from storage.models import FindingAcceptance, Nudge, ReviewVerdict
from tests.factories import make_answer, make_design

WHEN = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
HOSTILE = (
    "<!channel> <script>alert(1)</script> [click](https://evil.example) ![x](https://evil.example/i.png)\n"
    "# not a heading\n| not | a table |\n- not a list & {{ 7*7 }} `code` *bold*"
)


def test_every_answer_is_in_full_with_its_history_findings_and_readiness(catalog):
    long_text = "word " * 8000
    history = [
        make_answer(id=1, question_id="goals", text="First goal", created_at=WHEN, author_id="U1"),
        make_answer(id=2, question_id="goals", text=long_text, created_at=WHEN + timedelta(hours=1), author_id="U2"),
        make_answer(id=3, question_id="rollback", choices=["none"], created_at=WHEN),
        make_answer(id=4, question_id="baselines", status="skipped", created_at=WHEN),
    ]
    design = make_design(id=4, created_at=WHEN, updated_at=WHEN)

    document = design_document(
        design=design, catalog=catalog, history=history, exported_at=WHEN, person={"U2": "Bob (U2)"}.get
    )

    markdown = document.markdown
    assert document.filename == "churn-model-design.md"
    assert markdown.startswith("# Churn model\n")
    assert "> " + long_text.strip() in markdown  # in full, not cut
    assert "Answered by Bob (U2) on 2026-11-28 10:30 UTC." in markdown
    assert "<details><summary>Earlier versions (1)</summary>" in markdown and "> First goal" in markdown
    assert "**No rollback plan yet**" in markdown
    assert "Skipped by" in markdown
    assert "- **No rollback** (risk): There is no way back" in markdown
    assert re.search(r"\(risk\): [^\n]*<br>\n  Concerns: ", markdown), "a finding's concerns on their own line"
    assert "&lt;br&gt;" not in markdown
    assert "| Readiness | **0%**, held back by Problem |" in markdown
    assert markdown.count("\n### ") == len(catalog.questions)


def test_the_canvas_shows_current_answers_with_people_as_mentions_and_no_html(catalog):
    history = [
        make_answer(id=1, question_id="goals", text="First goal", created_at=WHEN, author_id="U1"),
        make_answer(id=2, question_id="goals", text=HOSTILE, created_at=WHEN, author_id="U2"),
        make_answer(id=3, question_id="rollback", choices=["none"], created_at=WHEN, author_id="U2"),
    ]

    markdown = design_document(
        design=make_design(id=4, created_at=WHEN, updated_at=WHEN),
        catalog=catalog,
        history=history,
        exported_at=WHEN,
        person=canvas_mention,
        canvas=True,
    ).markdown

    assert "Answered by ![](@U2) on" in markdown
    assert "<details>" not in markdown and "<br>" not in markdown and "<script>" not in markdown
    assert "_1 earlier version: the Markdown export (`/mldesign export Churn model`) has the history._" in markdown
    assert "> First goal" not in markdown, "earlier versions are the export's"
    assert "(risk): There is no way back" in markdown and " — Concerns: " in markdown


def test_the_canvas_is_cut_to_slacks_limit_and_says_where_the_rest_is():
    answers = [make_answer(id=n, question_id=f"q{n}", text="&" * 100_000) for n in range(30)]

    fitted = fit_canvas(answers, budget=300_000)

    assert all(len(answer.text) == 10_000 for answer in fitted)
    assert all(answer.text.endswith(CUT_NOTE) for answer in fitted)
    assert fit_canvas(answers[:2], budget=300_000) == answers[:2], "what fits is kept whole"


def test_user_text_stays_inert_in_markdown(catalog):
    history = [make_answer(id=1, question_id="goals", text=HOSTILE, created_at=WHEN)]
    design = make_design(id=4, name="<b>x</b> | [y](z)", created_at=WHEN, updated_at=WHEN)

    markdown = design_document(design=design, catalog=catalog, history=history, exported_at=WHEN).markdown

    for live in ("<!channel>", "<script>", "[click](", "![x](", "<b>", "\n# not", "\n> # not", "| not |", "`code`"):
        assert live not in markdown
    assert "&lt;script&gt;" in markdown and "\\[click\\]" in markdown and "{{ 7\\*7 }}" in markdown
    assert "# &lt;b&gt;x&lt;/b&gt; \\| \\[y\\](z)\n" in markdown
    # The plain-language paragraph quotes the goal: escaped there too.
    paragraph = markdown.split("## In plain words\n\n", 1)[1].split("\n", 1)[0]
    assert "&lt;!channel&gt;" in paragraph


@pytest.mark.parametrize("line_end", ["\r", "\r\n", "\n"], ids=["lone-cr", "crlf", "lf"])
def test_no_line_ending_lets_an_answer_start_markdown_blocks(catalog, line_end):
    """CommonMark ends a line at a lone carriage return too: each such line is escaped and quoted like any other."""
    text = line_end.join(["Fine", "# Injected heading", "- a list", "1. numbered", "==="])
    history = [make_answer(id=1, question_id="goals", text=text, created_at=WHEN)]
    design = make_design(id=4, created_at=WHEN, updated_at=WHEN)

    markdown = design_document(design=design, catalog=catalog, history=history, exported_at=WHEN).markdown

    assert "\r" not in markdown
    assert "> Fine\n> \\# Injected heading\n> \\- a list\n> 1\\. numbered\n> \\===\n" in markdown


def test_a_deployed_design_lists_its_revisits_with_their_outcomes(catalog):
    design = make_design(id=4, created_at=WHEN, updated_at=WHEN, deployed_at=WHEN, remind_every_days=30)
    revisits = [
        Nudge(
            team_id="T1",
            design_id=4,
            question_id="refresh-cadence",
            status="confirmed",
            resolved_by="U2",
            resolved_at=WHEN,
        ),
        Nudge(
            team_id="T1",
            design_id=4,
            question_id="feedback-loop",
            status="failed",
            failure="is_archived | <x>",
            resolved_at=WHEN,
        ),
    ]

    markdown = design_document(
        design=design, catalog=catalog, history=[], exported_at=WHEN, person={"U2": "Bob (U2)"}.get, revisits=revisits
    ).markdown

    assert "## After deployment\n\nDeployed 2026-11-28 09:30 UTC." in markdown and "(every 30 days)" in markdown
    assert "| 2026-11-28 09:30 UTC | Model refresh | still holds | Bob (U2) |" in markdown
    assert "| could not be sent (is\\_archived \\| &lt;x&gt;) |" in markdown


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Churn model", "churn-model-design.md"),
        ("Früh/Warn: v2!", "fr-h-warn-v2-design.md"),
        ("日本語", "design-4-design.md"),
    ],
)
def test_file_names_are_safe_everywhere(name, expected):
    assert filename(make_design(id=4, name=name)) == expected


@pytest.fixture
def cli_database(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'export.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("MLDESIGN_CATALOG", raising=False)
    schema.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        for design in (
            make_design(id=1, name="Churn model", channel_id="C1", created_at=WHEN),
            make_design(id=2, name="Churn model", channel_id="C2", created_at=WHEN),
            make_design(id=3, name="Fraud", team_id="T2", created_at=WHEN),
        ):
            session.add(design)
        session.flush()
        session.add(make_answer(design_id=3, team_id="T2", question_id="goals", text="Stop fraud", created_at=WHEN))
        session.commit()
    yield
    engine.dispose()


def test_cli_prints_the_document_of_a_design_found_by_name(cli_database, capsys):
    assert main(["export", "fraud"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Fraud\n") and "> Stop fraud" in out


def test_cli_finds_a_design_by_id_within_a_team(cli_database, capsys):
    assert main(["export", "2", "--team", "T1"]) == 0
    assert capsys.readouterr().out.startswith("# Churn model\n")


def test_cli_lists_the_matches_of_an_ambiguous_name_and_fails(cli_database, capsys):
    assert main(["export", "churn model"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "matches 2 designs" in captured.err
    assert re.search(r"^  1  Churn model  \(workspace T1, channel C1", captured.err, re.MULTILINE)
    assert re.search(r"^  2  Churn model  \(workspace T1, channel C2", captured.err, re.MULTILINE)


@pytest.mark.parametrize("argv", [["export", "nothing"], ["export", "fraud", "--team", "T1"]])
def test_cli_says_when_nothing_matches(cli_database, capsys, argv):
    assert main(argv) == 1
    assert "no design named or numbered" in capsys.readouterr().err


def test_the_document_shows_an_accepted_finding_and_every_acceptance_it_had(catalog):
    history = [make_answer(id=3, question_id="rollback", choices=["none"], created_at=WHEN)]
    design = make_design(id=4, created_at=WHEN, updated_at=WHEN)
    ended = FindingAcceptance(
        id=1,
        design_id=4,
        team_id="T1",
        rule_id="no-rollback",
        rationale="First try.",
        accepted_by="U1",
        accepted_at=WHEN - timedelta(days=60),
        until=(WHEN - timedelta(days=1)).date(),
    )
    holds = FindingAcceptance(
        id=2,
        design_id=4,
        team_id="T1",
        rule_id="no-rollback",
        rationale=HOSTILE,
        accepted_by="U2",
        accepted_at=WHEN,
        until=(WHEN + timedelta(days=30)).date(),
    )

    markdown = design_document(
        design=design,
        catalog=catalog,
        history=history,
        exported_at=WHEN,
        person={"U1": "Ann (U1)", "U2": "Bob (U2)"}.get,
        acceptances=[ended, holds],
    ).markdown

    assert "**Accepted** by Bob (U2) on 2026-11-28 09:30 UTC, until 2026-12-28" in markdown
    assert "| Review findings | 0 open, 1 accepted |" in markdown
    table = markdown.split("### Accepted findings, all told", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| 2026")]
    assert [row.rsplit("|", 2)[1].strip() for row in rows] == ["holds", "ended"], "newest first"
    assert "Ann (U1)" in rows[1] and "First try." in rows[1]
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown


def test_the_document_says_who_approved_which_version_and_when(catalog):
    history = [
        make_answer(id=3, question_id="goals", text="Cut churn.", created_at=WHEN),
        make_answer(id=5, question_id="rollback", choices=["none"], created_at=WHEN),
        make_answer(id=6, question_id="goals", text="Cut churn by 10%.", created_at=WHEN, author_id="U2"),
    ]
    verdicts = [
        ReviewVerdict(
            id=1,
            design_id=4,
            team_id="T1",
            reviewer="U1",
            verdict="changes",
            comment=HOSTILE,
            version=3,
            decided_at=WHEN,
        ),
        ReviewVerdict(
            id=2,
            design_id=4,
            team_id="T1",
            reviewer="U1",
            verdict="approve",
            version=5,
            decided_at=WHEN + timedelta(hours=1),
        ),
        ReviewVerdict(id=3, design_id=4, team_id="T1", reviewer="U2", verdict="approve", version=3, decided_at=WHEN),
    ]
    markdown = design_document(
        design=make_design(id=4, created_at=WHEN, updated_at=WHEN),
        catalog=catalog,
        history=history,
        exported_at=WHEN,
        person={"U1": "Ann (U1)", "U2": "Bob (U2)"}.get,
        reviewers=["U1", "U2"],
        verdicts=verdicts,
    ).markdown

    assert "| Sign-off | In review: 0 of 2 reviewers approved these answers |" in markdown
    assert "Reviewers: Ann (U1) (approved an earlier version), Bob (U2) (approved an earlier version)." in markdown
    assert "| 2026-11-28 10:30 UTC | Ann (U1) | approved | 5 |  |" in markdown
    assert "| 2026-11-28 09:30 UTC | Ann (U1) | requested changes | 3 |" in markdown
    assert "<script>" not in markdown
    changed = markdown.split("### Changed since the latest approval", 1)[1].split("\n## ", 1)[0]
    assert changed.strip() == (
        "- **Goals and deliverables** changed by Bob (U2) on 2026-11-28 09:30 UTC. Before: “Cut churn.”. "
        "Now: “Cut churn by 10%.”."
    )


def test_a_design_nobody_was_asked_to_review_is_a_draft(catalog):
    markdown = design_document(
        design=make_design(id=4, created_at=WHEN, updated_at=WHEN), catalog=catalog, history=[], exported_at=WHEN
    ).markdown
    assert "| Sign-off | Draft: no review asked for yet |" in markdown and "## Sign-off" not in markdown
