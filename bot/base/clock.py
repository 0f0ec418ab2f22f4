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

OFFSET_REFRESH_SECONDS = 0.5


class Clock(Protocol):
    def now(self) -> datetime: ...

    def close(self) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def close(self) -> None:
        """Nothing to release."""


class SharedClock:
    """System time plus the offset served at ``url`` (the sandbox's clock).

    A background thread re-reads the offset, so ``now()`` never waits on the network (it is called on
    the acknowledgement path).
    """

    def __init__(self, url: str, refresh_seconds: float = OFFSET_REFRESH_SECONDS) -> None:
        self._url = url
        # One client for every refresh: a new one each time built its TLS context anew, about 5% of a core
        # per process at two refreshes a second.
        self._http = httpx.Client(timeout=2)
        self._offset = 0.0
        self._stop = threading.Event()
        self._warned = False
        self.refresh()
        self._thread = threading.Thread(
            target=self._follow, args=(refresh_seconds,), name="mldesign-clock", daemon=True
        )
        self._thread.start()

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self._offset, UTC)

    def refresh(self) -> None:
        try:
            response = self._http.get(self._url)
            response.raise_for_status()
            self._offset = float(response.json()["offset_seconds"])
            self._warned = False
        except (httpx.HTTPError, ValueError, KeyError) as error:
            if not self._warned:
                logger.warning("shared clock unavailable, keeping offset %.0fs: %s", self._offset, error)
                self._warned = True

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._http.close()

    def _follow(self, refresh_seconds: float) -> None:
        while not self._stop.wait(refresh_seconds):
            self.refresh()
