"""The in-memory half of the replay guard: it refuses what it has seen, forgets what can no longer be valid,
and stays bounded however many requests a process answers."""

from __future__ import annotations

from datetime import timedelta

from bot.inbound.replays import ReplayGuard


def test_a_signature_is_refused_the_second_time_and_forgotten_once_it_can_no_longer_be_valid():
    guard = ReplayGuard(lifetime=timedelta(minutes=10))

    assert guard.first_sight("v0=aa", now=0.0)
    assert not guard.first_sight("v0=aa", now=599.0)
    assert guard.first_sight("v0=aa", now=600.0)  # Slack's verifier refuses it by then: safe to forget


def test_memory_is_bounded_by_forgetting_the_oldest_signatures():
    guard = ReplayGuard(capacity=3)
    for number in range(10):
        assert guard.first_sight(f"v0={number}", now=float(number))

    assert not guard.first_sight("v0=9", now=10.0)
    assert not guard.first_sight("v0=8", now=10.0)
    assert guard.first_sight("v0=0", now=10.0), "the oldest were forgotten: the stored half guards changes"
