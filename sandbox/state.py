"""In-memory state of the fake Slack workspace.

Everything the fake knows about one workspace lives in one `Workspace`, built of parts by area of Slack
(`sandbox/parts/`: identity, conversations, files, views, canvases, log) that share its single
`threading.Condition`: the Web API (running in uvicorn's thread), the driver and the tests all read and mutate
it, and every mutation notifies waiters so tests can `wait_for` an outcome instead of sleeping.  Errors that
Slack reports as `{"ok": false, "error": ...}` are raised here as `SlackError` so the Web API layer only
translates them.  A fake serving several workspaces gives them one `Clock`, so moving time moves it for all.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.canvases import (
    Canvas,
)
from sandbox.parts.canvases import CanvasesPart
from sandbox.parts.conversations import ConversationsPart
from sandbox.parts.files import FilesPart, file_from_json, file_to_json
from sandbox.parts.identity import IdentityPart
from sandbox.parts.log import LogPart
from sandbox.parts.views import ViewsPart
from sandbox.records import (
    DEFAULT_CHANNELS,
    DEFAULT_USERS,
    Call,
    Channel,
    Clock,
    Delay,
    Delivery,
    Fault,
    ResponseTarget,
    Token,
    User,
    _ChannelState,
)

TRIGGER_LIFETIME_SECONDS = 3.0  # a trigger_id opens a view only this soon after the click or command
STATE_FORMAT = 1


class Workspace(IdentityPart, ConversationsPart, FilesPart, ViewsPart, CanvasesPart, LogPart):
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
                    "files": {k: file_to_json(f) for k, f in self._files.items()},
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
        ws._files = {k: file_from_json(f) for k, f in data.get("files", {}).items()}
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
