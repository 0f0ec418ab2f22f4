from __future__ import annotations

from slack_bolt import App

from bot.ids import CHOOSE_PATTERN, ActionId
from bot.listeners.actions.questions import choose_option, finish_question, go_back, skip_question
from bot.listeners.actions.summary import export_design, open_thread
from bot.services import Services


def register(app: App, services: Services) -> None:
    choose = choose_option(services)
    app.action(CHOOSE_PATTERN)(choose)
    app.action(ActionId.SELECT)(choose)
    app.action(ActionId.SELECT_MANY)(choose)
    app.action(ActionId.SKIP)(skip_question(services))
    app.action(ActionId.BACK)(go_back(services))
    app.action(ActionId.DONE)(finish_question(services))
    app.action(ActionId.EXPORT)(export_design(services))
    app.action(ActionId.OPEN_THREAD)(open_thread)
