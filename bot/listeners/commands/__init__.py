from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands.mldesign import mldesign_command
from bot.services import Services

COMMAND = "/mldesign"


def register(app: App, services: Services) -> None:
    app.command(COMMAND)(mldesign_command(services))
