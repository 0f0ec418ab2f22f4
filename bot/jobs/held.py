"""Jobs a request submits, held until its response is written.

Handing a job to the worker process wakes it, and on a small machine the kernel often runs the woken worker at
once, on the core the acknowledgement was using: py-spy showed the datagram's `sendto` taking most of an answer's
listener time at one connection. A job is work after the acknowledgement, so the web layer holds a request's jobs
and releases them once Slack has its answer. What the jobs stand for is already committed (a publish that never
leaves is found by the sweep), so holding them for the microseconds the response takes changes nothing durable.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from bot.jobs.values import Job, Jobs

# The current request's held jobs. Set in the request's task; its worker thread (anyio copies the context) sees
# the same list. Everywhere else (the worker, periodic work, Bolt's own threads) it is unset: jobs go at once.
_held: ContextVar[list[Job] | None] = ContextVar("mldesign_held_jobs", default=None)


class HeldJobs:
    """Submits through ``jobs``, except while a request holds: then it keeps them for ``release``."""

    def __init__(self, jobs: Jobs) -> None:
        self._jobs = jobs

    def submit(self, job: Job) -> None:
        held = _held.get()
        if held is None:
            self._jobs.submit(job)
        else:
            held.append(job)

    @contextmanager
    def holding(self) -> Iterator[list[Job]]:
        """Within the block, this context's jobs wait in the list it yields."""
        held: list[Job] = []
        token = _held.set(held)
        try:
            yield held
        finally:
            _held.reset(token)

    def release(self, held: Sequence[Job]) -> None:
        """Submit what a request held, in the order it asked."""
        for job in held:
            self._jobs.submit(job)
