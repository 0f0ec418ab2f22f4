"""The Slack app manifest: what mldesign asks Slack for, declared once. `manifest.json` at the top of the
repository is this, rendered for a placeholder host, and `mldesign manifest --url URL [--socket]` prints it
for yours; a test keeps the file, the listeners and this list in step."""

from __future__ import annotations

from typing import Any

APP_NAME = "mldesign"
COMMAND = "/mldesign"
PLACEHOLDER_URL = "https://mldesign.example.com"

# Each scope is for something the bot does; none is asked for "just in case".
BOT_SCOPES = (
    "commands",  # /mldesign
    "chat:write",  # questions, summaries, nudges, ephemeral notices (chat.postMessage, chat.update, chat.postEphemeral)
    "channels:history",  # replies in design threads in public channels (message events, conversations.replies)
    "groups:history",  # … and in private channels
    "pins:write",  # pinning the design summary (pins.add)
    "pins:read",  # pin_removed: a person unpinned the summary
    "reactions:write",  # ✅ on a reply that answered a question (reactions.add)
    "users:read",  # the owner's timezone, for revisits at working hours (users.info)
    "files:write",  # the Markdown design document (files_upload_v2)
    "canvases:write",  # the design in full, in a canvas kept current (canvases.create, .edit, .access.set)
)
BOT_EVENTS = (
    "message.channels",  # thread replies and their edits, in public channels
    "message.groups",  # … in private channels
    "pin_removed",
    "app_home_opened",
    "app_uninstalled",  # when distributed: the workspace's tokens are deleted
    "tokens_revoked",
    "user_change",  # a reviewer deactivated in the workspace is shown as having left (needs users:read)
)


def manifest(url: str = PLACEHOLDER_URL, *, socket_mode: bool = False) -> dict[str, Any]:
    """The manifest for an app served at ``url`` (HTTP mode), or one that connects over Socket Mode."""
    base = url.rstrip("/")
    events_url = f"{base}/slack/events"
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Design a production ML system with your team, one question at a time",
        "usage_hint": "start <name> | list | status <name> | summary <name> | export <name> | owners <name> | help",
        "should_escape": True,  # mentions arrive as <@U…|name>, which `/mldesign owners … add @name` needs
    }
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    oauth: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if not socket_mode:
        command["url"] = events_url
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
        oauth["redirect_urls"] = [f"{base}/slack/oauth_redirect"]
    return {
        "display_information": {
            "name": APP_NAME,
            "description": "Asks the right questions while your team designs a production ML system.",
            "long_description": (
                "mldesign walks an ML team through the questions that shape a production system (the problem "
                "and its baseline, data, model, and how its value is communicated) in a Slack thread, one "
                "question at a time. It keeps a pinned design summary current, flags design risks, shows "
                "readiness, exports a Markdown design document, and after deployment brings the refresh and "
                "feedback-loop decisions back to the team on a schedule."
            ),
            "background_color": "#2c7a7b",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": False},
            "bot_user": {"display_name": APP_NAME, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": oauth,
        "settings": settings,
    }
