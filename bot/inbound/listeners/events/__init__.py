from __future__ import annotations

from slack_bolt import App

from bot.inbound.listeners.events.home import app_home_opened
from bot.inbound.listeners.events.installs import (
    Leaving,
    app_uninstalled,
    single_workspace_tokens_revoked,
    single_workspace_uninstalled,
    tokens_revoked,
)
from bot.inbound.listeners.events.messages import message_event
from bot.inbound.listeners.events.people import user_change
from bot.inbound.listeners.events.pins import pin_removed
from bot.inbound.listeners.recording import Recording


def register(app: App, deps: Recording, leaving: Leaving, *, distributed: bool) -> None:
    # One listener for every message subtype: replies and edits matter, the rest is acknowledged and ignored.
    app.event("message")(message_event(deps))
    app.event("pin_removed")(pin_removed(deps.db))
    app.event("app_home_opened")(app_home_opened(deps.outbox))
    app.event("user_change")(user_change(deps))
    if distributed:
        app.event("tokens_revoked")(tokens_revoked(app, leaving.clients))
        app.event("app_uninstalled")(app_uninstalled(app, leaving))
    else:
        app.event("tokens_revoked")(single_workspace_tokens_revoked)
        app.event("app_uninstalled")(single_workspace_uninstalled(leaving))
