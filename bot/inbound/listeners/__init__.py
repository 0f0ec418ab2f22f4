"""Registers every listener on the Bolt app, one module per kind of Slack request."""

from __future__ import annotations

from slack_bolt import App

from bot.inbound.listeners import actions, commands, events, views
from bot.inbound.listeners.events.installs import Leaving
from bot.inbound.listeners.recording import Recording


def register_listeners(app: App, deps: Recording, leaving: Leaving, *, distributed: bool) -> None:
    commands.register(app, deps)
    events.register(app, deps, leaving, distributed=distributed)
    actions.register(app, deps)
    views.register(app, deps)
