from __future__ import annotations

from slack_bolt import App

from bot.inbound.listeners.events.home import app_home_opened
from bot.inbound.listeners.events.installs import (
    app_uninstalled,
    single_workspace_tokens_revoked,
    single_workspace_uninstalled,
    tokens_revoked,
)
from bot.inbound.listeners.events.messages import message_event
from bot.inbound.listeners.events.pins import pin_removed
from bot.runtime.wiring import Services


def register(app: App, services: Services) -> None:
    # One listener for every message subtype: replies and edits matter, the rest is acknowledged and ignored.
    app.event("message")(message_event(services))
    app.event("pin_removed")(pin_removed(services))
    app.event("app_home_opened")(app_home_opened(services))
    if services.settings.distributed:
        app.event("tokens_revoked")(tokens_revoked(app, services))
        app.event("app_uninstalled")(app_uninstalled(app, services))
    else:
        app.event("tokens_revoked")(single_workspace_tokens_revoked)
        app.event("app_uninstalled")(single_workspace_uninstalled(services))
