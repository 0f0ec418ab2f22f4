from __future__ import annotations

from slack_bolt import App

from bot.inbound.listeners.actions.acceptance import open_acceptance_form
from bot.inbound.listeners.actions.deletion import delete_design, keep_design
from bot.inbound.listeners.actions.forms import open_answer_form
from bot.inbound.listeners.actions.questions import choose_option, finish_question, go_back, skip_question, undo_answer
from bot.inbound.listeners.actions.review import approve, open_changes_form
from bot.inbound.listeners.actions.revisits import (
    mark_deployed,
    open_measure_form,
    open_stop_confirmation,
    open_update_form,
    resolve_nudge,
)
from bot.inbound.listeners.actions.summary import export_design, open_thread
from bot.inbound.listeners.recording import Recording
from bot.render.ids import CHOOSE_PATTERN, ActionId
from flows.nudges import NudgeStatus


def register(app: App, deps: Recording) -> None:
    choose = choose_option(deps)
    app.action(CHOOSE_PATTERN)(choose)
    app.action(ActionId.SELECT)(choose)
    app.action(ActionId.SELECT_MANY)(choose)
    app.action(ActionId.SKIP)(skip_question(deps))
    app.action(ActionId.BACK)(go_back(deps))
    app.action(ActionId.DONE)(finish_question(deps))
    app.action(ActionId.UNDO_ANSWER)(undo_answer(deps))
    app.action(ActionId.ANSWER_FORM)(open_answer_form(deps))
    app.action(ActionId.PICK_QUESTION)(open_answer_form(deps))
    app.action(ActionId.AREA_FORM)(open_answer_form(deps, whole_area=True))
    app.action(ActionId.EXPORT)(export_design(deps))
    app.action(ActionId.OPEN_THREAD)(open_thread)
    app.action(ActionId.OPEN_CANVAS)(open_thread)
    app.action(ActionId.MARK_DEPLOYED)(mark_deployed(deps))
    app.action(ActionId.NUDGE_CONFIRM)(resolve_nudge(deps, NudgeStatus.CONFIRMED))
    app.action(ActionId.NUDGE_SNOOZE)(resolve_nudge(deps, NudgeStatus.SNOOZED))
    app.action(ActionId.NUDGE_STOP)(open_stop_confirmation(deps))
    app.action(ActionId.NUDGE_UPDATE)(open_update_form(deps))
    app.action(ActionId.NUDGE_MEASURE)(open_measure_form(deps))
    app.action(ActionId.ACCEPT_FINDING)(open_acceptance_form(deps))
    app.action(ActionId.ACCEPT_AGAIN)(open_acceptance_form(deps))
    app.action(ActionId.REVIEW_APPROVE)(approve(deps))
    app.action(ActionId.REVIEW_CHANGES)(open_changes_form(deps))
    app.action(ActionId.DELETE_DESIGN)(delete_design(deps))
    app.action(ActionId.KEEP_DESIGN)(keep_design(deps))
