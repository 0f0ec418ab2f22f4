"""Slow Slack work off the acknowledgement path: a bounded pool that runs one job per key at a time.

Work is keyed by design. Submitting a key that is already queued does nothing (the queued run will see
the latest state); submitting one that is running asks for one more run after it. So a burst of answers
to one design costs at most two publishes, jobs for one design never overlap, and the queue is bounded
by the number of designs with pending work. When the queue is full the key is dropped: the database
still says the design is unpublished, and the periodic sweep picks it up.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)


class KeyedBackground:
    def __init__(self, *, max_workers: int, max_pending: int = 10_000) -> None:
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="mldesign-bg")
        self._max_pending = max_pending
        self._lock = threading.Condition()
        self._queued: dict[Hashable, Callable[[], None]] = {}
        self._running: set[Hashable] = set()
        self._rerun: dict[Hashable, Callable[[], None]] = {}
        self._closed = False

    def submit(self, key: Hashable, job: Callable[[], None]) -> bool:
        """Queue ``job`` under ``key``; False when it was dropped because the pool is full or closed."""
        with self._lock:
            if self._closed:
                return False
            if key in self._running:
                self._rerun[key] = job
                return True
            if key in self._queued:
                self._queued[key] = job
                return True
            if len(self._queued) >= self._max_pending:
                logger.warning("background queue full (%d); the sweep will retry", self._max_pending)
                return False
            self._queued[key] = job
        self._executor.submit(self._run, key)
        return True

    def _run(self, key: Hashable) -> None:
        with self._lock:
            job = self._queued.pop(key)
            self._running.add(key)
        try:
            job()
        except Exception:
            logger.exception("background job failed (key=%r, error id %s)", key, uuid.uuid4().hex[:8])
        finally:
            with self._lock:
                self._running.discard(key)
                again = self._rerun.pop(key, None)
                if again is not None and not self._closed:
                    self._queued[key] = again
                    self._executor.submit(self._run, key)
                self._lock.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is queued or running; used at shutdown so acknowledged work is not cut off."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._queued and not self._running, timeout=timeout)

    def shutdown(self, timeout: float = 10.0) -> None:
        self.wait_idle(timeout)
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
