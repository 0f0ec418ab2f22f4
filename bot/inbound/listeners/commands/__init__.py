from __future__ import annotations

from slack_bolt import App

from bot.inbound.listeners.commands.mldesign import mldesign_command
from bot.inbound.listeners.recording import Recording

COMMAND = "/mldesign"


def register(app: App, deps: Recording) -> None:
    app.command(COMMAND)(mldesign_command(deps))
