"""Messages, threads, reactions, pins and ephemeral messages in the workspace's channels."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from sandbox.parts.base import Part
from sandbox.records import (
    SlackError,
    ts_key,
)


class ConversationsPart(Part):
    """Messages, threads, reactions, pins and ephemeral messages in the workspace's channels."""

    # -- messages --------------------------------------------------------------------------------------

    def _msgs(self, channel: str) -> dict[str, dict[str, Any]]:
        return self._state[self.channel(channel).id].messages

    def post_message(
        self,
        channel: str,
        *,
        text: str,
        user: str | None = None,
        bot_id: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
        broadcast: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a new message and maintain its thread's parent.

        The author is a human `user`, another app's `bot_id` (a legacy `bot_message`), or, with neither,
        our bot posting through the Web API.
        """
        with self._cond:
            channel_id = self.channel(channel).id
            msgs = self._state[channel_id].messages
            ts = self.next_ts()
            message: dict[str, Any] = {"type": "message", "text": text, "ts": ts, "team": self.team_id}
            if bot_id is not None and bot_id != self.bot.bot_id:
                message |= {"subtype": "bot_message", "bot_id": bot_id, "username": f"bot {bot_id}"}
            elif user is None:
                message |= {
                    "user": self.bot.id,
                    "bot_id": self.bot.bot_id,
                    "app_id": self.app_id,
                    "bot_profile": {
                        "id": self.bot.bot_id,
                        "app_id": self.app_id,
                        "name": self.bot.name,
                        "team_id": self.team_id,
                        "deleted": False,
                    },
                }
            else:
                message["user"] = user
            if blocks is not None:
                message["blocks"] = with_block_ids(blocks)
            if metadata is not None:
                message["metadata"] = metadata
            message |= extra or {}
            if thread_ts and thread_ts != ts:
                message["thread_ts"] = thread_ts
                if broadcast:
                    message["subtype"] = "thread_broadcast"
                parent = msgs.get(thread_ts)
                if parent is not None:
                    message["parent_user_id"] = parent.get("user") or parent.get("bot_id")
                    _add_reply(parent, message)
            msgs[ts] = message
            self._changed()
            return copy.deepcopy(message)

    def update_message(
        self,
        channel: str,
        ts: str,
        *,
        text: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        editor: str | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Change a message in place (None keeps a field); returns (previous, current) copies."""
        with self._cond:
            message = self._msgs(channel).get(ts)
            if message is None:
                raise SlackError("message_not_found")
            previous = copy.deepcopy(message)
            if text is not None:
                message["text"] = text
            if blocks is not None:
                message["blocks"] = with_block_ids(blocks)
            if metadata is not None:
                message["metadata"] = metadata
            if editor is not None:
                message["edited"] = {"user": editor, "ts": self.next_ts()}
            self._changed()
            return previous, copy.deepcopy(message)

    def delete_message(self, channel: str, ts: str) -> dict[str, Any]:
        """Remove a message; a parent with replies becomes a tombstone, as in Slack. Returns the old copy."""
        with self._cond:
            msgs = self._msgs(channel)
            message = msgs.get(ts)
            if message is None or message.get("subtype") == "tombstone":
                raise SlackError("message_not_found")
            previous = copy.deepcopy(message)
            if message.get("reply_count"):
                for key in ("user", "bot_id", "app_id", "bot_profile", "blocks", "metadata", "edited", "files"):
                    message.pop(key, None)
                message |= {"subtype": "tombstone", "text": "This message was deleted.", "hidden": True}
            else:
                del msgs[ts]
                parent = msgs.get(message.get("thread_ts", ts))
                if parent is not None and parent is not message:
                    _remove_reply(parent, ts, list(msgs.values()))
            self._changed()
            return previous

    def find_message(self, channel: str, ts: str) -> dict[str, Any]:
        """A stored message or Slack's `message_not_found`."""
        with self._cond:
            message = self._msgs(channel).get(ts)
            if message is None:
                raise SlackError("message_not_found")
            return copy.deepcopy(message)

    # -- reactions and pins ----------------------------------------------------------------------------

    def add_reaction(self, channel: str, ts: str, name: str, user: str) -> None:
        """React to a message; a second identical reaction is `already_reacted`."""
        with self._cond:
            message = self._msgs(channel).get(ts)
            if message is None:
                raise SlackError("message_not_found")
            reactions = message.setdefault("reactions", [])
            reaction = next((r for r in reactions if r["name"] == name), None)
            if reaction is None:
                reaction = {"name": name, "users": [], "count": 0}
                reactions.append(reaction)
            if user in reaction["users"]:
                raise SlackError("already_reacted")
            reaction["users"].append(user)
            reaction["count"] += 1
            self._changed()

    def remove_reaction(self, channel: str, ts: str, name: str, user: str) -> None:
        """Undo a reaction; removing one that isn't there is `no_reaction`."""
        with self._cond:
            message = self._msgs(channel).get(ts)
            if message is None:
                raise SlackError("message_not_found")
            reactions = message.get("reactions", [])
            reaction = next((r for r in reactions if r["name"] == name and user in r["users"]), None)
            if reaction is None:
                raise SlackError("no_reaction")
            reaction["users"].remove(user)
            reaction["count"] -= 1
            if not reaction["count"]:
                reactions.remove(reaction)
            if not reactions:
                message.pop("reactions", None)
            self._changed()

    def pin(self, channel: str, ts: str, user: str) -> None:
        """Pin a message to its channel; pinning twice is `already_pinned`."""
        with self._cond:
            self.find_message(channel, ts)
            pins = self._state[self.channel(channel).id].pins
            if ts in pins:
                raise SlackError("already_pinned")
            pins[ts] = {"created": int(self.now()), "created_by": user}
            self._changed()

    def unpin(self, channel: str, ts: str) -> dict[str, Any]:
        """Unpin a message; unpinning one that isn't pinned is `no_pin`. Returns the pin (created, created_by)."""
        with self._cond:
            self.find_message(channel, ts)
            pins = self._state[self.channel(channel).id].pins
            if ts not in pins:
                raise SlackError("no_pin")
            removed = pins.pop(ts)
            self._changed()
            return dict(removed)

    def pins(self, channel: str) -> list[dict[str, Any]]:
        """Pinned items in Slack's pins.list shape, oldest pin first."""
        with self._cond:
            channel_id = self.channel(channel).id
            state = self._state[channel_id]
            return [
                {"type": "message", "channel": channel_id, "message": copy.deepcopy(state.messages[ts])} | info
                for ts, info in state.pins.items()
                if ts in state.messages
            ]

    # -- ephemerals ------------------------------------------------------------------------------------

    def add_ephemeral(
        self,
        channel: str,
        user: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        source: str = "chat.postEphemeral",
    ) -> dict[str, Any]:
        """Store a message only `user` can see; `source` says how it arrived (API, ack, response_url)."""
        with self._cond:
            channel_id = self.channel(channel).id
            self.user(user)
            ephemeral: dict[str, Any] = {
                "type": "message",
                "channel": channel_id,
                "user": user,
                "ts": self.next_ts(),
                "text": text,
                "source": source,
            }
            if blocks is not None:
                ephemeral["blocks"] = with_block_ids(blocks)
            if thread_ts:
                ephemeral["thread_ts"] = thread_ts
            self._ephemerals.append(ephemeral)
            self._changed()
            return copy.deepcopy(ephemeral)

    def _ephemeral(self, ts: str) -> dict[str, Any]:
        found = next((e for e in self._ephemerals if e["ts"] == ts), None)
        if found is None:
            raise SlackError("message_not_found")
        return found

    def replace_ephemeral(self, ts: str, *, text: str, blocks: list[dict[str, Any]] | None) -> None:
        """Swap an ephemeral's content, as `replace_original` does on an ephemeral source message."""
        with self._cond:
            ephemeral = self._ephemeral(ts)
            ephemeral["text"] = text
            ephemeral.pop("blocks", None)
            if blocks is not None:
                ephemeral["blocks"] = with_block_ids(blocks)
            self._changed()

    def delete_ephemeral(self, ts: str) -> None:
        """Drop an ephemeral, as `delete_original` does."""
        with self._cond:
            self._ephemerals.remove(self._ephemeral(ts))
            self._changed()


def sorted_by_ts(messages: Any) -> list[dict[str, Any]]:
    return sorted(messages, key=lambda m: ts_key(m["ts"]))


def is_top_level(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return thread_ts in (None, message["ts"]) or message.get("subtype") == "thread_broadcast"


def with_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copy blocks, giving each a block_id as Slack does when the sender didn't."""
    result = copy.deepcopy(blocks)
    for block in result:
        block.setdefault("block_id", secrets.token_urlsafe(4))
    return result


def _add_reply(parent: dict[str, Any], reply: dict[str, Any]) -> None:
    """Maintain a parent's thread summary fields after a new reply."""
    author = reply.get("user") or reply.get("bot_id")
    parent["thread_ts"] = parent["ts"]
    parent["reply_count"] = parent.get("reply_count", 0) + 1
    users = parent.setdefault("reply_users", [])
    if author not in users:
        users.append(author)
    parent["reply_users_count"] = len(users)
    parent["latest_reply"] = reply["ts"]


def _remove_reply(parent: dict[str, Any], ts: str, remaining: list[dict[str, Any]]) -> None:
    """Recompute a parent's thread summary after one of its replies was deleted."""
    replies = sorted_by_ts(m for m in remaining if m.get("thread_ts") == parent["ts"] and m["ts"] != parent["ts"])
    parent["reply_count"] = len(replies)
    parent["reply_users"] = list(dict.fromkeys(m.get("user") or m.get("bot_id") for m in replies))
    parent["reply_users_count"] = len(parent["reply_users"])
    if replies:
        parent["latest_reply"] = replies[-1]["ts"]
    else:
        for key in ("reply_count", "reply_users", "reply_users_count", "latest_reply"):
            parent.pop(key, None)
