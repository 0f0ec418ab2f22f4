"""The answer form: a modal for one question, or for a whole area, prefilled with what is known, and the question
menu (on the summary, `/mldesign status` and Home) that opens it for any question at any time.

Some people prefer a form to a thread. What a form holds comes back on submission in ``view.state.values`` and
``private_metadata`` (the design, its questions and the answers it showed), read by ``submission``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.render.ids import ActionId, CallbackId, question_menu_block_id
from bot.render.text import escape_mrkdwn, truncate_text
from flows.catalog import Catalog, Question, QuestionKind
from flows.walkthrough import AnswerStatus, GivenAnswer, chosen_in
from storage.models import Answer, Design

MAX_INPUT = 3000  # Slack's limit for a plain-text input's value
MAX_LABEL = 2000  # and for an input's label
MAX_BUTTON_CHOICES = 10  # radio buttons and checkboxes hold at most 10 options; more go in a menu
MAX_OPTION_TEXT = 75
MAX_MENU_OPTIONS = 100  # in one select, across its groups
MENU_TEXT_BUDGET = 2000  # of the summary's ~12,000 characters of text
CHOICE_ACTION = "choice"
TEXT_ACTION = "text"


@dataclass(frozen=True)
class SubmittedAnswer:
    """What the form says of one question: the picks (None: the question has none) and the text ("" when empty)."""

    question_id: str
    choices: tuple[str, ...] | None
    text: str


@dataclass(frozen=True)
class FormSubmission:
    design_id: int
    answers: tuple[SubmittedAnswer, ...]
    shown: Mapping[str, int]  # question id → the answer version the form was prefilled with


def answer_form(
    *, design: Design, catalog: Catalog, questions: Sequence[Question], answers: Mapping[str, Answer]
) -> dict[str, Any]:
    """The modal for ``questions`` (one, or an area's), each prefilled with its current answer. An answer too long
    for a text box is not prefilled: leaving the box empty keeps it."""
    assert design.id is not None and questions
    single = len(questions) == 1
    area = catalog.area_of(questions[0].id)
    intro = f"*{escape_mrkdwn(design.name)}* · {escape_mrkdwn(area.title)}"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=intro))]
    shown: dict[str, int] = {}
    for question in questions:
        answer = answers.get(question.id)
        if answer is not None and answer.status == AnswerStatus.ANSWERED and answer.id is not None:
            shown[question.id] = answer.id
        else:
            answer = None
        blocks += _question_inputs(catalog, question, answer, with_help=single)
    if not single:
        note = (
            "Every box is optional: what you leave as it is stays so, and each answer you change is kept as a new "
            "version. To withdraw an answer, delete its reply in the thread."
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    metadata = {"design_id": design.id, "questions": [question.id for question in questions], "shown": shown}
    view = View(
        type="modal",
        callback_id=CallbackId.ANSWER_FORM,
        title="Answer a question" if single else "Answer this area",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps(metadata, separators=(",", ":")),
        blocks=blocks,
    )
    return view.to_dict()  # validates the view: 100 blocks, 3,000 characters of metadata, each element's limits


def _question_inputs(catalog: Catalog, question: Question, answer: Answer | None, *, with_help: bool) -> list[Block]:
    number = catalog.position(question.id) + 1
    label = truncate_text(f"{number}. {question.prompt}", MAX_LABEL)
    text = answer.text if answer is not None else ""
    too_long = len(text) > MAX_INPUT
    hint = "The current answer is too long to show here; leave this empty to keep it." if too_long else None
    if with_help and not hint:
        hint = truncate_text(f"Why this matters: {question.help}", MAX_LABEL)
    text_input = PlainTextInputElement(
        action_id=TEXT_ACTION,
        multiline=True,
        max_length=MAX_INPUT,
        initial_value=None if too_long or not text else text,
    )
    if not question.options:
        return [InputBlock(block_id=f"text:{question.id}", label=label, hint=hint, element=text_input, optional=True)]
    return [
        InputBlock(
            block_id=f"choice:{question.id}",
            label=label,
            hint=hint if with_help else None,
            element=_choice_element(question, answer),
            optional=True,
        ),
        InputBlock(
            block_id=f"text:{question.id}",
            label=f"Notes on question {number}",
            element=text_input,
            optional=True,
            hint=hint if too_long else None,
        ),
    ]


def _choice_element(question: Question, answer: Answer | None) -> Any:
    options = [
        Option(value=option.id, text=truncate_text(option.label, MAX_OPTION_TEXT)) for option in question.options
    ]
    chosen = [option for option in options if answer is not None and option.value in answer.choices]
    few = len(options) <= MAX_BUTTON_CHOICES
    if question.kind is QuestionKind.MULTI:
        if few:
            return CheckboxesElement(action_id=CHOICE_ACTION, options=options, initial_options=chosen or None)
        return StaticMultiSelectElement(
            action_id=CHOICE_ACTION, options=options, initial_options=chosen or None, placeholder="Pick all that apply"
        )
    if few:
        return RadioButtonsElement(
            action_id=CHOICE_ACTION, options=options, initial_option=chosen[0] if chosen else None
        )
    return StaticSelectElement(
        action_id=CHOICE_ACTION, options=options, initial_option=chosen[0] if chosen else None, placeholder="Pick one"
    )


def submission(view: Mapping[str, Any]) -> FormSubmission:
    """What a submitted answer form says; ``MalformedForm`` when it is not one the bot built (a forged request)."""
    try:
        return _read_submission(view)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise MalformedForm("This form can't be read. Close it and open it again from the question.") from error


class MalformedForm(ValueError):
    """A submission whose metadata or values the bot never built."""


def _read_submission(view: Mapping[str, Any]) -> FormSubmission:
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    answers = []
    for question_id in metadata["questions"]:
        question_id = str(question_id)
        text = ((values.get(f"text:{question_id}") or {}).get(TEXT_ACTION) or {}).get("value") or ""
        choices: tuple[str, ...] | None = None
        if f"choice:{question_id}" in values:
            element = values[f"choice:{question_id}"].get(CHOICE_ACTION) or {}
            if "selected_options" in element:
                choices = tuple(str(option["value"]) for option in element["selected_options"] or [])
            else:
                selected = element.get("selected_option")
                choices = (str(selected["value"]),) if selected else ()
        answers.append(SubmittedAnswer(question_id=question_id, choices=choices, text=str(text).strip()))
    if not answers:
        raise ValueError("a form without questions")
    shown = {str(key): int(value) for key, value in (metadata.get("shown") or {}).items()}
    return FormSubmission(design_id=int(metadata["design_id"]), answers=tuple(answers), shown=shown)


def input_block(question_id: str, *, has_choices: bool) -> str:
    """The block an error about a question is shown under: its choices, else its text box."""
    return f"{'choice' if has_choices else 'text'}:{question_id}"


def question_menu(*, catalog: Catalog, answers: Mapping[str, GivenAnswer]) -> StaticSelectElement:
    """ "Answer or change a question…": open questions first, then skipped, then answered, each opening its form.
    A menu holds at most 100 options, and its text counts towards a message's (the summary's budget): in a large
    catalog the answered ones beyond that give way."""
    groups: dict[str, list[tuple[str, str]]] = {"Not answered yet": [], "Skipped": [], "Answered": []}
    applying = {question.id for question in catalog.applicable(chosen_in(answers))}
    for number, question in enumerate(catalog.questions, start=1):
        if question.id not in applying:
            continue  # a follow-up the answers don't call for
        given = answers.get(question.id)
        status = AnswerStatus(given.status) if given is not None else None
        group = "Answered" if status is AnswerStatus.ANSWERED else "Skipped" if status is AnswerStatus.SKIPPED else None
        text = truncate_text(f"{number}. {question.short_title}", MAX_OPTION_TEXT)
        groups[group or "Not answered yet"].append((question.id, text))
    room, text_left = MAX_MENU_OPTIONS, MENU_TEXT_BUDGET
    option_groups = []
    for label, options in groups.items():
        fitting = []
        for value, text in options[:room]:
            text_left -= len(text)
            if text_left < 0:
                break
            fitting.append(Option(value=value, text=text))
        if fitting:
            option_groups.append(OptionGroup(label=label, options=fitting))
            room -= len(fitting)
    return StaticSelectElement(
        action_id=ActionId.PICK_QUESTION, placeholder="Answer or change a question…", option_groups=option_groups
    )


def question_menu_block(*, design_id: int, catalog: Catalog, answers: Mapping[str, GivenAnswer]) -> ActionsBlock:
    """The question menu on its own row (the summary, `/mldesign status`)."""
    return ActionsBlock(
        block_id=question_menu_block_id(design_id), elements=[question_menu(catalog=catalog, answers=answers)]
    )


def form_problem(message: str) -> dict[str, Any]:
    """What replaces a form that can't be taken as it is (it names why); closing it changes nothing."""
    view = View(
        type="modal",
        title="Nothing was saved",
        close="Close",
        blocks=[SectionBlock(text=MarkdownTextObject(text=f":warning: {escape_mrkdwn(message)}"))],
    )
    return view.to_dict()
