"""Jobs run in this process: the worker's own, and the web process's when it has no worker (tests, Socket Mode) or
its worker can't be reached."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.jobs.pool import KeyedBackground
from bot.jobs.values import Job

# How each kind of job is done, built at wiring time (bot.runtime.handlers): jobs stay plain data.
Handlers = Mapping[type[Any], Callable[[Any], None]]


class LocalJobs:
    """Bounded pools keyed by each job's key. Interactive jobs (a form to open, a message to show) have a lane of
    their own, so a slow or rate-limited publish never holds up a person's click."""

    def __init__(self, background: KeyedBackground, interactive: KeyedBackground | None = None) -> None:
        self._background = background
        self._interactive = interactive or background
        self._handlers: Handlers | None = None

    def attach(self, handlers: Handlers) -> None:
        """How jobs are done: given after this pool is built, since the publisher submits its own jobs here."""
        self._handlers = handlers

    def submit(self, job: Job) -> None:
        handlers = self._handlers
        assert handlers is not None, "attach() the job handlers before submitting jobs"
        handle = handlers[type(job)]
        lane = self._interactive if job.interactive else self._background
        lane.submit(job.key, lambda: handle(job))

    def shutdown(self) -> None:
        """Let queued and running work finish (for a while), then stop both lanes."""
        for lane in dict.fromkeys((self._interactive, self._background)):
            lane.shutdown()
