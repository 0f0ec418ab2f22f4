"""A nudge Slack refused: waits double from a minute to an hour, honour Retry-After, and stop after eight tries
that count or at once when trying again can't help."""

from __future__ import annotations

from datetime import timedelta

from flows.retries import MAX_ATTEMPTS, Failure, next_attempt

OUTAGE = Failure(retryable=True, counts=True)


def test_waits_double_from_a_minute_up_to_an_hour():
    waits = [next_attempt(n, OUTAGE).wait for n in range(7)]

    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60)]


def test_a_retry_after_longer_than_the_backoff_is_honoured_and_a_shorter_one_is_not():
    assert next_attempt(0, Failure(retryable=True, counts=False, retry_after_seconds=300)).wait == timedelta(minutes=5)
    assert next_attempt(5, Failure(retryable=True, counts=True, retry_after_seconds=1)).wait == timedelta(minutes=32)


def test_the_eighth_attempt_that_counts_gives_up():
    assert next_attempt(MAX_ATTEMPTS - 2, OUTAGE).give_up is False
    last = next_attempt(MAX_ATTEMPTS - 1, OUTAGE)
    assert (last.give_up, last.attempts) == (True, MAX_ATTEMPTS)


def test_a_rate_limit_or_a_token_to_fix_never_uses_up_the_attempts():
    waiting = Failure(retryable=True, counts=False)

    attempt = next_attempt(MAX_ATTEMPTS - 1, waiting)

    assert (attempt.give_up, attempt.attempts) == (False, MAX_ATTEMPTS - 1)


def test_a_refusal_trying_again_cannot_fix_gives_up_at_once():
    attempt = next_attempt(0, Failure(retryable=False, counts=True))

    assert (attempt.give_up, attempt.attempts) == (True, 1)
