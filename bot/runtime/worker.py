"""The worker process: everything that talks to Slack after the acknowledgement, beside the web process.

`mldesign serve` starts it and keeps it running. The web process only acknowledges: it commits the change,
answers Slack, and sends the job (bot.jobs.values) to the worker as one datagram on a Unix socket that only this user
can reach. The worker runs the jobs in its own bounded pool, and the scheduler (publishing sweep, revisit
dispatch, housekeeping), so rendering and Web API calls never take the interpreter from an acknowledgement.

Nothing is lost on the way: the database is the source of truth. A job the worker can't take (not started yet,
restarting, its queue full) runs in the web process instead, and the worker's sweep publishes whatever a crash
left behind. A worker whose parent dies (even by SIGKILL) stops too, as a crashed process would.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import fcntl
import logging
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from bot.jobs.link import ADDRESS_VARIABLE, MAX_DATAGRAM, SOCKET_BUFFER
from bot.jobs.values import JOBS, Jobs

logger = logging.getLogger(__name__)

# The web processes find their worker here (uvicorn's worker processes are spawned: they can't inherit it).
PARENT_VARIABLE = "MLDESIGN_WORKER_PARENT"
RESTART_BACKOFF_START = 1.0
RESTART_BACKOFF_CAP = 30.0
STOP_TIMEOUT = 15.0
# Each `serve` keeps its worker's socket in a directory of its own, locked (flock) for as long as it runs; a
# directory nobody holds is what a killed `serve` left, and the next one to start removes it.
DIRECTORY_PREFIX = "mldesign-worker-"
LOCK_NAME = "serve.lock"
SOCKET_NAME = "worker.sock"
# A directory this young may be one another `serve` is still setting up (between creating it and locking it).
SETTLING_SECONDS = 10.0
# Before serve locked its directory, it was "mldesign-" and a random suffix, holding only the socket: one nobody
# answers on, untouched for this long, was left by a killed server (a live one re-binds its socket within 30 s).
LEGACY_PREFIX = "mldesign-"
LEGACY_IDLE_SECONDS = 3600.0
# A worker takes about a second to be ready (it is forked with everything imported). Past this, `serve` answers
# Slack without it (doing the Slack work itself until the worker is there), and the worker prints where it is.
READY_TIMEOUT = 10.0


def run_worker(address: str, parent_pid: int, ready: Callable[[], None] | None = None) -> None:
    """The worker's main loop (`mldesign worker`, started by `mldesign serve`): receive jobs and run them, with
    the scheduler, until SIGTERM or the parent's death; then drain what was received. ``ready`` is called once
    the socket takes jobs."""
    from bot.base.settings import SettingsError, load_settings
    from bot.runtime.cpu import yield_to_acknowledgements
    from bot.runtime.scheduler import start_scheduler
    from bot.runtime.web import freeze_start_up_heap
    from bot.runtime.wiring import build_process
    from flows.catalog import CatalogError
    from storage.schema import SchemaError

    _die_with_parent(parent_pid)
    yield_to_acknowledgements()  # before any thread starts: they inherit it
    # A start that takes far too long shows its stacks on stderr (the server's log): a rare hang was seen once.
    with contextlib.suppress(AttributeError, OSError, RuntimeError, ValueError):  # no real stderr to write to
        faulthandler.dump_traceback_later(READY_TIMEOUT, exit=False, file=sys.__stderr__)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        process = build_process(load_settings())
    except (SettingsError, CatalogError, SchemaError) as error:  # `serve` says the same in one line and stops
        logger.debug("the worker did not start: %s", error)
        sys.exit(2)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(address)
    inbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    inbox.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
    inbox.bind(address)
    os.chmod(address, 0o600)
    inbox.settimeout(0.5)  # to notice SIGTERM, and a parent gone without PR_SET_PDEATHSIG
    freeze_start_up_heap()
    scheduler = start_scheduler(process.periodic)
    faulthandler.cancel_dump_traceback_later()
    logger.info("worker ready")
    if ready is not None:
        ready()
    try:
        while not stopping.is_set() and os.getppid() == parent_pid:
            with contextlib.suppress(TimeoutError):
                _take(process.local_jobs, inbox.recv(MAX_DATAGRAM))
        inbox.setblocking(False)
        with contextlib.suppress(BlockingIOError):  # jobs sent before the web process stopped still run
            while True:
                _take(process.local_jobs, inbox.recv(MAX_DATAGRAM))
    finally:
        inbox.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(address)
        scheduler.shutdown(wait=False)
        process.close()  # waits for the jobs under way


def _take(jobs: Jobs, datagram: bytes) -> None:
    try:
        job = JOBS.validate_json(datagram)
    except ValidationError:
        logger.error("the worker received a job it doesn't know (%d bytes); dropped", len(datagram))
        return
    jobs.submit(job)


def _die_with_parent(parent_pid: int) -> None:
    """Linux: the kernel kills this process when its parent dies, however it died. Elsewhere the receive loop
    notices the parent gone within half a second."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the line above
        sys.exit(0)


