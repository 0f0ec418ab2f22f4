"""When a nudge Slack refused goes out again, or is given up on: policy, apart from the Slack calls that fail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

MAX_ATTEMPTS = 8
BACKOFF_START = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)


@dataclass(frozen=True)
class Failure:
    """What Slack's refusal says for a retry: whether trying again can help, and whether the attempt counts (a rate
    limit, or a credential a person must fix, is Slack or a person making us wait, not the nudge failing)."""

    retryable: bool
    counts: bool
    retry_after_seconds: int | None = None


@dataclass(frozen=True)
class NextAttempt:
    attempts: int
    give_up: bool
    wait: timedelta  # before the next attempt (when not given up)


def next_attempt(attempts_so_far: int, failure: Failure) -> NextAttempt:
    """Doubling waits from a minute up to an hour, at least what Slack asked for; given up after MAX_ATTEMPTS that
    count, or at once when trying again can't help."""
    attempts = attempts_so_far + (1 if failure.counts else 0)
    if not failure.retryable or attempts >= MAX_ATTEMPTS:
        return NextAttempt(attempts=attempts, give_up=True, wait=timedelta(0))
    wait = min(BACKOFF_START * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    if failure.retry_after_seconds is not None:
        wait = max(wait, timedelta(seconds=failure.retry_after_seconds))
    return NextAttempt(attempts=attempts, give_up=False, wait=wait)
