"""Buttons and selects on a question message: choose an option, skip the question, or go back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.payloads import team_id_of
from bot.inbound.listeners.recording import Recording
from bot.render.ids import QuestionBlockRef
from bot.usecases import question_actions
from bot.usecases.errors import InvalidChoice
from bot.usecases.question_actions import QuestionAction, QuestionUseCase


def parse_action(body: dict[str, Any], action: dict[str, Any]) -> QuestionAction:
    try:
        ref = QuestionBlockRef.parse(action["block_id"])
    except (KeyError, ValueError) as error:
        raise InvalidChoice("That button doesn't belong to an mldesign question.") from error
    user_id = body["user"]["id"]
    return QuestionAction(
        team_id=team_id_of(body),
        user_id=user_id,
        design_id=ref.design_id,
        question_id=ref.question_id,
        interaction_id=f"action:{action.get('action_ts')}:{user_id}:{action['action_id']}",
        shown_version=ref.version,
    )


def selected_option_ids(action: dict[str, Any]) -> list[str]:
    if "selected_options" in action:
        return [option["value"] for option in action["selected_options"]]
    if "selected_option" in action:
        return [action["selected_option"]["value"]] if action["selected_option"] else []
    return [action["value"]] if action.get("value") else []


def question_listener(deps: Recording, use_case: QuestionUseCase) -> Callable[..., None]:
    def handle_question_action(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        question_action = parse_action(body, action)
        with deps.db.unit_of_work() as session:
            design_id = use_case(
                session=session,
                catalogs=deps.catalogs,
                action=question_action,
                selected=selected_option_ids(action),
                now=deps.clock.now(),
            )
        ack()
        if design_id is not None:
            deps.outbox.publish(question_action.team_id, design_id)

    return handle_question_action


def undo_answer(deps: Recording) -> Callable[..., None]:
    """Undo: the reply taken as this question's answer was discussion."""
    return question_listener(deps, question_actions.undo)


def choose_option(deps: Recording) -> Callable[..., None]:
    return question_listener(deps, question_actions.choose)


def skip_question(deps: Recording) -> Callable[..., None]:
    return question_listener(deps, question_actions.skip)


def go_back(deps: Recording) -> Callable[..., None]:
    return question_listener(deps, question_actions.back)


def finish_question(deps: Recording) -> Callable[..., None]:
    return question_listener(deps, question_actions.finish)
