"""End-to-end fixtures: the real `mldesign serve` process, talking HTTP to the fake Slack in sandbox/."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flows.catalog import FIRST_CATALOG_PATH
from sandbox import FakeSlack, SlackDriver
from tests.e2e.helpers import ALICE, CHANNEL, Database, DesignThread

SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 20


# Ports for the servers tests start, below Linux's ephemeral range (32768 and up), where the fakes' own listeners
# and every client connection take theirs: a port picked here can't be taken by them before the server binds it.
# Each pytest-xdist worker (gw0, gw1…) has a block of its own, so tests running in parallel never pick the same.
PORT_BLOCK = 2_000
FIRST_PORT = 20_000
_ports = itertools.count()


def free_port() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    block = FIRST_PORT + PORT_BLOCK * (int(worker) if worker.isdigit() else 0)
    for _ in range(PORT_BLOCK):
        port = block + next(_ports) % PORT_BLOCK
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:  # still held by a server a previous test stopped, or by something else here
                continue
        return port
    raise RuntimeError(f"no free port in {block}-{block + PORT_BLOCK - 1}")


class BotProcess:
    """`mldesign serve` in a child process, so a test can kill it the way a crash would."""

    def __init__(
        self,
        *,
        api_url: str,
        hooks_url: str,
        clock_url: str,
        token: str | None,
        database_url: str,
        log_path: Path,
        environment: dict[str, str] | None = None,
        port: int | None = None,
        arguments: tuple[str, ...] = ("serve",),
    ) -> None:
        self.port = port or free_port()
        self._arguments = arguments
        self.url = f"http://127.0.0.1:{self.port}"
        self._log_path = log_path
        inherited = {name: value for name, value in os.environ.items() if not name.startswith("SLACK_")}
        self._env = {
            **inherited,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "SLACK_HOOKS_URL": hooks_url,
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "LOG_LEVEL": "INFO",
            # The fake's clock, which tests fast-forward, and a dispatcher that notices at once.
            "MLDESIGN_CLOCK_URL": clock_url,
            "MLDESIGN_DISPATCH_SECONDS": "0.2",
            "MLDESIGN_SWEEP_SECONDS": "0.5",
            "SLACK_TIMEOUT_SECONDS": "3",
            "MLDESIGN_CATALOG": str(FIRST_CATALOG_PATH),  # the catalog the suite walks; tests of version 2 say so
            **({"SLACK_BOT_TOKEN": token} if token else {}),
            **(environment or {}),
        }
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> BotProcess:
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", *self._arguments], cwd=ROOT, env=self._env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"mldesign exited with {self._process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # polling a port that is not open yet: there is no event to wait on
        raise RuntimeError(f"mldesign did not answer /healthz in {START_TIMEOUT_SECONDS}s:\n{self.log()}")

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def exit_code(self) -> int | None:
        """How the process ended (None while it runs)."""
        assert self._process is not None
        return self._process.poll()

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as in a crash."""
        assert self._process is not None
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(timeout=10)

    def crash_and_restart(self) -> None:
        """Kill the process as a crash would, then start a new one on the same port and database."""
        self.kill()
        self.start()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def log(self) -> str:
        return self._log_path.read_text(errors="replace") if self._log_path.exists() else ""


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """The strict fake Slack; what the bot did that Slack accepts but shows people wrongly fails the test too."""
    with FakeSlack() as fake:
        yield fake
        assert_nothing_shown_wrongly(fake)


def assert_nothing_shown_wrongly(fake: FakeSlack) -> None:
    assert [problem for workspace in fake.workspaces for problem in workspace.problems()] == []


def bot_for(slack: FakeSlack, database_url: str, log_path: Path, **options: Any) -> BotProcess:
    """A bot process wired to the fake (its Web API and clock) with the first workspace's token by default."""
    options.setdefault("token", slack.workspace.bot_token)
    return BotProcess(
        api_url=slack.api_url,
        hooks_url=slack.hooks_url,
        clock_url=slack.clock_url,
        database_url=database_url,
        log_path=log_path,
        **options,
    )


@pytest.fixture
def catalog_path() -> Path:
    """The catalog the bot walks: version 1 for most of the suite; a module about version 2 overrides this."""
    return FIRST_CATALOG_PATH


@pytest.fixture
def bot(slack: FakeSlack, database_url: str, tmp_path: Path, catalog_path: Path) -> Iterator[BotProcess]:
    environment = {"MLDESIGN_CATALOG": str(catalog_path)}
    process = bot_for(slack, database_url, tmp_path / "bot.log", environment=environment).start()
    yield process
    process.stop()


@pytest.fixture
def driver(slack: FakeSlack, bot: BotProcess) -> Iterator[SlackDriver]:
    with slack.driver(f"{bot.url}/slack/events", SIGNING_SECRET) as slack_driver:
        yield slack_driver


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.engine.dispose()


@pytest.fixture
def start_design(slack: FakeSlack, driver: SlackDriver, db: Database) -> Callable[..., DesignThread]:
    """Run `/mldesign start <name>` and wait for the design's thread and first question."""

    def start(name: str, user: str = ALICE, channel: str = CHANNEL) -> DesignThread:
        return DesignThread.start(slack, driver, db, name, user=user, channel=channel)

    return start
