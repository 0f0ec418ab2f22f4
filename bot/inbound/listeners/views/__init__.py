from __future__ import annotations

from slack_bolt import App

from bot.inbound.listeners.recording import Recording
from bot.inbound.listeners.views.acceptance import submit_acceptance
from bot.inbound.listeners.views.answer_form import submit_answer_form
from bot.inbound.listeners.views.nudge_update import submit_measure, submit_stop, submit_update
from bot.inbound.listeners.views.review import submit_changes
from bot.render.ids import CallbackId


def register(app: App, deps: Recording) -> None:
    app.view(CallbackId.NUDGE_UPDATE)(submit_update(deps))
    app.view(CallbackId.ANSWER_FORM)(submit_answer_form(deps))
    app.view(CallbackId.NUDGE_STOP)(submit_stop(deps))
    app.view(CallbackId.ACCEPT_FINDING)(submit_acceptance(deps))
    app.view(CallbackId.NUDGE_MEASURE)(submit_measure(deps))
    app.view(CallbackId.REVIEW_CHANGES)(submit_changes(deps))
