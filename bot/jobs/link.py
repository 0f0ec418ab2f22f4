"""The web process's end of the link to the worker process (bot.runtime.worker): one datagram per job on a Unix
socket that only this user can reach."""

from __future__ import annotations

import logging
import socket

from bot.jobs.local import LocalJobs
from bot.jobs.values import JOBS, Job

logger = logging.getLogger(__name__)

ADDRESS_VARIABLE = "MLDESIGN_WORKER_ADDRESS"  # where `serve` tells its processes the worker listens
MAX_DATAGRAM = 4 * 1024 * 1024  # above any job's size (a message's blocks are at most a few tens of KB)
SOCKET_BUFFER = 4 * 1024 * 1024  # jobs queued in the kernel while the worker is busy, instead of refused


class WorkerLink:
    """The web process's end: each job goes to the worker, or runs here when the worker can't take it."""

    def __init__(self, address: str, fallback: LocalJobs) -> None:
        self._address = address
        self._fallback = fallback
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
        self._warned = False

    def submit(self, job: Job) -> None:
        try:
            self._socket.sendto(JOBS.dump_json(job), self._address)
        except OSError as error:  # no worker bound yet, restarting, or its queue is full
            if not self._warned:
                logger.warning("the worker can't take jobs (%s); running them in this process", type(error).__name__)
                self._warned = True
            self._fallback.submit(job)
            return
        self._warned = False

    def close(self) -> None:
        self._socket.close()
