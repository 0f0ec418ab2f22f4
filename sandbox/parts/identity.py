"""Who and what the workspace knows: its tokens, users and channels, and the ids it hands out."""

from __future__ import annotations

import copy
import secrets
import time
from dataclasses import replace
from typing import Any

from sandbox.parts.base import Part
from sandbox.records import (
    Channel,
    SlackError,
    Token,
    User,
    _ChannelState,
)

# Since 2025, an app distributed outside the Marketplace reads history and replies once a minute, 15 at a time.
DISTRIBUTED_READ_METHODS = frozenset({"conversations.history", "conversations.replies"})
DISTRIBUTED_READ_INTERVAL_SECONDS = 60.0
DISTRIBUTED_READ_LIMIT = 15


class IdentityPart(Part):
    """Who and what the workspace knows: its tokens, users and channels, and the ids it hands out."""

    # -- tokens ----------------------------------------------------------------------------------------

    @property
    def bot_token(self) -> str:
        """The bot token the workspace was configured with (OAuth installs add more; see `tokens()`)."""
        return self._bot_token

    @bot_token.setter
    def bot_token(self, token: str) -> None:
        with self._cond:
            self._tokens.pop(self._bot_token, None)
            self._bot_token = token
            self._tokens[token] = Token(token)
            self._changed()

    def token(self, token: str) -> Token | None:
        """What the workspace knows of a token (a copy), or None if it never issued it."""
        with self._cond:
            found = self._tokens.get(token)
            return copy.copy(found) if found is not None else None

    def tokens(self) -> list[Token]:
        """Every token the workspace issued, revoked ones included, oldest first."""
        with self._cond:
            return [copy.copy(t) for t in self._tokens.values()]

    def issue_token(
        self,
        scopes: tuple[str, ...] | list[str],
        installer: str | None = None,
        *,
        distributed: bool = True,
        enterprise_install: bool = False,
    ) -> Token:
        """A new unique bot token with the granted `scopes`, as an OAuth install hands out (to an app distributed
        outside the Marketplace unless `distributed=False`: an internal app, or one listed in the Marketplace).
        With `enterprise_install`, an org-wide install's token (the other workspaces adopt it: `adopt_token`)."""
        if enterprise_install and self.enterprise_id is None:
            raise SlackError("not_an_enterprise")
        with self._cond:
            holder = self.enterprise_id if enterprise_install and self.enterprise_id else self.team_id
            value = f"xoxb-{holder.lower()}-{secrets.token_hex(12)}"
            issued = Token(
                value,
                tuple(scopes),
                installer,
                self.now(),
                distributed=distributed,
                enterprise_install=enterprise_install,
            )
            self._tokens[value] = issued
            self._changed()
            return copy.copy(issued)

    def revoke_token(self, token: str) -> bool:
        """Stop honouring one token (auth.revoke); False if it isn't one of ours or was already revoked."""
        with self._cond:
            found = self._tokens.get(token)
            if found is None or found.revoked:
                return False
            found.revoked = True
            self._changed()
            return True

    def adopt_token(self, token: Token) -> None:
        """Honour a token another workspace of the organization issued (an org-wide install's)."""
        with self._cond:
            self._tokens[token.token] = copy.copy(token)
            self._changed()

    @property
    def is_enterprise_install(self) -> bool:
        """Whether the app works here through an org-wide install (a live token of one)."""
        with self._cond:
            return any(t.enterprise_install and not t.revoked for t in self._tokens.values())

    @property
    def enterprise(self) -> dict[str, str] | None:
        """The organization as Slack's payloads describe it (`enterprise`), None outside Enterprise Grid."""
        if self.enterprise_id is None:
            return None
        return {"id": self.enterprise_id, "name": self.enterprise_name or self.enterprise_id}

    def revoke_tokens(self) -> list[str]:
        """Stop honouring every token, as uninstalling the app does; returns those that were still valid."""
        with self._cond:
            live = [t for t in self._tokens.values() if not t.revoked]
            for found in live:
                found.revoked = True
            self._changed()
            return [t.token for t in live]

    # -- ids -------------------------------------------------------------------------------------------

    def next_ts(self) -> str:
        """A message timestamp, strictly increasing across the workspace like Slack's, on the sandbox clock."""
        with self._cond:
            now_us = int(self.now() * 1_000_000)
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def new_event_id(self) -> str:
        """A unique `Ev...` id for an Events API envelope."""
        with self._cond:
            self._event_seq += 1
            return f"Ev0SANDBOX{self._event_seq:06d}"

    def new_trigger_id(self, user: str) -> str:
        """A trigger_id the bot may exchange once for views.open/views.push, within TRIGGER_LIFETIME_SECONDS."""
        trigger_id = f"{secrets.randbelow(10**10)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
        with self._cond:
            self._triggers[trigger_id] = user
            self._trigger_issued[trigger_id] = time.monotonic()
        return trigger_id

    def has_trigger(self, trigger_id: str) -> bool:
        """Whether this workspace issued `trigger_id` (used or not)."""
        with self._cond:
            return trigger_id in self._triggers

    def take_read_slot(self, method: str) -> float:
        """A distributed app's history or replies read: 0 if it may go now (and it takes the minute's one call),
        else the seconds until the next is allowed. Counted on the sandbox clock, per workspace and method."""
        with self._cond:
            now = self.now()
            last = self._read_slots.get(method)
            if last is not None and now - last < DISTRIBUTED_READ_INTERVAL_SECONDS:
                return DISTRIBUTED_READ_INTERVAL_SECONDS - (now - last)
            self._read_slots[method] = now
            return 0.0

    # -- directory -------------------------------------------------------------------------------------

    def add_user(self, user: User) -> None:
        """Add a member (tests may need more people than the defaults)."""
        with self._cond:
            self._users[user.id] = user
            self._changed()

    def deactivate_user(self, user_id: str, *, deleted: bool = True) -> dict[str, Any]:
        """A workspace admin deactivates a member (or brings them back): `users.info` then says ``deleted``.
        Returns the user object, which Slack sends apps subscribed to `user_change` as that event's ``user``."""
        with self._cond:
            user = replace(self.user(user_id), deleted=deleted)
            self._users[user_id] = user
            self._changed()
            return user.to_slack(self.team_id)

    def add_channel(self, channel: Channel) -> None:
        """Add a conversation."""
        with self._cond:
            self._channels[channel.id] = channel
            self._state.setdefault(channel.id, _ChannelState())
            self._changed()

    def user(self, user_id: str) -> User:
        """Look up a member or fail with Slack's `user_not_found`."""
        with self._cond:
            if user_id not in self._users:
                raise SlackError("user_not_found")
            return self._users[user_id]

    def users(self) -> list[User]:
        """All members, bot included."""
        with self._cond:
            return list(self._users.values())

    def channel(self, ref: str) -> Channel:
        """Resolve a channel id, `#name`/name, or a user id (the bot's DM), as chat.postMessage does."""
        with self._cond:
            if ref in self._channels:
                return self._channels[ref]
            name = ref.removeprefix("#")
            for channel in self._channels.values():
                if channel.name == name and not channel.is_im:
                    return channel
            if ref in self._users and ref != self.bot.id:
                return self.open_dm(ref)
            raise SlackError("channel_not_found")

    def channels(self) -> list[Channel]:
        """All conversations, DMs included."""
        with self._cond:
            return list(self._channels.values())

    def open_dm(self, user_id: str) -> Channel:
        """The bot's DM channel with a user, created on first use like conversations.open."""
        self.user(user_id)
        dm_id = "D" + user_id[1:]
        with self._cond:
            if dm_id not in self._channels:
                self.add_channel(Channel(dm_id, user_id, is_im=True, user=user_id))
            return self._channels[dm_id]