class WorkerProcess:
    """The parent's end (`mldesign serve`): starts the worker, restarts it if it dies, stops it last.

    The first worker is forked before the web process starts any thread, so it starts with every module
    already imported; a restart, with threads running, is a fresh interpreter (`mldesign worker`)."""

    def __init__(self) -> None:
        try:
            remove_stale_directories(Path(tempfile.gettempdir()))
        except OSError as error:  # tidying up is never a reason not to start
            logger.warning("could not look for socket directories left by killed servers: %s", error)
        self._directory = Path(tempfile.mkdtemp(prefix=DIRECTORY_PREFIX))  # 0700: only this user can send jobs
        self._held = _hold(self._directory / LOCK_NAME)  # released by the kernel however this process ends
        self.address = str(self._directory / SOCKET_NAME)
        self._child: _Child | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._supervisor = threading.Thread(target=self._supervise, name="mldesign-worker-supervisor", daemon=True)

    def start(self) -> None:
        """Fork the worker; call before any thread starts (a forked child inherits no thread, only locks)."""
        parent = os.getpid()
        self._ready, told_ready = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(self._ready)
            code = 0
            try:
                run_worker(self.address, parent, ready=lambda: _tell(told_ready))
            except SystemExit as exited:  # a deliberate exit keeps its code
                code = exited.code if isinstance(exited.code, int) else 1
            except BaseException:
                logger.exception("the worker failed")
                code = 1
            finally:
                logging.shutdown()
                os._exit(code)
        os.close(told_ready)
        self._child = _Forked(pid)
        self._supervisor.start()

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> bool:
        """Whether the first worker takes jobs within ``timeout``, so the web process starts answering with its
        Slack work already going to the worker (until then, or if it never does, the web process does it)."""
        try:
            readable, _, _ = select.select([self._ready], [], [], timeout)
            return bool(readable) and os.read(self._ready, 1) == b"r"  # b"": it exited before it was ready
        finally:
            os.close(self._ready)

    def _spawn(self) -> None:
        environment = os.environ | {ADDRESS_VARIABLE: self.address, PARENT_VARIABLE: str(os.getpid())}
        with self._lock:
            if not self._stopping.is_set():
                self._child = _Spawned(subprocess.Popen([sys.executable, "-m", "bot.cli", "worker"], env=environment))

    def _supervise(self) -> None:
        backoff = RESTART_BACKOFF_START
        while not self._stopping.is_set():
            child = self._child
            assert child is not None
            started = time.monotonic()
            code = child.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started > 60:
                backoff = RESTART_BACKOFF_START  # it ran a while: a new failure, not a crash loop
            # Waited out first: a worker that exits because `serve` is failing to start (bad settings, which
            # `serve` reports in one line) is not a crash to report.
            if self._stopping.wait(backoff):
                return
            logger.error("the worker exited (%s); restarting it", code)
            backoff = min(backoff * 2, RESTART_BACKOFF_CAP)
            self._spawn()

    def stop(self) -> None:
        """SIGTERM, then wait for the worker to finish the jobs it holds (SIGKILL after STOP_TIMEOUT). Once."""
        with self._lock:
            if self._stopping.is_set():
                return
            self._stopping.set()
            child = self._child
        if child is not None and child.alive():
            child.signal(signal.SIGTERM)
            if not child.wait_for(STOP_TIMEOUT):
                logger.error("the worker did not stop within %s s; killed", STOP_TIMEOUT)
                child.signal(signal.SIGKILL)
                child.wait()
        shutil.rmtree(self._directory, ignore_errors=True)
        os.close(self._held)


def remove_stale_directories(parent: Path, *, now: float | None = None) -> list[Path]:
    """Remove the socket directories that killed servers left in ``parent``; the removed ones."""
    now = time.time() if now is None else now
    removed = []
    for directory in sorted(parent.glob(f"{LEGACY_PREFIX}*")):
        try:
            status = directory.lstat()
            if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid():  # a link, a file, another user's
                continue
            if directory.name.startswith(DIRECTORY_PREFIX):
                stale = now - status.st_mtime > SETTLING_SECONDS and _unheld(directory / LOCK_NAME)
            else:
                stale = now - status.st_mtime > LEGACY_IDLE_SECONDS and _left_by_a_legacy_server(directory)
        except OSError:  # removed meanwhile by another server starting, or not ours to read
            continue
        if stale:
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
    if removed:
        logger.info("removed %d socket directories left by servers that were killed", len(removed))
    return removed


def _hold(path: Path) -> int:
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


def _unheld(lock: Path) -> bool:
    """Whether no process holds ``lock`` (taking it for a moment to find out). A missing lock file is not stale:
    it is either being created or belongs to something else."""
    try:
        descriptor = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # held by a running `serve` (EWOULDBLOCK), or not lockable: leave it
        return False
    finally:
        os.close(descriptor)
    return True


def _left_by_a_legacy_server(directory: Path) -> bool:
    """A directory that holds nothing but a worker socket no process receives on."""
    if [entry.name for entry in directory.iterdir()] != [SOCKET_NAME]:
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        probe.connect(str(directory / SOCKET_NAME))
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    finally:
        probe.close()
    return False


def _tell(descriptor: int) -> None:
    os.write(descriptor, b"r")
    os.close(descriptor)


class _Child(Protocol):
    def wait(self) -> int | None: ...

    def wait_for(self, timeout: float) -> bool: ...

    def alive(self) -> bool: ...

    def signal(self, number: int) -> None: ...


class _Spawned:
    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process

    def wait(self) -> int | None:
        return self._process.wait()

    def wait_for(self, timeout: float) -> bool:
        try:
            self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def alive(self) -> bool:
        return self._process.poll() is None

    def signal(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(number)


class _Forked:
    """A forked child, reaped by the supervisor's wait() alone (others only ask whether it has been)."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._exited = threading.Event()
        self._code: int | None = None

    def wait(self) -> int | None:
        _, status = os.waitpid(self._pid, 0)
        self._code = os.waitstatus_to_exitcode(status)
        self._exited.set()
        return self._code

    def wait_for(self, timeout: float) -> bool:
        return self._exited.wait(timeout)

    def alive(self) -> bool:
        return not self._exited.is_set()

    def signal(self, number: int) -> None:
        if not self._exited.is_set():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, number)
