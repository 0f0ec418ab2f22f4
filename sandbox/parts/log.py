"""What happened, for tests and the page: the Web API calls, the deliveries to the app, the faults to inject."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

from sandbox.parts.base import Part
from sandbox.parts.conversations import is_top_level, sorted_by_ts
from sandbox.records import (
    Call,
    Delay,
    Delivery,
    Fault,
)


class LogPart(Part):
    """What happened, for tests and the page: the Web API calls, the deliveries to the app, the faults to inject."""

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
            return [copy.deepcopy(m) for m in sorted_by_ts(self._msgs(channel).values()) if is_top_level(m)]

    def replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """A thread's replies in order, without the parent."""
        with self._cond:
            return [
                copy.deepcopy(m)
                for m in sorted_by_ts(self._msgs(channel).values())
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
