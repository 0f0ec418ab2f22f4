"""The fake Slack's records: users, channels, tokens, the call log's entries, faults to inject, and the clock."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

MAX_CLOCK_STEP_SECONDS = 366 * 24 * 3600


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
    deleted: bool = False  # deactivated: users.info still answers, with "deleted": true

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
            "deleted": self.deleted,
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
