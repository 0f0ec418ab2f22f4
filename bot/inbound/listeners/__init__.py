"""Registers every listener on the Bolt app, one module per kind of Slack request."""

from __future__ import annotations

from slack_bolt import App

from bot.inbound.listeners import actions, commands, events, views
from bot.runtime.wiring import Services


def register_listeners(app: App, services: Services) -> None:
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    views.register(app, services)
