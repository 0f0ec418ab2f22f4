"""Modals and Home tabs, the trigger ids that open them, and the response URLs of commands and clicks."""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from sandbox.parts.base import Part
from sandbox.parts.conversations import with_block_ids
from sandbox.records import (
    ResponseTarget,
    SlackError,
)

MAX_PUSHED_VIEWS = 3


class ViewsPart(Part):
    """Modals and Home tabs, the trigger ids that open them, and the response URLs of commands and clicks."""

    # -- response URLs ---------------------------------------------------------------------------------

    def register_response_url(self, target: ResponseTarget) -> str:
        """Issue the token of a response_url that posts into `target`."""
        token = secrets.token_urlsafe(12)
        with self._cond:
            self._response_targets[token] = target
        return token

    def response_target(self, token: str) -> ResponseTarget | None:
        """What a response_url token points at, or None if it was never issued."""
        with self._cond:
            return self._response_targets.get(token)

    def apply_response(self, target: ResponseTarget, body: dict[str, Any]) -> None:
        """Apply a message response (response_url post or command ack) the way Slack shows it."""
        text = str(body.get("text") or "")
        blocks = body.get("blocks")
        with self._cond:
            if body.get("delete_original") and target.message_ts:
                if target.is_ephemeral:
                    self.delete_ephemeral(target.message_ts)
                else:
                    self.delete_message(target.channel, target.message_ts)
                return
            if not text and not blocks:
                raise SlackError("no_text")
            if body.get("replace_original") and target.message_ts:
                if target.is_ephemeral:
                    self.replace_ephemeral(target.message_ts, text=text, blocks=blocks)
                else:
                    self.update_message(target.channel, target.message_ts, text=text, blocks=blocks or [])
                return
            thread_ts = body.get("thread_ts") or target.thread_ts
            if body.get("response_type") == "in_channel":
                self.post_message(target.channel, text=text, blocks=blocks, thread_ts=thread_ts)
            else:
                self.add_ephemeral(
                    target.channel,
                    target.user,
                    text=text,
                    blocks=blocks,
                    thread_ts=thread_ts,
                    source="response",
                )

    # -- views -----------------------------------------------------------------------------------------

    def _consume_trigger(self, trigger_id: str) -> str:
        """A trigger_id works once and for three seconds, like Slack's; returns the user it was issued for."""
        if trigger_id in self._used_triggers:
            raise SlackError("exchanged_trigger_id")
        if trigger_id not in self._triggers:
            raise SlackError("invalid_trigger_id")
        issued = self._trigger_issued.get(trigger_id)
        if issued is not None and time.monotonic() - issued > self.trigger_lifetime_seconds:
            raise SlackError("expired_trigger_id")
        self._used_triggers.add(trigger_id)
        return self._triggers[trigger_id]

    def _store_view(self, view: dict[str, Any], user: str, **links: Any) -> dict[str, Any]:
        view_id = links.pop("view_id", None) or "V0" + secrets.token_hex(5).upper()
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": with_block_ids(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": secrets.token_hex(8),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot.bot_id,
        } | links
        self._views[view_id] = stored
        self._view_owners[view_id] = user
        self._view_errors.pop(view_id, None)
        self._changed()
        return copy.deepcopy(stored)

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """Open a modal for the user behind `trigger_id`, replacing any modal stack they had."""
        with self._cond:
            user = self._consume_trigger(trigger_id)
            stored = self._store_view(view, user)
            self._view_stacks[user] = [stored["id"]]
            return stored

    def push_view(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """Push a modal on top of the user's stack (Slack allows three)."""
        with self._cond:
            return self.push_view_for(self._consume_trigger(trigger_id), view)

    def push_view_for(self, user: str, view: dict[str, Any]) -> dict[str, Any]:
        """Push a modal without a trigger, as a `response_action: push` answer to a submission does."""
        with self._cond:
            stack = self._view_stacks.setdefault(user, [])
            if len(stack) >= MAX_PUSHED_VIEWS:
                raise SlackError("push_limit_reached")
            links = {"root_view_id": stack[0], "previous_view_id": stack[-1]} if stack else {}
            stored = self._store_view(view, user, **links)
            stack.append(stored["id"])
            return stored

    def update_view(
        self, view: dict[str, Any], *, view_id: str = "", external_id: str = "", hash: str = ""
    ) -> dict[str, Any]:
        """Replace an open view's content, keeping its id and position in the stack."""
        with self._cond:
            old = self._views.get(view_id) or next(
                (v for v in self._views.values() if external_id and v["external_id"] == external_id), None
            )
            if old is None:
                raise SlackError("not_found")
            if hash and hash != old["hash"]:
                raise SlackError("hash_conflict")
            links = {k: old[k] for k in ("root_view_id", "previous_view_id")}
            return self._store_view(view, self._view_owners[old["id"]], view_id=old["id"], **links)

    def publish_view(self, user: str, view: dict[str, Any]) -> dict[str, Any]:
        """Set a user's App Home tab."""
        with self._cond:
            self.user(user)
            stored = self._store_view(view, user, view_id=self._home_views.get(user))
            self._home_views[user] = stored["id"]
            return stored

    def home_view(self, user: str) -> dict[str, Any] | None:
        """The user's published Home tab, or None if the app never published one for them."""
        with self._cond:
            view_id = self._home_views.get(user)
            return copy.deepcopy(self._views[view_id]) if view_id in self._views else None

    def views(self, user: str | None = None) -> list[dict[str, Any]]:
        """Stored views (modals and home tabs), optionally for one user."""
        with self._cond:
            return [copy.deepcopy(v) for k, v in self._views.items() if user in (None, self._view_owners[k])]

    def open_modals(self, user: str) -> list[dict[str, Any]]:
        """The user's modal stack, bottom first."""
        with self._cond:
            return [copy.deepcopy(self._views[v]) for v in self._view_stacks.get(user, [])]

    def view(self, view_id: str) -> dict[str, Any] | None:
        """One stored view by id, or None."""
        with self._cond:
            view = self._views.get(view_id)
            return copy.deepcopy(view) if view is not None else None

    def _open_modal(self, user: str, view_id: str) -> list[str]:
        """The user's stack, if `view_id` is open in it; Slack's `not_found` otherwise."""
        stack = self._view_stacks.get(user, [])
        if view_id not in stack:
            raise SlackError("not_found")
        return stack

    def close_view(self, user: str, view_id: str) -> dict[str, Any]:
        """Close one of the user's modals and any pushed above it (all of them if it has clear_on_close)."""
        with self._cond:
            stack = self._open_modal(user, view_id)
            closed = copy.deepcopy(self._views[view_id])
            del stack[0 if closed["clear_on_close"] else stack.index(view_id) :]
            if not stack:
                self._view_stacks.pop(user, None)
            self._changed()
            return closed

    def clear_views(self, user: str) -> list[dict[str, Any]]:
        """Close the user's whole modal stack, as `response_action: clear` does; returns what was open."""
        with self._cond:
            closed = self.open_modals(user)
            self._view_stacks.pop(user, None)
            self._changed()
            return closed

    def set_view_state(self, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Record what the user entered in an open modal (its `state.values`); returns the view."""
        with self._cond:
            self._open_modal(user, view_id)
            self._views[view_id]["state"] = {"values": copy.deepcopy(values)}
            self._changed()
            return copy.deepcopy(self._views[view_id])

    def set_view_errors(self, view_id: str, errors: dict[str, str]) -> None:
        """Show validation errors under a modal's input blocks (`response_action: errors`)."""
        with self._cond:
            if view_id not in self._views:
                raise SlackError("not_found")
            self._view_errors[view_id] = {str(k): str(v) for k, v in errors.items()}
            self._changed()

    def view_errors(self, view_id: str) -> dict[str, str]:
        """The errors shown on a modal, by block_id (empty once the view is updated)."""
        with self._cond:
            return dict(self._view_errors.get(view_id, {}))
