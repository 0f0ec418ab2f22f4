"""The pinned design summary, compact enough to read at a glance: readiness by area, the open review findings, a
plain-language brief, the key decisions (the choice answers), what is skipped or still open, and the buttons.
Every answer in full is one click away: in the design's canvas, kept current, or where Slack refuses canvases in
the design document (the export).

It fits Slack's limits for any design: 50 blocks, and at most ``TEXT_BUDGET`` characters of text in its blocks
(Slack refuses about 12,000 in all, undocumented). When the lists don't fit, their tail gives way to a pointer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.render.acceptance import accept_menu
from bot.render.blocks import SECTION_LIMIT, Message, to_dicts
from bot.render.forms import question_menu_block
from bot.render.ids import ActionId, BlockId
from bot.render.text import escape_mrkdwn, join_labels, render, truncate_mrkdwn, truncate_text
from flows.assessment import Assessment
from flows.catalog import Catalog, Question
from flows.signoff import Review
from flows.walkthrough import AnswerStatus, Progress, chosen_in
from storage.models import Answer, Design

MAX_BLOCKS = 50
# The text in the summary's blocks, all told: Slack refuses a message with about 12,000 (refusals were reported from
# 11,341 counted characters), so a summary keeps well below, whatever the catalog and the answers.
TEXT_BUDGET = 10_000
MAX_CHOICES_SHOWN = 150
MAX_LOG = 10  # the latest revisits: the summary is a glance


@dataclass(frozen=True)
class RevisitEntry:
    title: str
    status: str
    by: str | None
    at: datetime | None
    failure: str | None
    by_alert: bool = False  # a production alert reopened it


@dataclass(frozen=True)
class SummaryInput:
    design: Design
    catalog: Catalog
    answers: Mapping[str, Answer]
    progress: Progress
    assessment: Assessment
    next_nudge: datetime | None = None
    revisit_log: Sequence[RevisitEntry] = ()
    review: Review | None = None  # sign-off; None: a draft nobody was asked to review


def summary_message(summary: SummaryInput) -> Message:
    design, assessment = summary.design, summary.assessment
    assert design.id is not None
    head: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="Design summary")),
        _section(
            render(
                "summary_overview.j2",
                name=design.name,
                started_by=design.started_by,
                started_at=design.created_at,
                complete=design.current_question_id is None,
                progress=summary.progress,
                permalink=design.permalink,
                readiness=assessment.readiness,
                findings=assessment.findings,
                since_launch=assessment.brief.since_launch,
                review=summary.review,
            )
        ),
        ContextBlock(
            elements=[MarkdownTextObject(text=render("summary_readiness.j2", readiness=assessment.readiness))]
        ),
        _section("*In plain words*\n" + render("stakeholder.j2", brief=assessment.brief)),
    ]
    if assessment.findings:
        findings = [render("summary_finding.j2", finding=finding) for finding in assessment.findings]
        head += [_section(text) for text in _pack(["*Review findings*", *findings])]
    if design.deployed_at is not None:
        revisits = render(
            "summary_revisits.j2",
            deployed_at=design.deployed_at,
            reminders=design.reminders_enabled,
            next_nudge=summary.next_nudge,
            log=summary.revisit_log[:MAX_LOG],
        )
        head += [_section(text) for text in _pack(revisits.split("\n"))]
    tail: list[Block] = [
        DividerBlock(),
        ActionsBlock(
            block_id=BlockId.SUMMARY_ACTIONS,
            elements=[
                *_buttons(design),
                *([accept_menu(design.id, assessment.findings)] if assessment.findings else []),
            ],
        ),
        question_menu_block(
            design_id=design.id,
            catalog=summary.catalog,
            answers=summary.answers,
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=render(
                        "summary_footer.j2",
                        name=design.name,
                        updated_at=design.updated_at,
                        canvas=_links_canvas(design),
                        canvas_refused=design.canvas_refused,
                    )
                )
            ]
        ),
    ]
    room = MAX_BLOCKS - len(head) - len(tail) - 1  # the divider before the lists
    used_text = text_in(head + tail)
    body = _lists_that_fit(summary, blocks_left=room, text_left=TEXT_BUDGET - used_text)
    fallback = (
        f"Design summary of {design.name}: readiness {assessment.readiness.percent}%, "
        f"{len(assessment.findings)} review findings"
    )
    return Message(text=escape_mrkdwn(fallback), blocks=to_dicts([*head, DividerBlock(), *body, *tail]))


def _buttons(design: Design) -> list[ButtonElement]:
    assert design.id is not None
    buttons = [ButtonElement(text="Export as Markdown", action_id=ActionId.EXPORT, value=str(design.id))]
    if _links_canvas(design):
        buttons.insert(
            0, ButtonElement(text="Open the full design", action_id=ActionId.OPEN_CANVAS, url=design.canvas_url)
        )
    if design.deployed_at is None:
        buttons.insert(
            0, ButtonElement(text="Mark as deployed", action_id=ActionId.MARK_DEPLOYED, value=str(design.id))
        )
    if design.permalink:
        buttons.append(ButtonElement(text="Open the thread", action_id=ActionId.OPEN_THREAD, url=design.permalink))
    return buttons


def _links_canvas(design: Design) -> bool:
    """The summary links the canvas once the channel may read it and Slack has not refused it since."""
    return bool(design.canvas_url) and design.canvas_shared and design.canvas_refused is None


def _lists_that_fit(summary: SummaryInput, *, blocks_left: int, text_left: int) -> list[Block]:
    """The key decisions, then the skipped and open questions, as sections; what doesn't fit gives way, last line
    first, to a pointer to the design document."""
    lines = _list_lines(summary)
    sections = _pack(line.text for line in lines)
    if len(sections) <= blocks_left and sum(map(len, sections)) <= text_left:
        return [_section(text) for text in sections]
    kept = list(lines)
    while kept:
        left_out = sum(line.questions for line in lines) - sum(line.questions for line in kept)
        more = render("summary_more.j2", count=left_out, name=summary.design.name)
        sections = _pack([*(line.text for line in kept), more])
        if len(sections) <= blocks_left and sum(map(len, sections)) <= text_left:
            return [_section(text) for text in sections]
        kept.pop()
    everything = sum(line.questions for line in lines)
    return [_section(render("summary_more.j2", count=everything, name=summary.design.name))]


@dataclass(frozen=True)
class Line:
    text: str
    questions: int  # how many questions the line accounts for, to say how many a cut summary leaves out


def _list_lines(summary: SummaryInput) -> list[Line]:
    """A line per decision (a choice answered), then the skipped and the open questions named together."""
    questions = summary.catalog.applicable(chosen_in(summary.answers))
    decisions = [
        Line(_decision(summary, question), 1)
        for question in questions
        if question.options
        and _status(summary, question.id) == AnswerStatus.ANSWERED
        and summary.answers[question.id].choices
    ]
    lines = [Line("*Key decisions*", 0), *decisions] if decisions else []
    for kind, status in (("skipped", AnswerStatus.SKIPPED), ("open", None)):
        titles = [question.short_title for question in questions if _status(summary, question.id) == status]
        for group in _groups(titles):
            lines.append(Line(render("summary_unsettled.j2", kind=kind, titles=group), len(group)))
    return lines


def _groups(titles: list[str], limit: int = SECTION_LIMIT // 2) -> list[list[str]]:
    """Titles in runs whose escaped text stays well inside one section."""
    groups: list[list[str]] = []
    size = limit
    for title in titles:
        cost = len(escape_mrkdwn(title)) + 3
        if size + cost > limit:
            groups.append([])
            size = 0
        groups[-1].append(title)
        size += cost
    return groups


def _status(summary: SummaryInput, question_id: str) -> AnswerStatus | None:
    answer = summary.answers.get(question_id)
    return AnswerStatus(answer.status) if answer is not None else None


def _decision(summary: SummaryInput, question: Question) -> str:
    answer = summary.answers[question.id]
    return render(
        "summary_decision.j2",
        title=question.short_title,
        flagged=bool(summary.assessment.findings_for(question.id)),
        chosen=truncate_text(join_labels(question.labels(answer.choices)), MAX_CHOICES_SHOWN),
    )


def _pack(lines: Iterable[str], limit: int = SECTION_LIMIT) -> list[str]:
    """Join lines into as few section texts as fit the limit; a line longer than the limit is cut."""
    packed: list[str] = []
    for line in lines:
        line = truncate_mrkdwn(line, limit)
        if packed and len(packed[-1]) + 1 + len(line) <= limit:
            packed[-1] += "\n" + line
        else:
            packed.append(line)
    return packed


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(text, SECTION_LIMIT)))


def text_in(blocks: Iterable[Block]) -> int:
    """The characters of text the blocks hold, counted as Slack counts them: every text field, buttons included."""
    return _text_fields(to_dicts(list(blocks)))


def _text_fields(value: object) -> int:
    if isinstance(value, list):
        return sum(_text_fields(item) for item in value)
    if not isinstance(value, dict):
        return 0
    own = value.get("text")
    return (len(own) if isinstance(own, str) else 0) + sum(
        _text_fields(inner) for inner in value.values() if isinstance(inner, dict | list)
    )
