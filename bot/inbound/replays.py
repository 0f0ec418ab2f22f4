"""The replay guard: a signed Slack request is acted on once.

Slack's signature is valid for five minutes either side of its timestamp, so within that time a captured request
could be sent again. Two layers refuse it, and neither costs the acknowledgement a database write of its own:

- Each process remembers the signatures it has answered, in memory, for as long as they could be valid, so a
  replay to the same process is refused before any parsing or I/O.
- A request that changes anything stores its signature in the same transaction as the change
  (``Services.unit_of_work`` calls ``store_with``), so a replay to another process finds it, its change is rolled
  back and it gets 401.

A replay of a request that changes nothing (help, list) to another process is answered again: it shows the replayer
only what the original exchange, which they already hold, showed. Events are not stored here at all: Slack re-signs
its retries, and an event's id is claimed in the same transaction as what it changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from storage import deliveries as delivery_repo

# slack_sdk accepts a timestamp up to five minutes off either way: a signature may be valid for ten minutes.
SIGNATURE_LIFETIME = timedelta(minutes=10)
# Signatures remembered per process at most (about 250 bytes each): at Slack's rates for one app this holds far
# more than ten minutes' worth; beyond it the oldest are forgotten, and the stored ones still guard every change.
MEMORY_CAPACITY = 100_000
REPLAY_REASON = "this request was already received (replay)"


class Replayed(Exception):
    """A request that changes something was already acted on, maybe by another process: refuse it with 401."""


@dataclass
class _Answering:
    signature: str
    stored: bool = False


_answering: ContextVar[_Answering | None] = ContextVar("mldesign_request_answered", default=None)


class ReplayGuard:
    def __init__(self, *, lifetime: timedelta = SIGNATURE_LIFETIME, capacity: int = MEMORY_CAPACITY) -> None:
        self._lifetime = lifetime.total_seconds()
        self._capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()  # signature → when it can be forgotten (monotonic)
        self._lock = threading.Lock()

    def first_sight(self, signature: str, *, now: float) -> bool:
        """Remember ``signature``; False when this process has answered it already. ``now`` is monotonic."""
        with self._lock:
            while self._seen and (next(iter(self._seen.values())) <= now or len(self._seen) >= self._capacity):
                self._seen.popitem(last=False)  # in arrival order, so the oldest first
            if signature in self._seen:
                return False
            self._seen[signature] = now + self._lifetime
            return True

    @contextmanager
    def answering(self, signature: str | None) -> Iterator[None]:
        """While a listener answers the request signed ``signature`` (None: an event, deduplicated by its id),
        its first change stores the signature too. Bolt runs listeners in the calling thread before answering
        (``process_before_response``); background work runs elsewhere and stores nothing."""
        token = _answering.set(_Answering(signature) if signature else None)
        try:
            yield
        finally:
            _answering.reset(token)

    @staticmethod
    @contextmanager
    def store_with(session: Session) -> Iterator[None]:
        """Store the signature of the request being answered in ``session``'s transaction, once per request;
        raise Replayed if it is stored already (the transaction then rolls back)."""
        request = _answering.get()
        if request is None or request.stored:
            yield
            return
        if not delivery_repo.first_sight_of_request(
            session=session, signature=request.signature, now=datetime.now(UTC)
        ):
            raise Replayed(REPLAY_REASON)
        yield
        request.stored = True
