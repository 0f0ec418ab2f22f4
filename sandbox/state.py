"""In-memory state of the fake Slack workspace.

Everything the fake knows about one workspace lives in one `Workspace`, guarded by a single
`threading.Condition`: the Web API (running in uvicorn's thread), the driver and the tests all read and mutate
it, and every mutation notifies waiters so tests can `wait_for` an outcome instead of sleeping.  Errors that
Slack reports as `{"ok": false, "error": ...}` are raised here as `SlackError` so the Web API layer only
translates them.  A fake serving several workspaces gives them one `Clock`, so moving time moves it for all.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import mimetypes
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from sandbox.canvases import (
    ACCESS_LEVELS,
    MAX_MARKDOWN,
    Canvas,
    CanvasRefused,
    apply_change,
    lookup,
    split_sections,
)

MAX_PUSHED_VIEWS = 3
TRIGGER_LIFETIME_SECONDS = 3.0  # a trigger_id opens a view only this soon after the click or command
# Since 2025, an app distributed outside the Marketplace reads history and replies once a minute, 15 at a time.
DISTRIBUTED_READ_METHODS = frozenset({"conversations.history", "conversations.replies"})
DISTRIBUTED_READ_INTERVAL_SECONDS = 60.0
DISTRIBUTED_READ_LIMIT = 15
MAX_CLOCK_STEP_SECONDS = 366 * 24 * 3600
STATE_FORMAT = 1
# By extension: (mimetype, Slack's filetype, Slack's pretty_type); anything else is guessed, or Slack's "binary".
FILE_TYPES = {
    "md": ("text/markdown", "markdown", "Markdown (raw)"),
    "markdown": ("text/markdown", "markdown", "Markdown (raw)"),
    "txt": ("text/plain", "text", "Plain Text"),
    "csv": ("text/csv", "csv", "CSV"),
    "json": ("application/json", "json", "JSON"),
    "py": ("text/x-python", "python", "Python"),
    "html": ("text/html", "html", "HTML"),
    "pdf": ("application/pdf", "pdf", "PDF"),
    "png": ("image/png", "png", "PNG"),
    "jpg": ("image/jpeg", "jpg", "JPEG"),
    "jpeg": ("image/jpeg", "jpg", "JPEG"),
    "gif": ("image/gif", "gif", "GIF"),
}


class SlackError(Exception):
    """A Slack API error code (e.g. `message_not_found`), surfaced to clients as `ok: false`."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class User:
    """A workspace member as `users.info` describes it."""

    id: str
    name: str
    real_name: str
    tz: str = "Europe/London"
    tz_offset: int = 0
    is_bot: bool = False
    bot_id: str | None = None

    def to_slack(self, team_id: str) -> dict[str, Any]:
        """Render in the shape of Slack's user object."""
        profile: dict[str, Any] = {
            "display_name": self.name,
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "team": team_id,
        }
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": self.tz_offset,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_admin": False,
            "is_owner": False,
            "profile": profile,
        }


@dataclass(frozen=True)
class Channel:
    """A conversation: a public channel, a private one (`is_private`) or a bot DM (`is_im`)."""

    id: str
    name: str
    is_im: bool = False
    user: str | None = None
    is_private: bool = False

    @property
    def kind(self) -> str:
        """Slack's `channel_type` for it ("channel", "group" for a private channel, "im"), which also picks
        the scope family (channels:*, groups:*, im:*) a bot token needs to touch it."""
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"

    def to_slack(self) -> dict[str, Any]:
        """Render in the shape of Slack's conversation object (private channels made since 2021 are channels too)."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_im,
            "is_group": False,
            "is_im": self.is_im,
            "is_private": self.is_im or self.is_private,
            "is_archived": False,
            "is_general": self.name == "general",
            "is_member": True,
            "created": 1700000000,
        }
        if self.user:
            data["user"] = self.user
        return data


class Call(NamedTuple):
    """One Web API (or response_url) call, as received and answered, and the token it presented (if any)."""

    method: str
    params: dict[str, Any]
    response: dict[str, Any]
    token: str = ""


@dataclass
class Token:
    """A bot token the workspace honours: the configured one, or one an OAuth install issued.

    `scopes` are the bot scopes granted at install, which limit what it may call (sandbox/scopes.py); the
    configured token has none recorded and may do anything. `installer` is the person who approved the install.
    `distributed` marks a token of an app distributed outside the Marketplace (one an OAuth install issued):
    Slack holds its history and replies reads to one call a minute of at most 15 messages.
    """

    token: str
    scopes: tuple[str, ...] = ()
    installer: str | None = None
    issued_at: float = 0.0
    revoked: bool = False
    distributed: bool = False
    enterprise_install: bool = False  # an org-wide install's: one token for every workspace of the organization


@dataclass(frozen=True)
class Delivery:
    """One request the driver sent to the bot app, with the app's answer, for debugging."""

    kind: str
    request: Any
    status: int
    response: str


