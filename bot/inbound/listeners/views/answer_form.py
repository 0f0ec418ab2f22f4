"""The answer form submitted: each changed answer a new version, then the thread and summary update in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.payloads import submission_id, team_id_of
from bot.inbound.listeners.recording import Recording
from bot.render import forms
from bot.usecases import answer_form
from bot.usecases.answer_form import FormAnswers, FormQuestionError
from bot.usecases.errors import UserFacingError

NOTHING_TO_SAVE = "Write an answer or pick an option first."


def parse_submission(body: dict[str, Any], view: dict[str, Any]) -> tuple[FormAnswers, list[str]]:
    """The submission as the use case takes it, and the blocks of its questions (where errors can be shown)."""
    submitted = forms.submission(view)
    user_id = body["user"]["id"]
    form = FormAnswers(
        team_id=team_id_of(body),
        user_id=user_id,
        design_id=submitted.design_id,
        answers=tuple((a.question_id, a.choices, a.text) for a in submitted.answers),
        shown=submitted.shown,
        interaction_id=submission_id(body, view),
    )
    blocks = [forms.input_block(a.question_id, has_choices=a.choices is not None) for a in submitted.answers]
    return form, blocks


def submit_answer_form(deps: Recording) -> Callable[..., None]:
    def handle_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            form, blocks = parse_submission(body, view)
        except forms.MalformedForm as error:
            ack(response_action="update", view=forms.form_problem(str(error)))
            return
        if not any(choices or text for _, choices, text in form.answers) and not form.shown:
            ack(response_action="errors", errors={blocks[0]: NOTHING_TO_SAVE})
            return
        try:
            with deps.db.unit_of_work() as session:
                design_id = answer_form.record_form(
                    session=session, catalogs=deps.catalogs, form=form, now=deps.clock.now()
                )
        except FormQuestionError as error:
            block = next((b for b in blocks if b.endswith(f":{error.question_id}")), blocks[0])
            ack(response_action="errors", errors={block: str(error)[:150]})
            return
        except UserFacingError as error:
            ack(response_action="errors", errors={blocks[0]: str(error)[:150]})
            return
        ack()
        if design_id is not None:
            deps.outbox.publish(form.team_id, design_id)

    return handle_submission
