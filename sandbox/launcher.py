"""`python -m sandbox`: the fake Slack with its page, and the app as a child process wired to it.

A team lead runs one command and opens a browser: the fake serves Slack's Web API and the page on
`--host:--port`; the app (`--app-command`) runs on a free loopback port with a random signing secret and
only the settings a real install would have (bot token, signing secret, API URL), plus the sandbox clock.
State is in memory unless `--state-dir` keeps the workspace and the app's database across restarts.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from sandbox.server import FakeSlack

DEFAULT_PORT = 3000
HEALTH_TIMEOUT_SECONDS = 30.0
HEALTH_POLL_SECONDS = 0.1
STOP_GRACE_SECONDS = 5.0
OUTPUT_LINES = 15
WORKSPACE_FILE = "workspace.json"
APP_DATABASE = "app.db"
WILDCARD_HOSTS = ("0.0.0.0", "", "::")


class LaunchError(Exception):
    """Start-up failed: one line saying why, and optionally the app's last output lines."""

    def __init__(self, message: str, output: list[str] | None = None) -> None:
        super().__init__(message)
        self.output = output or []


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The launcher's flags."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Run a fake Slack with a web page, and the app wired to it: try the bot with no workspace.",
    )
    parser.add_argument("--port", type=int, default=None, help="the page's port (default: $PORT or 3000)")
    parser.add_argument("--host", default="127.0.0.1", help="the page's interface (default: 127.0.0.1)")
    parser.add_argument(
        "--state-dir", type=Path, default=None, help="keep the workspace and the app's database here across restarts"
    )
    parser.add_argument("--app-command", required=True, help='the app to run, e.g. "python -m bot.cli serve"')
    parser.add_argument("--app-health-path", default="/healthz", help="answers 200 once the app is ready")
    parser.add_argument("--app-events-path", default="/slack/events", help="where the app takes Slack's requests")
    args = parser.parse_args(argv)
    if args.port is None:
        try:
            args.port = int(os.environ.get("PORT") or DEFAULT_PORT)
        except ValueError:
            parser.error(f"PORT must be a number, not {os.environ['PORT']!r}")
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    if not shlex.split(args.app_command):
        parser.error("--app-command is empty")
    return args


def free_port() -> int:
    """A loopback port nobody listens on right now, for the app."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_environment(
    base: Mapping[str, str], *, fake: FakeSlack, app_port: int, signing_secret: str, state_dir: Path
) -> dict[str, str]:
    """The app's environment: ours without any Slack setting, plus exactly what the sandbox provides."""
    env = {k: v for k, v in base.items() if not k.startswith("SLACK_")}
    env |= {
        "SLACK_BOT_TOKEN": fake.workspace.bot_token,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": fake.api_url,
        "SLACK_HOOKS_URL": fake.hooks_url,
        "HOST": "127.0.0.1",
        "PORT": str(app_port),
        "DATABASE_URL": f"sqlite:///{state_dir / APP_DATABASE}",
        "MLDESIGN_CLOCK_URL": fake.clock_url,
        # Where the page's sample alert reaches the app, shown by `/mldesign alerts <name>`.
        "MLDESIGN_PUBLIC_URL": f"http://127.0.0.1:{app_port}",
        "PYTHONUNBUFFERED": "1",
    }
    return env