@dataclass
class Fault:
    """A scripted failure for the next `times` calls of a method."""

    error: str
    http_status: int | None
    retry_after: int | None
    times: int
    matching: Callable[[dict[str, Any]], bool] | None = None  # only calls whose arguments it accepts


@dataclass
class Delay:
    """A scripted slow answer for the next `times` calls of a method."""

    seconds: float
    times: int


@dataclass(frozen=True)
class ResponseTarget:
    """Where a response_url posts land: the invoking user/channel and, for clicks, the source message."""

    channel: str
    user: str
    message_ts: str | None = None
    is_ephemeral: bool = False
    thread_ts: str | None = None


@dataclass
class _ChannelState:
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    pins: dict[str, dict[str, Any]] = field(default_factory=dict)


class Clock:
    """The sandbox's time: real time plus how far it was moved forward (never back, so timestamps keep increasing).

    One fake has one clock, shared by its workspaces: the app reads it at `/sandbox/clock` whichever workspace
    it serves. Workspaces subscribe so that moving it wakes their waiters and live pages.
    """

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self.offset_seconds = float(offset_seconds)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        """Real time plus the offset."""
        return time.time() + self.offset_seconds

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call `listener` (without any lock held) each time the clock moves."""
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        """Stop telling `listener` about moves."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def advance(self, seconds: float) -> float:
        """Move forward by `seconds` (more than 0, at most MAX_CLOCK_STEP_SECONDS); returns the new now()."""
        if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_CLOCK_STEP_SECONDS:
            raise ValueError(f"advance the clock by more than 0 and at most {MAX_CLOCK_STEP_SECONDS} seconds")
        with self._lock:
            self.offset_seconds += seconds
        self._moved()
        return self.now()

    def advance_to(self, epoch: float) -> float:
        """Move forward to the moment `epoch` unless it is already past; returns the new now()."""
        if isinstance(epoch, bool) or not isinstance(epoch, int | float) or not 0 < epoch < math.inf:
            raise ValueError(f"advance the clock to a moment in seconds since 1970, not {epoch!r}")
        with self._lock:
            now = self.now()
            if epoch <= now:
                return now
            if epoch > now + MAX_CLOCK_STEP_SECONDS:
                raise ValueError(
                    f"advance the clock to a moment at most {MAX_CLOCK_STEP_SECONDS} seconds ahead of it"
                    " (in seconds since 1970, not milliseconds)"
                )
            self.offset_seconds += epoch - now
        self._moved()
        return self.now()

    def _moved(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()


def ts_key(ts: str) -> tuple[int, int]:
    """Sort key for Slack timestamps; tolerant of odd thread_ts values clients may send."""
    seconds, _, micros = str(ts).partition(".")
    try:
        return int(seconds), int(micros.ljust(6, "0")[:6] or 0)
    except ValueError:
        return 0, 0


DEFAULT_USERS = (
    User("U0ALICE", "alice", "Alice Smith", "Europe/London", 0),
    User("U0BOB", "bob", "Bob Jones", "America/New_York", -18000),
    User("U0CAROL", "carol", "Carol Diaz", "Europe/Berlin", 3600),
)
DEFAULT_CHANNELS = (
    Channel("C0GENERAL", "general"),
    Channel("C0MLTEAM", "ml-team"),
    Channel("C0RANDOM", "random"),
)


class Workspace:
    """The whole fake workspace: users, channels, messages, ephemerals, pins, views and logs."""

    def __init__(
        self,
        team_id: str = "T0SANDBOX",
        team_name: str = "Sandbox",
        team_domain: str = "sandbox",
        bot_token: str = "xoxb-sandbox-token",
        users: tuple[User, ...] = DEFAULT_USERS,
        channels: tuple[Channel, ...] = DEFAULT_CHANNELS,
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        clock: Clock | None = None,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        # An Enterprise Grid workspace belongs to an organization: its requests carry the organization's id.
        self.enterprise_id = enterprise_id
        self.enterprise_name = enterprise_name or (enterprise_id and f"{team_name} organization")
        self.app_id = "A0SANDBOX"
        self.verification_token = "sandbox-verification-token"
        self.bot = User(bot_user_id, "mldesign", "mldesign", is_bot=True, bot_id=bot_id)
        self._cond = threading.Condition()
        self._bot_token = bot_token
        self._tokens: dict[str, Token] = {bot_token: Token(bot_token)}
        self._clock = clock or Clock()
        self._clock.subscribe(self._clock_moved)
        self._users: dict[str, User] = {u.id: u for u in (self.bot, *users)}
        self._channels: dict[str, Channel] = {}
        self._state: dict[str, _ChannelState] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._view_stacks: dict[str, list[str]] = {}
        self._home_views: dict[str, str] = {}
        self._view_owners: dict[str, str] = {}
        self._triggers: dict[str, str] = {}
        self._used_triggers: set[str] = set()
        self._trigger_issued: dict[str, float] = {}  # real (monotonic) time: Slack's 3 s are wall-clock seconds
        self.trigger_lifetime_seconds = TRIGGER_LIFETIME_SECONDS
        self._read_slots: dict[str, float] = {}  # a distributed app's last history/replies read, per method
        self._response_targets: dict[str, ResponseTarget] = {}
        self._calls: list[Call] = []
        self._problems: list[str] = []
        self._deliveries: list[Delivery] = []
        self._faults: dict[str, Fault] = {}
        self._delays: dict[str, Delay] = {}
        self._resets: dict[str, int] = {}
        self._view_errors: dict[str, dict[str, str]] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._canvases: dict[str, Canvas] = {}
        # Slack's free plan allows only canvases tabbed in a channel; an admin may switch canvases off altogether.
        self.free_plan = False
        self.canvases_disabled = False
        self._last_ts_us = 0
        self._event_seq = 0
        self.version = 0
        for channel in channels:
            self.add_channel(channel)

    # -- synchronisation -------------------------------------------------------------------------------

    def _changed(self) -> None:
        """Bump the version and wake every waiter; call with the lock held."""
        self.version += 1
        self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Workspace], bool], timeout: float = 5.0) -> None:
        """Block until `predicate(self)` holds, so tests observe outcomes without sleeping."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"condition not met within {timeout}s\n{self.describe_recent()}")
                self._cond.wait(remaining)

    def wait_for_version(self, last: int, timeout: float) -> int:
        """Block until the version differs from `last` (or `timeout` passes); returns the current version.

        Live views (the page's event stream) use it to learn that something changed without polling state.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.version == last:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return self.version

    def describe_recent(self, n: int = 8) -> str:
        """Summarise the latest calls and deliveries, to make timeouts debuggable."""
        with self._cond:
            lines = ["last Web API calls:"]
            lines += [f"  {c.method} {c.params!r} -> {c.response!r}"[:400] for c in self._calls[-n:]]
            lines.append("last deliveries to the app:")
            lines += [f"  {d.kind} -> {d.status} {d.response!r}"[:400] for d in self._deliveries[-n:]]
            return "\n".join(lines)

    # -- clock -----------------------------------------------------------------------------------------

    @property
    def shared_clock(self) -> Clock:
        """The clock this workspace runs on (one per fake, shared by its workspaces)."""
        return self._clock

    def use_clock(self, clock: Clock) -> None:
        """Run on `clock` from now on, e.g. the clock of the fake's first workspace."""
        if clock is self._clock:
            return
        self._clock.unsubscribe(self._clock_moved)
        self._clock = clock
        clock.subscribe(self._clock_moved)
        self._clock_moved()

    def _clock_moved(self) -> None:
        with self._cond:
            self._changed()

    @property
    def clock_offset_seconds(self) -> float:
        """How far the sandbox clock is ahead of real time."""
        return self._clock.offset_seconds

    @clock_offset_seconds.setter
    def clock_offset_seconds(self, seconds: float) -> None:
        self._clock.offset_seconds = float(seconds)

    def now(self) -> float:
        """The sandbox's time: real time plus the offset the clock was advanced by (to try nudges quickly)."""
        return self._clock.now()

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox clock forward (never back, so timestamps stay increasing); returns the new now()."""
        return self._clock.advance(seconds)

    def advance_clock_to(self, epoch: float) -> float:
        """Move the sandbox clock forward to the moment `epoch` (seconds since 1970); returns the new now().

        A moment already past leaves the clock alone (never back, so timestamps stay increasing): "be at least
        at this moment" is then already true, so a stale page button or a repeated call does no harm.
        A moment more than MAX_CLOCK_STEP_SECONDS ahead is refused, which also catches milliseconds.
        """
        return self._clock.advance_to(epoch)

    def clock(self) -> dict[str, Any]:
        """The clock as `/sandbox/clock` shares it with the app."""
        now = self.now()
        iso = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"now": now, "offset_seconds": self.clock_offset_seconds, "iso": iso}

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
                message["blocks"] = _with_block_ids(blocks)
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
                message["blocks"] = _with_block_ids(blocks)
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

    # -- files ---------------------------------------------------------------------------------------------

    def start_upload(self, filename: str, length: int, *, alt_txt: str = "", snippet_type: str = "") -> dict[str, Any]:
        """Reserve a file id for the bot's upload (files.getUploadURLExternal); the bytes come to its upload URL."""
        mimetype, filetype, pretty_type = file_type(filename)
        with self._cond:
            file_id = "F0" + secrets.token_hex(5).upper()
            self._files[file_id] = {
                "id": file_id,
                "name": filename,
                "title": filename,
                "mimetype": mimetype,
                "filetype": filetype,
                "pretty_type": pretty_type,
                "length": length,
                "size": 0,
                "user": self.bot.id,
                "created": int(self.now()),
                "alt_txt": alt_txt,
                "snippet_type": snippet_type,
                "state": "pending",
                "shares": [],
                "content": b"",
            }
            self._changed()
            return self.file(file_id) or {}

    def receive_upload(self, file_id: str, content: bytes) -> int:
        """Keep the bytes posted to a file's upload URL; returns their length.

        An upload URL works until its upload is completed, like Slack's: `file_not_found` for an unknown or
        completed file.
        """
        with self._cond:
            record = self._files.get(file_id)
            if record is None or record["state"] == "complete":
                raise SlackError("file_not_found")
            record |= {"content": bytes(content), "size": len(content), "state": "uploaded"}
            self._changed()
            return len(content)

    def complete_uploads(
        self,
        files: list[tuple[str, str | None]],
        *,
        base_url: str,
        channels: list[str] | None = None,
        initial_comment: str = "",
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> list[dict[str, Any]]:
        """Finish uploads (files.completeUploadExternal): each (file id, title) is marked complete and, per channel,
        the bot posts one message carrying them all. Nothing changes unless every file was uploaded
        (`file_not_found`) and every channel exists. Returns the files in Slack's shape.
        """
        with self._cond:
            records = []
            for file_id, _ in files:
                record = self._files.get(file_id)
                if record is None or record["state"] == "pending":
                    raise SlackError("file_not_found")
                records.append(record)
            conversations = [self.channel(c) for c in channels or []]
            for record, (_, title) in zip(records, files, strict=True):
                record["state"] = "complete"
                if title:
                    record["title"] = title
            in_public = any(c.kind == "channel" for c in conversations)
            shown = [self._file_object(r, base_url, with_shares=False) | {"is_public": in_public} for r in records]
            for conversation in conversations:
                message = self.post_message(
                    conversation.id,
                    text=initial_comment,
                    blocks=None if initial_comment else blocks,
                    thread_ts=thread_ts,
                    extra={"files": copy.deepcopy(shown), "upload": True, "display_as_bot": False},
                )
                for record in records:
                    record["shares"].append({"channel": conversation.id, "ts": message["ts"], "thread_ts": thread_ts})
            self._changed()
            return [self._file_object(r, base_url) for r in records]

    def file_info(self, file_id: str, base_url: str) -> dict[str, Any]:
        """A completed file in Slack's shape (files.info), with its URLs on `base_url`; else `file_not_found`."""
        with self._cond:
            record = self._files.get(file_id)
            if record is None or record["state"] != "complete":
                raise SlackError("file_not_found")
            return self._file_object(record, base_url)

    def file(self, file_id: str) -> dict[str, Any] | None:
        """What the fake holds for one file, or None: its metadata, `state` (pending, uploaded, complete), where it
        was shared, `content` (bytes) and `text` (the content as UTF-8, or None if it isn't), for tests to check.
        """
        with self._cond:
            record = self._files.get(file_id)
            if record is None:
                return None
            stored = copy.deepcopy(record)
        try:
            stored["text"] = stored["content"].decode("utf-8")
        except UnicodeDecodeError:
            stored["text"] = None
        return stored

    def files(self) -> list[dict[str, Any]]:
        """Every file, as `file()` describes it, oldest first."""
        with self._cond:
            ids = list(self._files)
        return [f for f in map(self.file, ids) if f is not None]

    def _file_object(self, record: dict[str, Any], base_url: str, *, with_shares: bool = True) -> dict[str, Any]:
        """A file in Slack's shape; messages carry it without the shares, as Slack's do."""
        base = base_url.rstrip("/") + "/"
        name = quote(record["name"], safe="")
        private = f"{base}files-pri/{self.team_id}-{record['id']}/"
        kinds = {s["channel"]: self._channels[s["channel"]].kind for s in record["shares"]}
        public_channels = [c for c, kind in kinds.items() if kind == "channel"]
        file: dict[str, Any] = {
            "id": record["id"],
            "created": record["created"],
            "timestamp": record["created"],
            "name": record["name"],
            "title": record["title"],
            "mimetype": record["mimetype"],
            "filetype": record["filetype"],
            "pretty_type": record["pretty_type"],
            "user": record["user"],
            "user_team": self.team_id,
            "editable": False,
            "size": record["size"],
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(public_channels),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": private + name,
            "url_private_download": f"{private}download/{name}",
            "permalink": f"{base}files/{record['user']}/{record['id']}/{name}",
            "comments_count": 0,
            "is_starred": False,
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if record["alt_txt"]:
            file["alt_txt"] = record["alt_txt"]
        if not with_shares:
            return file
        shares: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for share in record["shares"]:
            channel = self._channels[share["channel"]]
            entry = {
                "reply_users": [],
                "reply_users_count": 0,
                "reply_count": 0,
                "ts": share["ts"],
                "channel_name": channel.name,
                "team_id": self.team_id,
                "share_user_id": record["user"],
                "source": "UNKNOWN",
            }
            if share["thread_ts"]:
                entry["thread_ts"] = share["thread_ts"]
            visibility = "public" if channel.kind == "channel" else "private"
            shares.setdefault(visibility, {}).setdefault(channel.id, []).append(entry)
        return file | {
            "shares": shares,
            "channels": public_channels,
            "groups": [c for c, kind in kinds.items() if kind == "group"],
            "ims": [c for c, kind in kinds.items() if kind == "im"],
        }

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
                ephemeral["blocks"] = _with_block_ids(blocks)
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
                ephemeral["blocks"] = _with_block_ids(blocks)
            self._changed()

    def delete_ephemeral(self, ts: str) -> None:
        """Drop an ephemeral, as `delete_original` does."""
        with self._cond:
            self._ephemerals.remove(self._ephemeral(ts))
            self._changed()

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
            "blocks": _with_block_ids(view.get("blocks", [])),
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

    # -- canvases --------------------------------------------------------------------------------------

    def create_canvas(self, *, title: str, markdown: str, channel_id: str | None = None) -> str:
        """canvases.create: a standalone canvas owned by the bot (tabbed in `channel_id` if given); its id."""
        with self._cond:
            self._canvases_allowed()
            if channel_id:
                channel_id = self.channel(channel_id).id
            elif self.free_plan:
                raise SlackError("free_teams_cannot_create_non_tabbed_canvases")
            if len(markdown) > MAX_MARKDOWN:
                raise SlackError("canvas_creation_failed")  # Slack's answer when it can't make the canvas
            canvas = Canvas("F0" + secrets.token_hex(5).upper(), title, self.bot.id, self.now(), channel_id=channel_id)
            canvas.sections = split_sections(markdown)
            if channel_id:
                canvas.access[channel_id] = "write"
            self._canvases[canvas.id] = canvas
            self._changed()
            return canvas.id

    def edit_canvas(self, canvas_id: str, changes: Any) -> None:
        """canvases.edit: exactly one change, as Slack accepts today."""
        with self._cond:
            canvas = self._editable_canvas(canvas_id)
            if not isinstance(changes, list) or len(changes) != 1:
                raise SlackError("invalid_arguments")
            before = list(canvas.sections), canvas.title, canvas.edits
            try:
                apply_change(canvas, changes[0])
            except CanvasRefused as refused:
                raise SlackError(refused.error) from None
            if len(canvas.markdown) > MAX_MARKDOWN:
                canvas.sections, canvas.title, canvas.edits = before
                raise SlackError("canvas_editing_failed")
            self._changed()

    def lookup_canvas_sections(self, canvas_id: str, criteria: Any) -> list[str]:
        """canvases.sections.lookup: the ids of the sections matching `criteria`."""
        with self._cond:
            self._canvases_allowed()
            canvas = self._canvases.get(canvas_id)
            if canvas is None:
                raise SlackError("canvas_not_found")
            try:
                return lookup(canvas, criteria)
            except CanvasRefused as refused:
                raise SlackError(refused.error) from None

    def set_canvas_access(self, canvas_id: str, level: str, channel_ids: list[str], user_ids: list[str]) -> None:
        """canvases.access.set: who may read or write the canvas (channels or people, not both)."""
        with self._cond:
            canvas = self._editable_canvas(canvas_id)
            if level not in ACCESS_LEVELS or bool(channel_ids) == bool(user_ids):
                raise SlackError("invalid_arguments")
            if level == "owner" and channel_ids:
                raise SlackError("invalid_arguments")
            for channel_id in channel_ids:
                canvas.access[self.channel(channel_id).id] = level
            for user_id in user_ids:
                canvas.access[self.user(user_id).id] = level
            self._changed()

    def delete_canvas(self, canvas_id: str) -> None:
        """canvases.delete (or a person deleting it in Slack)."""
        with self._cond:
            if self._canvases.pop(canvas_id, None) is None:
                raise SlackError("canvas_not_found")
            self._changed()

    def canvas(self, canvas_id: str) -> dict[str, Any] | None:
        """A canvas as the tests see it: title, markdown, its sections (id, type, markdown), access, edits."""
        with self._cond:
            canvas = self._canvases.get(canvas_id)
            if canvas is None:
                return None
            sections = [{"id": s.id, "type": s.type, "markdown": s.markdown} for s in canvas.sections]
            return canvas.to_json() | {"sections": sections}

    def canvases(self) -> list[dict[str, Any]]:
        """Every canvas, oldest first."""
        with self._cond:
            ids = list(self._canvases)
        return [c for c in map(self.canvas, ids) if c is not None]

    def _canvases_allowed(self) -> None:
        if self.canvases_disabled:
            raise SlackError("canvas_disabled_user_team")

    def _editable_canvas(self, canvas_id: str) -> Canvas:
        self._canvases_allowed()
        canvas = self._canvases.get(canvas_id)
        if canvas is None:
            raise SlackError("canvas_not_found")
        if self.free_plan and canvas.channel_id is None:
            raise SlackError("free_teams_cannot_edit_standalone_canvases")
        return canvas

    # -- call log and faults ---------------------------------------------------------------------------

    def record_call(self, method: str, params: dict[str, Any], response: dict[str, Any], token: str = "") -> None:
        """Log a Web API call (and the token it presented) and wake waiters."""
        with self._cond:
            self._calls.append(Call(method, copy.deepcopy(params), copy.deepcopy(response), token))
            self._changed()

    def record_delivery(self, delivery: Delivery) -> None:
        """Log a request the driver sent to the app."""
        with self._cond:
            self._deliveries.append(delivery)
            self._changed()

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        *,
        http_status: int | None = None,
        retry_after: int | None = 1,
        times: int = 1,
        matching: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail with a Slack error or an HTTP status (e.g. 429);
        `times=0` clears what was scripted for `method`. A call also delayed (`delay_next`) fails after its delay.
        With `matching`, only calls whose arguments it accepts fail (say, the posts of one kind of message)."""
        with self._cond:
            if times <= 0:
                self._faults.pop(method, None)
                return
            self._faults[method] = Fault(error, http_status, retry_after, times, matching)

    def take_fault(self, method: str, arguments: dict[str, Any] | None = None) -> Fault | None:
        """Consume one scripted failure for `method`, if any is pending (and accepts these arguments)."""
        with self._cond:
            fault = self._faults.get(method)
            if fault is None or (fault.matching is not None and not fault.matching(arguments or {})):
                return None
            fault.times -= 1
            if fault.times <= 0:
                del self._faults[method]
            self._cond.notify_all()
            return fault

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Make the next `times` calls of `method` wait `seconds` before being processed and answered, as a slow
        Slack does; `times=0` clears what was scripted for `method`.

        The call is applied after the delay, not dropped: a client that gives up sooner sees a timeout, yet the
        call still takes effect (and is logged) when the delay ends, exactly like a real Slack timeout. The wait
        doesn't hold up other calls. A `fail_next` or `reset_next` fault scripted for the same call applies once
        the delay is over. Stopping the fake cuts a delay short: that call is then dropped and logged as reset.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds < math.inf:
            raise ValueError(f"delay calls by 0 or more seconds, not {seconds!r}")
        with self._cond:
            if times <= 0:
                self._delays.pop(method, None)
                return
            self._delays[method] = Delay(float(seconds), times)

    def take_delay(self, method: str) -> float:
        """Consume one scripted delay for `method`: the seconds to wait (0 if none is pending)."""
        with self._cond:
            delay = self._delays.get(method)
            if delay is None:
                return 0.0
            delay.times -= 1
            if delay.times <= 0:
                del self._delays[method]
            self._cond.notify_all()
            return delay.seconds

    def reset_next(self, method: str, *, times: int = 1) -> None:
        """Make the next `times` calls of `method` go unprocessed and unanswered: the fake closes the TCP
        connection with a reset, so the client sees a connection error (not an HTTP status) and nothing changes
        here. They are logged with the response `{"reset": True}`; `times=0` clears what was scripted for `method`.
        """
        with self._cond:
            if times <= 0:
                self._resets.pop(method, None)
                return
            self._resets[method] = times

    def take_reset(self, method: str) -> bool:
        """Consume one scripted reset for `method`; whether one was pending."""
        with self._cond:
            times = self._resets.get(method, 0)
            if times <= 0:
                return False
            if times == 1:
                del self._resets[method]
            else:
                self._resets[method] = times - 1
            self._cond.notify_all()
            return True

    def pending_faults(self) -> dict[str, dict[str, int]]:
        """What is still scripted, by method: how many more calls will fail, be delayed, be reset, e.g.
        `{"chat.postMessage": {"delay": 1}}`. Faults are taken as calls arrive (waking waiters), so a test can
        `wait_for` a delayed call to be in flight before acting meanwhile."""
        with self._cond:
            pending: dict[str, dict[str, int]] = {}
            for method, fault in self._faults.items():
                pending.setdefault(method, {})["fail"] = fault.times
            for method, delay in self._delays.items():
                pending.setdefault(method, {})["delay"] = delay.times
            for method, times in self._resets.items():
                pending.setdefault(method, {})["reset"] = times
            return pending

    def clear_faults(self, method: str | None = None) -> None:
        """Forget every scripted failure, delay and reset (or only those of `method`), e.g. between test steps."""
        with self._cond:
            for scripted in (self._faults, self._delays, self._resets):
                if method is None:
                    scripted.clear()
                else:
                    scripted.pop(method, None)

    # -- read helpers for tests ------------------------------------------------------------------------

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages of a channel in ts order (broadcast replies included, as in the channel)."""
        with self._cond:
            return [copy.deepcopy(m) for m in _sorted(self._msgs(channel).values()) if _is_top_level(m)]

    def replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """A thread's replies in order, without the parent."""
        with self._cond:
            return [
                copy.deepcopy(m)
                for m in _sorted(self._msgs(channel).values())
                if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
            ]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """One message by ts, or None."""
        with self._cond:
            message = self._msgs(channel).get(ts)
            return copy.deepcopy(message) if message is not None else None

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[dict[str, Any]]:
        """Ephemeral messages, optionally filtered by channel and/or recipient, oldest first."""
        with self._cond:
            channel_id = self.channel(channel).id if channel else None
            return [
                copy.deepcopy(e)
                for e in self._ephemerals
                if channel_id in (None, e["channel"]) and user in (None, e["user"])
            ]

    def flag(self, problem: str) -> None:
        """Record something Slack accepts but people would see broken (a stale menu, say), for tests to assert on."""
        with self._cond:
            self._problems.append(problem)

    def problems(self) -> list[str]:
        """What the app did that Slack accepts and its clients show wrongly (see ``flag``)."""
        with self._cond:
            return list(self._problems)

    def calls(self, method: str | None = None) -> list[Call]:
        """Logged Web API calls, optionally of one method."""
        with self._cond:
            return [c for c in self._calls if method in (None, c.method)]

    def deliveries(self, kind: str | None = None) -> list[Delivery]:
        """Logged driver requests, optionally of one kind."""
        with self._cond:
            return [d for d in self._deliveries if kind in (None, d.kind)]

    # -- persistence -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything a restart needs (not the call and delivery logs), as JSON-ready data.

        Tokens are kept, revoked ones too, so an app that stored an OAuth install's token can use it after a
        restart. OAuth codes not yet exchanged are not workspace state (sandbox/oauth.py): a restart forgets them.
        """
        with self._cond:
            return copy.deepcopy(
                {
                    "format": STATE_FORMAT,
                    "team": {
                        "team_id": self.team_id,
                        "team_name": self.team_name,
                        "team_domain": self.team_domain,
                        "bot_token": self.bot_token,
                        "bot_user_id": self.bot.id,
                        "bot_id": self.bot.bot_id,
                        "enterprise_id": self.enterprise_id,
                        "enterprise_name": self.enterprise_name,
                    },
                    "tokens": [asdict(t) for t in self._tokens.values()],
                    "users": [asdict(u) for u in self._users.values() if u.id != self.bot.id],
                    "channels": [asdict(c) for c in self._channels.values()],
                    "messages": {cid: list(st.messages.values()) for cid, st in self._state.items()},
                    "pins": {cid: st.pins for cid, st in self._state.items() if st.pins},
                    "ephemerals": self._ephemerals,
                    "views": self._views,
                    "view_stacks": self._view_stacks,
                    "home_views": self._home_views,
                    "view_owners": self._view_owners,
                    "view_errors": self._view_errors,
                    "files": {k: _file_to_json(f) for k, f in self._files.items()},
                    "canvases": [c.to_json() for c in self._canvases.values()],
                    "response_targets": {k: asdict(t) for k, t in self._response_targets.items()},
                    "clock_offset_seconds": self.clock_offset_seconds,
                    "last_ts_us": self._last_ts_us,
                    "event_seq": self._event_seq,
                }
            )

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Workspace:
        """Rebuild a workspace from `snapshot()` data."""
        if data.get("format") != STATE_FORMAT:
            raise ValueError(f"unsupported sandbox state format {data.get('format')!r}")
        ws = cls(
            **data["team"],
            users=tuple(User(**u) for u in data["users"]),
            channels=tuple(Channel(**c) for c in data["channels"]),
        )
        for channel_id, messages in data["messages"].items():
            ws._state.setdefault(channel_id, _ChannelState()).messages = {m["ts"]: m for m in messages}
        for channel_id, pins in data["pins"].items():
            ws._state.setdefault(channel_id, _ChannelState()).pins = dict(pins)
        ws._ephemerals = list(data["ephemerals"])
        ws._views = dict(data["views"])
        ws._view_stacks = {k: list(v) for k, v in data["view_stacks"].items()}
        ws._home_views = dict(data["home_views"])
        ws._view_owners = dict(data["view_owners"])
        ws._view_errors = dict(data.get("view_errors", {}))
        ws._files = {k: _file_from_json(f) for k, f in data.get("files", {}).items()}
        ws._canvases = {c["id"]: Canvas.from_json(c) for c in data.get("canvases", [])}
        ws._response_targets = {k: ResponseTarget(**t) for k, t in data["response_targets"].items()}
        ws.clock_offset_seconds = float(data["clock_offset_seconds"])
        ws._last_ts_us = int(data["last_ts_us"])
        ws._event_seq = int(data["event_seq"])
        if "tokens" in data:
            ws._tokens = {t["token"]: Token(**t | {"scopes": tuple(t["scopes"])}) for t in data["tokens"]}
            ws._tokens.setdefault(ws.bot_token, Token(ws.bot_token))
        return ws

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the snapshot as JSON atomically (temp file + os.replace), so a crash never leaves half a file."""
        target = Path(path)
        data = json.dumps(self.snapshot(), separators=(",", ":"))
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Workspace:
        """A workspace from a file written by `save`."""
        return cls.from_snapshot(json.loads(Path(path).read_text(encoding="utf-8")))


def file_type(filename: str) -> tuple[str, str, str]:
    """(mimetype, filetype, pretty_type) of a file by its name's extension, as Slack describes files."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension in FILE_TYPES:
        return FILE_TYPES[extension]
    guessed = mimetypes.guess_type(filename)[0]
    return guessed or "application/octet-stream", extension or "binary", extension.upper() or "Binary"


def _file_to_json(record: dict[str, Any]) -> dict[str, Any]:
    return record | {"content": base64.b64encode(record["content"]).decode("ascii")}


def _file_from_json(data: dict[str, Any]) -> dict[str, Any]:
    return data | {"content": base64.b64decode(data["content"])}


def _sorted(messages: Any) -> list[dict[str, Any]]:
    return sorted(messages, key=lambda m: ts_key(m["ts"]))


def _is_top_level(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return thread_ts in (None, message["ts"]) or message.get("subtype") == "thread_broadcast"


def _with_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
    replies = _sorted(m for m in remaining if m.get("thread_ts") == parent["ts"] and m["ts"] != parent["ts"])
    parent["reply_count"] = len(replies)
    parent["reply_users"] = list(dict.fromkeys(m.get("user") or m.get("bot_id") for m in replies))
    parent["reply_users_count"] = len(parent["reply_users"])
    if replies:
        parent["latest_reply"] = replies[-1]["ts"]
    else:
        for key in ("reply_count", "reply_users", "reply_users_count", "latest_reply"):
            parent.pop(key, None)
