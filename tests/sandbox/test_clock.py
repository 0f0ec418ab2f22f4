"""The sandbox clock on the Workspace: advancing by an amount and to a moment, never back."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sandbox.records import MAX_CLOCK_STEP_SECONDS
from sandbox.state import Workspace


def test_advancing_to_a_moment_moves_the_clock_and_timestamps_there() -> None:
    ws = Workspace()
    version = ws.version
    due = time.time() + 7 * 86400

    now = ws.advance_clock_to(due)

    assert due <= now < due + 5 and due <= ws.now() < due + 5
    assert 7 * 86400 - 5 < ws.clock_offset_seconds <= 7 * 86400
    assert float(ws.next_ts()) >= due and ws.version > version


def test_a_moment_already_past_leaves_the_clock_alone() -> None:
    ws = Workspace()
    ws.advance_clock(86400)
    offset, version = ws.clock_offset_seconds, ws.version

    for moment in (time.time() + 3600, time.time() - 3600, 1.0):  # behind the sandbox clock, real time, or long ago
        assert ws.advance_clock_to(moment) >= time.time() + 86400 - 5

    assert ws.clock_offset_seconds == offset and ws.version == version


@pytest.mark.parametrize("moment", [0, -1, float("nan"), float("inf"), True, "1796205600", None])
def test_bad_moments_are_refused(moment: Any) -> None:
    ws = Workspace()
    with pytest.raises(ValueError, match="seconds since 1970"):
        ws.advance_clock_to(moment)
    assert ws.clock_offset_seconds == 0


def test_moments_more_than_a_step_ahead_are_refused_even_in_milliseconds() -> None:
    ws = Workspace()
    for moment in (time.time() + MAX_CLOCK_STEP_SECONDS + 60, time.time() * 1000, 10**400):
        with pytest.raises(ValueError, match="not milliseconds"):
            ws.advance_clock_to(moment)
    assert ws.clock_offset_seconds == 0
