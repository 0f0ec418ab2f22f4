"""The bot-token scopes each Web API method needs, so an app installed through the fake can do only what Slack
would let it.

A token issued by oauth.v2.access carries the bot scopes the install granted; a call it lacks the scope for is
refused as Slack refuses it (`missing_scope`, with `needed` and `provided`) before anything changes. The
workspace's configured `bot_token` predates OAuth on the fake and keeps every scope, so single-workspace
setups need not list any.

The table follows Slack's method reference (docs.slack.dev/reference/methods/<method>, "Scopes: Bot token",
as mirrored in slack-ruby/slack-api-ref), and for the conversation methods its scope pages: those accept one
scope per kind of conversation (channels:history for public channels, groups:history for private ones,
im:history for DMs, ...) and Slack names the one the targeted conversation needs (`"needed": "groups:history"`).
When the fake cannot tell the target's kind (an unknown channel), any of them lets the call through, to fail
as the method itself fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.records import SlackError, Token
from sandbox.state import Workspace


def _per_kind(action: str, *, public: str | None = None) -> dict[str, str]:
    """A conversation family's scopes by Slack's channel_type: channels:/groups:/im:/mpim: + action."""
    return {
        "channel": public or f"channels:{action}",
        "group": f"groups:{action}",
        "im": f"im:{action}",
        "mpim": f"mpim:{action}",
    }


# Method -> the bot scope it needs: one scope, one per kind of conversation, or None for none at all.
BOT_SCOPES: dict[str, str | Mapping[str, str] | None] = {
    "auth.test": None,
    "auth.revoke": None,
    "apps.uninstall": None,  # checked by client_id and client_secret instead
    "oauth.v2.access": None,  # takes no token
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.delete": "chat:write",
    "chat.getPermalink": None,
    "reactions.add": "reactions:write",
    "reactions.remove": "reactions:write",
    "pins.add": "pins:write",
    "pins.remove": "pins:write",
    "pins.list": "pins:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.info": "files:read",
    "users.info": "users:read",
    "conversations.info": _per_kind("read"),
    "conversations.open": _per_kind("write", public="channels:manage"),
    "conversations.history": _per_kind("history"),
    "conversations.replies": _per_kind("history"),
    "views.open": None,
    "views.push": None,
    "views.update": None,
    "views.publish": None,
    "canvases.create": "canvases:write",
    "canvases.edit": "canvases:write",
    "canvases.access.set": "canvases:write",
    "canvases.delete": "canvases:write",
    "canvases.sections.lookup": "canvases:read",
}


class MissingScope(SlackError):
    """Slack's `missing_scope`: the token was not granted what the method needs (`needed`), only `provided`."""

    def __init__(self, needed: tuple[str, ...], provided: tuple[str, ...]) -> None:
        super().__init__("missing_scope")
        self.needed = needed
        self.provided = provided

    def fields(self) -> dict[str, str]:
        """The extra response fields Slack sends with the error, comma-separated as Slack lists scopes."""
        return {"needed": ",".join(self.needed), "provided": ",".join(self.provided)}


def needed_scopes(ws: Workspace, method: str, args: Mapping[str, Any]) -> tuple[str, ...]:
    """The scopes any one of which allows this call with a bot token; empty if it needs none."""
    entry = BOT_SCOPES.get(method)
    if entry is None:
        return ()
    if isinstance(entry, str):
        return (entry,)
    kind = _target_kind(ws, method, args)
    if kind is not None and kind in entry:
        return (entry[kind],)
    return tuple(dict.fromkeys(entry.values()))


def check_scopes(ws: Workspace, token: Token, needed: tuple[str, ...]) -> None:
    """Raise MissingScope unless `token` may make a call needing one of `needed`.

    The configured bot token may do anything; tokens an install issued only what they were granted.
    """
    if not needed or token.token == ws.bot_token:
        return
    if not set(needed) & set(token.scopes):
        raise MissingScope(needed, token.scopes)


def _target_kind(ws: Workspace, method: str, args: Mapping[str, Any]) -> str | None:
    """The kind of conversation a call targets, or None when the fake can't tell (without opening a DM)."""
    if method == "conversations.open":
        users = [u for u in str(args.get("users") or "").split(",") if u.strip()]
        if users:
            return "im" if len(users) == 1 else "mpim"
    return _kind_of(ws, str(args.get("channel") or ""))


def _kind_of(ws: Workspace, ref: str) -> str | None:
    """Resolve a channel reference as Workspace.channel does (id, #name or name, a person's id for their DM)."""
    if not ref:
        return None
    name = ref.removeprefix("#")
    for channel in ws.channels():
        if channel.id == ref or (channel.name == name and not channel.is_im):
            return channel.kind
    if any(user.id == ref and user.id != ws.bot.id for user in ws.users()):
        return "im"
    return None
