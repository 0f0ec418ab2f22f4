"""The periodic work: APScheduler only triggers it, in memory, in each process; the database holds what is left to
publish and which nudges are due (a shared job store would not)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler


@dataclass(frozen=True)
class PeriodicWork:
    sweep: Callable[[], object]  # publish whatever Slack doesn't show yet
    dispatch: Callable[[], object]  # send the revisit nudges that are due
    housekeeping: Callable[[], object]
    sweep_seconds: float
    dispatch_seconds: float


def start_scheduler(work: PeriodicWork) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        work.sweep,
        "interval",
        seconds=work.sweep_seconds,
        id="publish-sweep",
        next_run_time=datetime.now(UTC),  # catch up on work left by a previous process at once
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        work.dispatch,
        "interval",
        seconds=work.dispatch_seconds,
        id="nudge-dispatch",
        next_run_time=datetime.now(UTC),  # nudges that fell due while the bot was down go out on start
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        work.housekeeping,
        "interval",
        seconds=work.sweep_seconds,
        id="housekeeping",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    return scheduler