class AppProcess:
    """The app as a child process in its own process group; its output is copied to our stderr."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command = command
        self.env = env
        self._process: subprocess.Popen[bytes] | None = None
        self._pump: threading.Thread | None = None
        self._lines: deque[str] = deque(maxlen=OUTPUT_LINES)

    def start(self) -> None:
        """Spawn the command; a missing executable is a LaunchError."""
        try:
            self._process = subprocess.Popen(
                self.command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches only the launcher, which stops the app in order
            )
        except OSError as error:
            raise LaunchError(f"cannot run the app command {shlex.join(self.command)!r}: {error.strerror}") from None
        self._pump = threading.Thread(target=self._copy_output, name="sandbox-app-output", daemon=True)
        self._pump.start()

    def _copy_output(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for raw in self._process.stdout:
            line = raw.decode(errors="replace").rstrip()
            self._lines.append(line)
            print(f"app | {line}", file=sys.stderr, flush=True)

    def last_output(self) -> list[str]:
        """The app's last output lines, to explain a failed start."""
        if self._pump is not None:
            self._pump.join(timeout=1)  # after an exit, let the pump drain what the app printed last
        return list(self._lines)

    def poll(self) -> int | None:
        """The exit code, or None while it runs."""
        return self._process.poll() if self._process is not None else None

    def wait_healthy(self, url: str, timeout: float, stop: threading.Event) -> bool:
        """Poll `url` until it answers 200 (True), or until `stop` is set (False); a LaunchError otherwise."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=1.0) as client:
            while not stop.is_set():
                code = self.poll()
                if code is not None:
                    raise LaunchError(f"the app exited with code {code} before it was ready", self.last_output())
                try:
                    if client.get(url).status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise LaunchError(f"the app did not answer {url} within {timeout:.0f}s", self.last_output())
                stop.wait(HEALTH_POLL_SECONDS)  # a port that isn't open yet gives nothing to wait on
        return False

    def stop(self) -> None:
        """SIGTERM the app's process group, then SIGKILL it after a grace period."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                process.wait(timeout=STOP_GRACE_SECONDS)
        if self._pump is not None:
            self._pump.join(timeout=1)

    def _signal(self, signum: int) -> None:
        assert self._process is not None
        with contextlib.suppress(ProcessLookupError):  # it already exited
            os.killpg(self._process.pid, signum)


class _StopRequested(Exception):
    """SIGINT or SIGTERM: stop cleanly. Raised in the main thread as KeyboardInterrupt would be: setting an Event
    from the handler could deadlock on the lock the interrupted main thread held inside that Event's wait()."""


def _install_stop_handlers() -> dict[int, Any]:
    """SIGINT and SIGTERM ask for a clean stop (once: more signals don't cut the stop short); returns the previous
    handlers to restore."""
    stopping = False

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise _StopRequested

    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):  # not the main thread: the caller stops us through `stop`
            previous[signum] = signal.signal(signum, handle)
    return previous


def _display_url(host: str, port: int) -> str:
    return f"http://{'127.0.0.1' if host in WILDCARD_HOSTS else host}:{port}"


def main(argv: list[str] | None = None, stop: threading.Event | None = None) -> int:
    """Run the sandbox until SIGINT/SIGTERM (or `stop`); 0 on a clean stop, 1 if the app failed."""
    args = parse_args(argv)
    stop = stop or threading.Event()
    temporary = args.state_dir is None
    state_dir = Path(tempfile.mkdtemp(prefix="mldesign-sandbox-")) if temporary else args.state_dir.resolve()
    fake: FakeSlack | None = None
    app: AppProcess | None = None
    previous: dict[int, Any] = {}
    try:
        previous = _install_stop_handlers()
        state_dir.mkdir(parents=True, exist_ok=True)
        fake = FakeSlack(port=args.port, host=args.host, state_path=None if temporary else state_dir / WORKSPACE_FILE)
        try:
            fake.start()
        except OSError as error:
            reason = error.strerror or str(error)
            raise LaunchError(f"cannot listen on {args.host}:{args.port} ({reason}); try another --port") from None
        app_port, signing_secret = free_port(), secrets.token_hex(32)
        env = app_environment(
            os.environ, fake=fake, app_port=app_port, signing_secret=signing_secret, state_dir=state_dir
        )
        app = AppProcess(shlex.split(args.app_command), env)
        app.start()
        if not app.wait_healthy(f"http://127.0.0.1:{app_port}{args.app_health_path}", HEALTH_TIMEOUT_SECONDS, stop):
            return 0
        fake.connect_app(f"http://127.0.0.1:{app_port}{args.app_events_path}", signing_secret)
        url = _display_url(args.host, fake.port)
        print(f"mldesign sandbox ready: open {url}  (a fake Slack on this machine; no workspace needed)", flush=True)
        while not stop.wait(0.5):
            exit_code = app.poll()
            if exit_code is not None:
                raise LaunchError(f"the app exited with code {exit_code}", app.last_output())
        return 0
    except _StopRequested:
        return 0
    except LaunchError as error:
        print(f"mldesign sandbox: {error}", file=sys.stderr)
        if error.output:
            print("the app's last output:", file=sys.stderr)
            for line in error.output:
                print(f"  {line}", file=sys.stderr)
        return 1
    finally:
        if app is not None:
            app.stop()
        if fake is not None:
            fake.stop()
        if temporary:
            shutil.rmtree(state_dir, ignore_errors=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
