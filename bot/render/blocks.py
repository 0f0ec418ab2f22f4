"""Block Kit for the bot's messages, built with slack_sdk's block models so Slack's limits are checked.

Text comes from the Jinja2 templates (which escape user text for mrkdwn); this module only arranges it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    BlockElement,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)

from bot.render.ids import ActionId, BlockKind, QuestionBlockRef
from bot.render.text import escape_mrkdwn, render, truncate_mrkdwn
from flows.catalog import Catalog, Question, QuestionKind
from flows.quantities import EXAMPLES, parse
from flows.walkthrough import AnswerStatus, Progress
from storage.models import Answer, Design

MAX_BUTTONS = 5
PROGRESS_BAR_WIDTH = 20
SECTION_LIMIT = 3000


@dataclass(frozen=True)
class Message:
    """What chat.postMessage / chat.update need: blocks plus the plain-text fallback for notifications."""

    text: str
    blocks: list[dict[str, Any]]


def to_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]  # to_dict() validates each block against Slack's limits


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(text, SECTION_LIMIT)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate_mrkdwn(text, SECTION_LIMIT))])


def progress_bar(progress: Progress) -> str:
    filled = round(PROGRESS_BAR_WIDTH * progress.settled / progress.total) if progress.total else 0
    return "█" * filled + "░" * (PROGRESS_BAR_WIDTH - filled)


def parent_message(design: Design, catalog: Catalog, progress: Progress) -> Message:
    """The design's message in the channel: name, who started it, progress; its thread holds the questions."""
    complete = design.current_question_id is None
    body = render(
        "parent.j2",
        name=design.name,
        started_by=design.started_by,
        catalog_title=catalog.title,
        complete=complete,
        progress=progress,
        bar=progress_bar(progress),
    )
    blocks = [
        # The header is plain text, where escaping is not honoured, so user text (the name) stays in mrkdwn.
        HeaderBlock(text=PlainTextObject(text="ML design review")),
        _section(body),
        _context(render("parent_howto.j2", complete=complete)),
    ]
    fallback = f"ML design {design.name}: {progress.answered}/{progress.total} answered"
    return Message(text=escape_mrkdwn(fallback), blocks=to_dicts(blocks))


def question_message(
    *,
    design: Design,
    catalog: Catalog,
    question: Question,
    answer: Answer | None,
    is_current: bool,
    assignee: str | None = None,
) -> Message:
    """A question in the thread; its buttons stay so a choice can be changed, skip/back only while current. The
    person it was given to is mentioned while it waits for an answer."""
    # Questions keep their catalog number, so "7: …" and `assign` always mean the same one; with follow-ups in the
    # catalog, how many apply changes with the answers, so no total is shown beside it.
    number = catalog.position(question.id) + 1
    total = None if catalog.has_follow_ups else len(catalog.questions)
    follows_up = catalog.question(question.when.question).short_title if question.when is not None else None
    chosen_ids = answer.choices if answer is not None else []
    chosen_labels = [option.label for option in question.options if option.id in chosen_ids]
    # A quantity question shows back the number read from its answer, or asks for it once while it is asked.
    read, number_asked = None, None
    if question.quantity is not None and answer is not None and answer.status == AnswerStatus.ANSWERED:
        read = parse(question.quantity, answer.text)
        number_asked = EXAMPLES[question.quantity] if read is None and not chosen_ids else None
    blocks: list[Block] = [
        _section(
            render(
                "question.j2",
                area_title=catalog.area_of(question.id).title,
                number=number,
                total=total,
                follows_up=follows_up,
                prompt=question.prompt,
            )
        ),
    ]
    if answer is None or is_current:  # "why this matters" gives way once the question is answered
        blocks.append(_context(render("question_help.j2", help=question.help, good_answer=question.example)))
    assert design.id is not None
    if question.options:
        version = answer.id if answer is not None and answer.id is not None else 0
        ref = QuestionBlockRef(BlockKind.CHOICES, design.id, question.id, version)
        blocks.append(ActionsBlock(block_id=ref.block_id(), elements=_choice_elements(question, chosen_ids)))
    blocks.append(
        _context(
            render(
                "question_state.j2",
                answer=answer,
                chosen=chosen_labels,
                is_current=is_current,
                has_options=bool(question.options),
                is_multi=question.kind is QuestionKind.MULTI,
                assignee=assignee,
                walk_complete=design.current_question_id is None,
                read=read.describe() if read is not None else None,
                number_asked=number_asked,
            )
        )
    )
    if answer is not None and answer.status == AnswerStatus.ANSWERED and answer.source_ts and answer.id is not None:
        undo = ButtonElement(text="Undo: it was discussion", action_id=ActionId.UNDO_ANSWER, value=question.id)
        blocks.append(
            ActionsBlock(
                block_id=QuestionBlockRef(BlockKind.UNDO, design.id, question.id, answer.id).block_id(), elements=[undo]
            )
        )
    form_buttons = []
    if not is_current:  # the question being asked is answered in the thread; any other, any time, in a form
        answered = answer is not None and answer.status == AnswerStatus.ANSWERED
        form_buttons.append(
            ButtonElement(text="Change…" if answered else "Answer…", action_id=ActionId.ANSWER_FORM, value=question.id)
        )
    area = catalog.area_of(question.id)
    if area.questions[0].id == question.id and len(area.questions) > 1:
        form_buttons.append(
            ButtonElement(text="Answer this area in a form", action_id=ActionId.AREA_FORM, value=question.id)
        )
    if form_buttons:
        ref = QuestionBlockRef(BlockKind.FORM, design.id, question.id)
        blocks.append(ActionsBlock(block_id=ref.block_id(), elements=form_buttons))
    if is_current:
        ref = QuestionBlockRef(BlockKind.NAVIGATION, design.id, question.id)
        answered = answer is not None and answer.status == AnswerStatus.ANSWERED
        # After going back, moving on keeps the answer (``workflow.skip_question``): say so rather than "Skip".
        skip_text = "Keep and go on" if answered else "Skip"
        navigation = [ButtonElement(text=skip_text, action_id=ActionId.SKIP, value=question.id)]
        if question.kind is QuestionKind.MULTI:
            navigation.insert(
                0, ButtonElement(text="Done", action_id=ActionId.DONE, value=question.id, style="primary")
            )
        if number > 1:
            navigation.append(ButtonElement(text="Back", action_id=ActionId.BACK, value=question.id))
        blocks.append(ActionsBlock(block_id=ref.block_id(), elements=navigation))
    fallback = f"Question {number}{f' of {total}' if total else ''}: {question.prompt}"
    return Message(text=escape_mrkdwn(fallback), blocks=to_dicts(blocks))


