"""Summary rendering, in process: the CPU work behind every update of the pinned summary (progress, review
rules, readiness, brief, Jinja2 templates, Block Kit models and the JSON Slack receives), without database or
Web API time. Run alone: `python -m benchmarks.summary`.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import Check, Outcome
from bot.render.summary import MAX_LOG, RevisitEntry, SummaryInput, summary_message
from flows import walkthrough
from flows.assessment import assess
from flows.catalog import Catalog, load_catalog
from storage.models import Answer, Design

RUNS = 300
WHEN = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
# Slack's own limit on a message: the longest answer anyone can give, with text that must be escaped throughout.
LONGEST_ANSWER = ("<!channel> & <https://example.com|link> {{ 7*7 }} " * 1000)[:40_000]


def design(*, name: str, deployed: bool) -> Design:
    return Design(
        id=1,
        team_id="T0SANDBOX",
        channel_id="C0MLTEAM",
        name=name,
        name_key=name.casefold(),
        started_by="U0ALICE",
        catalog_id="designing-effective-ml-systems",
        catalog_version=1,
        current_question_id=None,
        permalink="https://sandbox.slack.com/archives/C0MLTEAM/p1",
        created_at=WHEN,
        updated_at=WHEN,
        deployed_at=WHEN if deployed else None,
    )


def answer(number: int, question_id: str, text: str, choices: list[str], author: str, at: datetime) -> Answer:
    return Answer(
        id=number,
        team_id="T0SANDBOX",
        question_id=question_id,
        status="answered",
        text=text,
        choices=choices,
        author_id=author,
        created_at=at,
    )


def largest(catalog: Catalog) -> SummaryInput:
    """Every question answered at Slack's maximum length with every option chosen, deployed, a full revisit log."""
    answers = {
        question.id: answer(
            number, question.id, LONGEST_ANSWER, [option.id for option in question.options], "U" + "X" * 31, WHEN
        )
        for number, question in enumerate(catalog.questions)
    }
    log = [
        RevisitEntry(title="Refresh cadence " * 8, status="confirmed", by="U0ALICE", at=WHEN, failure=None)
        for _ in range(MAX_LOG)
    ]
    return _input(catalog, design(name="N" * 80, deployed=True), answers, log)


def typical(catalog: Catalog) -> SummaryInput:
    """A review in progress: two thirds of the questions answered in a sentence or two, the first option chosen."""
    answered = catalog.questions[: len(catalog.questions) * 2 // 3]
    sentence = "We score nightly in batch; analysts review the top decile each morning."
    answers = {
        question.id: answer(
            number,
            question.id,
            "" if question.options else sentence,
            [question.options[0].id] if question.options else [],
            "U0BOB",
            WHEN - timedelta(days=1),
        )
        for number, question in enumerate(answered)
    }
    return _input(catalog, design(name="Churn model", deployed=False), answers, [])


def _input(catalog: Catalog, row: Design, answers: dict[str, Answer], log: list[RevisitEntry]) -> SummaryInput:
    progress = walkthrough.progress(catalog, answers)
    return SummaryInput(row, catalog, answers, progress, assess(catalog, answers), WHEN, log)


def render_once(summary: SummaryInput) -> str:
    """What the publisher does with the rows it read: review, readiness, message, the JSON sent to Slack."""
    progress = walkthrough.progress(summary.catalog, summary.answers)
    assessment = assess(summary.catalog, summary.answers)
    message = summary_message(
        SummaryInput(
            summary.design,
            summary.catalog,
            summary.answers,
            progress,
            assessment,
            summary.next_nudge,
            summary.revisit_log,
        )
    )
    return json.dumps({"text": message.text, "blocks": message.blocks})


def timings(work: Callable[[], object]) -> list[float]:
    work()  # templates compiled, caches warm: what every later update pays
    found = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        found.append((time.perf_counter() - started) * 1000)
    return sorted(found)


def run(work: Path) -> Outcome:
    catalog = load_catalog()
    rows = []
    for label, summary in (("largest allowed", largest(catalog)), ("typical", typical(catalog))):
        found = timings(lambda summary=summary: render_once(summary))
        size = len(render_once(summary).encode())
        rows.append((label, statistics.median(found), found[int(len(found) * 0.99) - 1], size))
    lines = [
        "## 4. Summary rendering",
        "",
        f"In process, {RUNS} renders each: progress, the review rules, readiness, the stakeholder brief, the Jinja2"
        " templates, slack_sdk's block models and the JSON sent to Slack.",
        "",
        "| Design | Median | p99 | Message size |",
        "| --- | --- | --- | --- |",
        *(f"| {label} | {median:.2f} ms | {p99:.2f} ms | {size / 1024:.1f} KiB |" for label, median, p99, size in rows),
    ]
    # The median: one render is deterministic CPU work, and its p99 here mostly shows the garbage collector and the
    # other processes sharing two cores (it is in the table).
    largest_median = rows[0][1]
    check = Check("Largest summary rendered (median)", "< 10 ms", f"{largest_median:.2f} ms", largest_median < 10)
    return Outcome("\n".join(lines), [check])


if __name__ == "__main__":
    outcome = run(Path(tempfile.mkdtemp(prefix="mldesign-bench-")))
    print(outcome.section)
    print(*outcome.checks, sep="\n")
