"""The one place the bot reads the time, so the sandbox can fast-forward it.

In production the clock is the system's. In the sandbox, the fake Slack owns a clock that a person can
move forward (to try what happens days later); the bot follows it by reading the offset the fake
publishes, so message timestamps from the fake and the bot's own timestamps stay comparable.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Protocol

import httpx

logger = logging.getLogger(__name__)

OFFSET_REFRESH_SECONDS = 1.0


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SharedClock:
    """System time plus the offset served at ``url`` (the sandbox's clock), re-read at most once a second."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._offset = 0.0
        self._read_at = float("-inf")
        self._lock = threading.Lock()
        self._warned = False

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self._current_offset(), UTC)

    def _current_offset(self) -> float:
        with self._lock:
            if time.monotonic() - self._read_at >= OFFSET_REFRESH_SECONDS:
                self._refresh()
            return self._offset

    def _refresh(self) -> None:
        try:
            response = httpx.get(self._url, timeout=2)
            response.raise_for_status()
            self._offset = float(response.json()["offset_seconds"])
            self._warned = False
        except (httpx.HTTPError, ValueError, KeyError) as error:
            if not self._warned:
                logger.warning("shared clock unavailable, keeping offset %.0fs: %s", self._offset, error)
                self._warned = True
        self._read_at = time.monotonic()
