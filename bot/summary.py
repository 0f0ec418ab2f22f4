"""The pinned design summary: every area's answers, the review's findings and readiness, a plain-language
brief, in one Block Kit message that fits Slack's limits for any design.

Long answers are cut to an excerpt (the export has them in full). When a catalog is so large that even
short excerpts overflow the 50-block limit, the excerpts shrink, and as a last resort the trailing
questions are left out with a pointer to the export.
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

from bot.blocks import SECTION_LIMIT, Message, to_dicts
from bot.ids import ActionId, BlockId
from bot.rendering import escape_mrkdwn, one_line, render, truncate_mrkdwn, truncate_text
from flows.assessment import Assessment
from flows.catalog import Catalog, Question
from flows.walkthrough import AnswerStatus, Progress
from storage.models import Answer, Design

MAX_BLOCKS = 50
MAX_MESSAGE_TEXT = 40_000
# Excerpt lengths tried in turn until the summary fits: a glance first, then shorter, then none.
EXCERPT_LENGTHS = (280, 100, 0)
MAX_CHOICES_SHOWN = 200
MAX_LOG = 10  # the latest revisits: the summary is a glance


@dataclass(frozen=True)
class RevisitEntry:
    title: str
    status: str
    by: str | None
    at: datetime | None
    failure: str | None


@dataclass(frozen=True)
class SummaryInput:
    design: Design
    catalog: Catalog
    answers: Mapping[str, Answer]
    progress: Progress
    assessment: Assessment
    next_nudge: datetime | None = None
    revisit_log: Sequence[RevisitEntry] = ()


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
        ActionsBlock(block_id=BlockId.SUMMARY_ACTIONS, elements=_buttons(design)),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=render("summary_footer.j2", name=design.name, updated_at=design.updated_at))
            ]
        ),
    ]
    room = MAX_BLOCKS - len(head) - len(tail) - 1  # the divider before the areas
    used_text = sum(len(text) for text in _texts(head + tail))
    body = _areas_that_fit(summary, blocks_left=room, text_left=MAX_MESSAGE_TEXT - used_text)
    fallback = (
        f"Design summary of {design.name}: readiness {assessment.readiness.percent}%, "
        f"{len(assessment.findings)} review findings"
    )
    return Message(text=escape_mrkdwn(fallback), blocks=to_dicts([*head, DividerBlock(), *body, *tail]))


def _buttons(design: Design) -> list[ButtonElement]:
    assert design.id is not None
    buttons = [ButtonElement(text="Export as Markdown", action_id=ActionId.EXPORT, value=str(design.id))]
    if design.deployed_at is None:
        buttons.insert(
            0, ButtonElement(text="Mark as deployed", action_id=ActionId.MARK_DEPLOYED, value=str(design.id))
        )
    if design.permalink:
        buttons.append(ButtonElement(text="Open the thread", action_id=ActionId.OPEN_THREAD, url=design.permalink))
    return buttons


def _areas_that_fit(summary: SummaryInput, *, blocks_left: int, text_left: int) -> list[Block]:
    """Each area as sections of question lines, with excerpts as long as the limits allow."""
    areas: list[list[Line]] = []
    for excerpt_length in EXCERPT_LENGTHS:
        areas = [_area_lines(summary, area.id, excerpt_length) for area in summary.catalog.areas]
        texts = [text for lines in areas for text in _pack(line.text for line in lines)]
        if len(texts) <= blocks_left and sum(map(len, texts)) <= text_left:
            return [_section(text) for text in texts]
    # Even bare lines overflow (a catalog of hundreds of questions): show what fits, point to the rest.
    sections: list[str] = []
    shown = used = 0
    room_blocks, room_text = blocks_left - 1, text_left - SECTION_LIMIT  # keep room for the pointer
    for lines in areas:
        for position, line in enumerate(lines):
            joins = position > 0 and len(sections[-1]) + 1 + len(line.text) <= SECTION_LIMIT
            if len(sections) + (0 if joins else 1) > room_blocks or used + len(line.text) + 1 > room_text:
                break
            if joins:
                sections[-1] += "\n" + line.text
            else:
                sections.append(line.text)
            used += len(line.text) + 1
            shown += line.questions
        else:
            continue
        break
    more = render("summary_more.j2", count=len(summary.catalog.questions) - shown, name=summary.design.name)
    return [*(_section(text) for text in sections), _section(more)]


@dataclass(frozen=True)
class Line:
    text: str
    questions: int  # how many questions the line accounts for, to say how many a cut summary leaves out


def _area_lines(summary: SummaryInput, area_id: str, excerpt_length: int) -> list[Line]:
    """The area's heading, a line per answered question, then the skipped and open ones named together."""
    readiness = next(area for area in summary.assessment.readiness.areas if area.area_id == area_id)
    area = next(area for area in summary.catalog.areas if area.id == area_id)
    lines = [Line(render("summary_area.j2", area=readiness), 0)]
    lines += [
        Line(_entry(summary, question, excerpt_length), 1)
        for question in area.questions
        if _status(summary, question.id) == AnswerStatus.ANSWERED
    ]
    for kind, status in (("skipped", AnswerStatus.SKIPPED), ("open", None)):
        titles = [question.short_title for question in area.questions if _status(summary, question.id) == status]
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


def _entry(summary: SummaryInput, question: Question, excerpt_length: int) -> str:
    answer = summary.answers[question.id]
    return render(
        "summary_entry.j2",
        title=question.short_title,
        answer=answer,
        flagged=bool(summary.assessment.findings_for(question.id)),
        chosen=truncate_text(", ".join(question.labels(answer.choices)), MAX_CHOICES_SHOWN),
        excerpt=_excerpt(answer.text, excerpt_length),
    )


def _excerpt(text: str, length: int) -> str:
    """The start of an answer on one line, cut visibly; only a prefix is read, since answers can be 40,000
    characters long and the summary is rebuilt on every change."""
    if not text.strip():
        return ""
    if length == 0:
        return "…"
    prefix = text[: length * 4]
    flat = truncate_text(one_line(prefix), length)
    return flat if len(prefix) == len(text) or flat.endswith("…") else flat + "…"


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


def _texts(blocks: Iterable[Block]) -> Iterable[str]:
    for block in blocks:
        if isinstance(block, SectionBlock) and block.text is not None:
            yield block.text.text
        elif isinstance(block, ContextBlock):
            yield from (element.text for element in block.elements if isinstance(element, MarkdownTextObject))
