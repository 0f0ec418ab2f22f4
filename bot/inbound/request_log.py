"""The request log: one line per request mldesign answers (Slack's, the OAuth pages', monitoring's webhook)."""

from __future__ import annotations

import logging
import time

request_logger = logging.getLogger("bot.requests")  # the request log: a name operators filter on


def log_request(started: float, status: int, *, kind: str, team: str = "", what: str = "slack request") -> None:
    """One line per request: workspace, kind, status, latency and outcome; never a token or secret."""
    outcome = "ok" if status < 400 else "rejected" if status in (401, 403) else "invalid" if status < 500 else "error"
    request_logger.info(
        what,
        extra={
            "team": team,
            "kind": kind,
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 2),
            "outcome": outcome,
        },
    )
