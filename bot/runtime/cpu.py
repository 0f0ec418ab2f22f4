"""How the worker process shares the machine's cores with the web process that acknowledges Slack.

Slack waits on an acknowledgement (three seconds at most, and people feel far less); nobody waits on the worker's
publishing to the millisecond. On Linux the worker runs as a batch task: the scheduler stops letting it preempt a
running task when it wakes up (a job arriving, a Web API answer), which py-spy showed taking the core from an
acknowledgement in the middle of its work. Its share of the CPU is unchanged: it only waits for the next tick.
"""

from __future__ import annotations

import contextlib
import logging
import os

logger = logging.getLogger(__name__)


def yield_to_acknowledgements() -> None:
    """Make this process (and the threads it starts after) a batch task; elsewhere, nothing to do."""
    policy = getattr(os, "SCHED_BATCH", None)
    if policy is None:
        return
    with contextlib.suppress(OSError):  # a container that forbids it keeps the default policy
        os.sched_setscheduler(0, policy, os.sched_param(0))
        return
    logger.info("the worker keeps the default scheduling policy (SCHED_BATCH was refused)")
