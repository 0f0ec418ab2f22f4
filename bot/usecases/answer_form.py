"""Use cases for the answer form: what it shows, and what a submitted one changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.render.forms import MAX_INPUT
from bot.usecases.catalogs import Catalogs
from bot.usecases.errors import DesignNotFound, InvalidChoice
from flows import walkthrough
from flows.catalog import Catalog, Question, QuestionKind
from flows.thread import choices_from_text
from flows.walkthrough import AnswerStatus
from storage import answers as answer_repo
from storage import deliveries as delivery_repo
from storage import designs as design_repo
from storage import walkthroughs as walks
from storage.models import Answer, Design


@dataclass(frozen=True)
class FormRequest:
    """Someone asked for the answer form of a question, or of the area it opens (``whole_area``)."""

    team_id: str
    design_id: int
    question_id: str
    whole_area: bool = False


@dataclass(frozen=True)
class FormContent:
    design: Design
    catalog: Catalog
    questions: tuple[Question, ...]
    answers: Mapping[str, Answer]


def form_content(*, session: Session, catalogs: Catalogs, request: FormRequest) -> FormContent:
    """What an answer form shows: the question (or its area's questions) and their current answers."""
    design = design_repo.get_design(session=session, team_id=request.team_id, design_id=request.design_id)
    if design is None:
        raise DesignNotFound("This design no longer exists.")
    catalog = catalogs.of(design)
    if request.question_id not in catalog:
        raise InvalidChoice("This question is no longer part of the catalog.")
    question = catalog.question(request.question_id)
    questions = catalog.area_of(question.id).questions if request.whole_area else (question,)
    answers = answer_repo.current_answers(session=session, team_id=request.team_id, design_id=request.design_id)
    return FormContent(design=design, catalog=catalog, questions=tuple(questions), answers=answers)


@dataclass(frozen=True)
class FormAnswers:
    """A submitted answer form: for each question its picks (None: it has none) and text, and the answer versions
    the form was prefilled with (what was left as shown is not a change)."""

    team_id: str
    user_id: str
    design_id: int
    answers: tuple[tuple[str, tuple[str, ...] | None, str], ...]
    shown: Mapping[str, int]
    interaction_id: str


class FormQuestionError(InvalidChoice):
    """A form's answer to one question can't be taken; ``question_id`` says which, to show the error beside it."""

    def __init__(self, question_id: str, message: str) -> None:
        super().__init__(message)
        self.question_id = question_id


def record_form(*, session: Session, catalogs: Catalogs, form: FormAnswers, now: datetime) -> int | None:
    """Each answer a form changed becomes a new version, by the person who submitted it, as a reply would; the
    walkthrough moves on past the question being asked when the form answered it. Boxes left as shown, or empty,
    change nothing. None when the form changed nothing."""
    design = walks.lock_walkthrough(session=session, team_id=form.team_id, design_id=form.design_id)
    if design is None:
        raise DesignNotFound("This design no longer exists.")
    if not delivery_repo.claim_event(session=session, team_id=form.team_id, event_id=form.interaction_id, now=now):
        return None
    catalog = catalogs.of(design)
    current = walks.current_answers(session=session, team_id=form.team_id, design_id=design.id)
    state = design.state(current)
    changed = False
    for question_id, choices, text in form.answers:
        if question_id not in catalog:
            continue
        question = catalog.question(question_id)
        if choices is not None and any(question.option(option_id) is None for option_id in choices):
            raise FormQuestionError(question_id, "That option is not one of this question's choices.")
        if choices is not None and len(choices) > 1 and question.kind is not QuestionKind.MULTI:
            raise FormQuestionError(question_id, "Pick one option for this question.")
        shown = _shown_answer(session, form.team_id, design.id, form.shown.get(question_id))
        if not text and shown is not None and len(shown.text) > MAX_INPUT:
            text = shown.text  # too long to prefill: an empty box keeps it
        picked = list(choices or ())
        if not picked and not text:
            continue  # nothing said about this question
        if not picked and choices is None:
            picked = list(choices_from_text(catalog, question_id, text, None))
        if shown is not None and (list(shown.choices), shown.text.strip()) == (picked, text.strip()):
            continue  # left as the form showed it (a text box gives back its text without surrounding space)
        walks.add_answer(
            session=session,
            team_id=form.team_id,
            design_id=design.id,
            question_id=question_id,
            status=AnswerStatus.ANSWERED,
            text=text,
            choices=picked,
            author_id=form.user_id,
            reacted=True,  # no reply to react to
            now=now,
        )
        state = walkthrough.answer(catalog, state, question_id, picked)
        changed = True
    if not changed:
        return None
    walks.move_to(session=session, walk=design, state=state, now=now)
    return design.id


def _shown_answer(session: Session, team_id: str, design_id: int, answer_id: int | None) -> Answer | None:
    if answer_id is None:
        return None
    answer = session.get(Answer, answer_id)
    if answer is None or answer.team_id != team_id or answer.design_id != design_id:
        return None
    return answer