def _choice_elements(question: Question, chosen_ids: Sequence[str]) -> list[BlockElement]:
    options = [Option(value=option.id, text=option.label) for option in question.options]
    initial = [option for option in options if option.value in chosen_ids]
    if question.kind is QuestionKind.MULTI:
        return [
            StaticMultiSelectElement(
                placeholder="Pick all that apply",
                action_id=ActionId.SELECT_MANY,
                options=options,
                initial_options=initial or None,
            )
        ]
    if len(options) > MAX_BUTTONS:
        return [
            StaticSelectElement(
                placeholder="Pick one",
                action_id=ActionId.SELECT,
                options=options,
                initial_option=initial[0] if initial else None,
            )
        ]
    return [
        ButtonElement(
            text=option.label,
            action_id=f"{ActionId.CHOOSE}:{option.id}",
            value=option.id,
            style="primary" if option.id in chosen_ids else None,
        )
        for option in question.options
    ]


def closing_message(design: Design, progress: Progress) -> Message:
    text = render("closing.j2", name=design.name, progress=progress)
    return Message(text=text, blocks=to_dicts([_section(text)]))


def notice(template_name: str, *, extra: Sequence[Block] = (), **values: Any) -> Message:
    """An ephemeral answer to a command: help, list, status, or an error (``extra`` blocks after the text)."""
    text = render(template_name, **values)
    return Message(text=text, blocks=to_dicts([_section(text), *extra]))


def delete_confirmation(design: Design, answers: int) -> Message:
    """The ephemeral "are you sure?" of `/mldesign delete`: the button asks once more in Slack's own dialog."""
    text = render("delete_confirm.j2", name=design.name, answers=answers)
    value = str(design.id)
    confirm = ConfirmObject(
        title="Delete this design?",
        text=f"Its {answers} {'answer' if answers == 1 else 'answers'} will be gone for good.",
        confirm="Delete",
        deny="Keep it",
        style="danger",
    )
    buttons = [
        ButtonElement(
            text="Delete for good", action_id=ActionId.DELETE_DESIGN, value=value, style="danger", confirm=confirm
        ),
        ButtonElement(text="Keep it", action_id=ActionId.KEEP_DESIGN, value=value),
    ]
    return Message(text=text, blocks=to_dicts([_section(text), ActionsBlock(elements=buttons)]))
