"""Buttons and menus that open the answer form: "Answer…"/"Change…" on a question, "Answer this area in a form" on
an area's first question, and the question menu of the summary, `/mldesign status` and Home."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.payloads import team_id_of
from bot.inbound.listeners.recording import Recording
from bot.render import forms
from bot.render.ids import QuestionBlockRef, design_of_question_menu
from bot.usecases import answer_form
from bot.usecases.answer_form import FormRequest
from bot.usecases.errors import InvalidChoice


def parse_form_request(body: dict[str, Any], action: dict[str, Any], *, whole_area: bool = False) -> FormRequest:
    """The question a form button (its block_id names it) or the question menu (the option picked) is for."""
    block_id = str(action.get("block_id", ""))
    try:
        if "selected_option" in action:
            picked = action["selected_option"] or {}
            return FormRequest(team_id_of(body), design_of_question_menu(block_id), str(picked["value"]))
        ref = QuestionBlockRef.parse(block_id)
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidChoice("That menu doesn't belong to an mldesign question.") from error
    return FormRequest(team_id_of(body), ref.design_id, ref.question_id, whole_area=whole_area)


def open_answer_form(deps: Recording, *, whole_area: bool = False) -> Callable[..., None]:
    """Build the form from the database, acknowledge, then open it (within the trigger's three seconds)."""

    def handle_open_form(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        request = parse_form_request(body, action, whole_area=whole_area)
        with deps.db.read_only() as session:
            content = answer_form.form_content(session=session, catalogs=deps.catalogs, request=request)
            view = forms.answer_form(
                design=content.design, catalog=content.catalog, questions=content.questions, answers=content.answers
            )
        ack()
        deps.outbox.open_form(request.team_id, body, view)

    return handle_open_form
