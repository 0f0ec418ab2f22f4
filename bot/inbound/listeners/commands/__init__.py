from __future__ import annotations

from slack_bolt import App

from bot.inbound.listeners.commands.mldesign import mldesign_command
from bot.runtime.wiring import Services

COMMAND = "/mldesign"


def register(app: App, services: Services) -> None:
    app.command(COMMAND)(mldesign_command(services))
