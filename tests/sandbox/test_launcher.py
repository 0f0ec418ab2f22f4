"""`python -m sandbox` end to end, with a tiny stand-in app (tests/sandbox/standin_app.py), not the bot."""

from __future__ import annotations

import json
import os
import queue
import shlex
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
STANDIN = Path(__file__).with_name("standin_app.py")
READY = "mldesign sandbox ready: open "
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0


class Sandbox:
    """The launcher in a child process; reader threads collect its stdout lines and its stderr."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line.rstrip("\n"))

    def wait_ready(self) -> tuple[str, str]:
        """The ready line and the page URL it names (blocks on the launcher's output, bounded)."""
        while True:
            try:
                line = self.lines.get(timeout=START_TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no ready line within {START_TIMEOUT}s; stderr:\n{self.err()}") from None
            if line is None:
                raise AssertionError(f"the launcher exited before it was ready; stderr:\n{self.err()}")
            if line.startswith(READY):
                return line, line.removeprefix(READY).split()[0]

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Signal the launcher and wait for its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.wait()

    def wait(self) -> int:
        code = self.process.wait(timeout=STOP_TIMEOUT)
        self._stderr_reader.join(timeout=5)
        return code

    def err(self) -> str:
        return "\n".join(self.stderr)


@pytest.fixture
def launch() -> Iterator[Any]:
    started: list[Sandbox] = []

    def start(*args: str, app: str | None = None, **env: str) -> Sandbox:
        command = app or f"{shlex.quote(sys.executable)} {shlex.quote(str(STANDIN))}"
        sandbox = Sandbox(["--port", "0", "--app-command", command, *args], env)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:  # a failed test must not leave a launcher (or its app) running
        if sandbox.process.poll() is None:
            sandbox.process.send_signal(signal.SIGTERM)
            try:
                sandbox.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                sandbox.process.kill()


def _log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_launcher_runs_the_app_wired_to_the_fake_and_restarts_with_its_state(launch: Any, tmp_path: Path) -> None:
    log, state = tmp_path / "standin.jsonl", tmp_path / "state"
    leaky = {"SLACK_APP_TOKEN": "xapp-must-not-reach-the-app", "SLACK_SIGNING_SECRET": "not-the-sandbox-secret"}
    sandbox = launch("--state-dir", str(state), STANDIN_LOG=str(log), **leaky)

    line, url = sandbox.wait_ready()
    page = httpx.get(url)
    sent = httpx.post(
        f"{url}/ui/api/send", json={"user": "U0ALICE", "channel": "C0MLTEAM", "text": "hello from the page"}
    )

    assert line.endswith("(a fake Slack on this machine; no workspace needed)")
    assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
    assert page.status_code == 200 and "<title>" in page.text
    assert sent.status_code == 200 and sent.json()["app"]["status"] == 200
    started, request = _log(log)
    env = started["env"]
    assert env["SLACK_APP_TOKEN"] is None, "no Slack setting of ours leaks into the app"
    assert env["SLACK_BOT_TOKEN"] == "xoxb-sandbox-token"
    assert env["SLACK_SIGNING_SECRET"] != leaky["SLACK_SIGNING_SECRET"] and len(env["SLACK_SIGNING_SECRET"]) >= 32
    assert env["SLACK_API_URL"] == f"{url}/api/"
    assert env["MLDESIGN_CLOCK_URL"] == f"{url}/sandbox/clock"
    assert env["HOST"] == "127.0.0.1" and env["PORT"] != url.rsplit(":", 1)[1]
    assert env["DATABASE_URL"] == f"sqlite:///{state.resolve()}/app.db"
    assert request["path"] == "/slack/events" and request["signature_valid"]
    assert json.loads(request["body"])["event"]["text"] == "hello from the page"
    assert httpx.get(env["MLDESIGN_CLOCK_URL"]).json()["offset_seconds"] == 0

    assert sandbox.stop(signal.SIGTERM) == 0, sandbox.err()
    assert any(line.startswith("app | standin listening") for line in sandbox.stderr), "app output goes to stderr"
    assert (state / "workspace.json").exists()

    again = launch("--state-dir", str(state), STANDIN_LOG=str(log))
    _, url = again.wait_ready()
    messages = httpx.get(f"{url}/ui/api/state", params={"channel": "C0MLTEAM"}).json()["messages"]
    assert [m["text"] for m in messages] == ["hello from the page"]
    assert _log(log)[-1]["env"]["DATABASE_URL"] == env["DATABASE_URL"], "the app keeps its database"
    assert again.stop(signal.SIGINT) == 0, again.err()


def test_without_a_state_dir_nothing_is_kept(launch: Any, tmp_path: Path) -> None:
    log = tmp_path / "standin.jsonl"
    sandbox = launch(STANDIN_LOG=str(log))
    sandbox.wait_ready()
    database = Path(_log(log)[0]["env"]["DATABASE_URL"].removeprefix("sqlite:///"))

    assert database.parent.is_dir()
    assert sandbox.stop() == 0, sandbox.err()
    assert not database.parent.exists(), "the temporary state directory is removed at exit"


def test_an_app_that_dies_at_start_fails_with_one_line_and_its_output(launch: Any) -> None:
    app = f"{shlex.quote(sys.executable)} -c \"print('boom: no database'); raise SystemExit(3)\""
    sandbox = launch(app=app)

    code = sandbox.wait()

    assert code == 1
    assert sandbox.stderr[-3:] == [
        "mldesign sandbox: the app exited with code 3 before it was ready",
        "the app's last output:",
        "  boom: no database",
    ]
    assert sandbox.lines.get(timeout=5) is None, "no ready line"


def test_a_missing_app_command_is_one_line(launch: Any) -> None:
    sandbox = launch(app="/nonexistent/mldesign-app serve")

    assert sandbox.wait() == 1
    assert sandbox.stderr == [
        "mldesign sandbox: cannot run the app command '/nonexistent/mldesign-app serve': No such file or directory"
    ]


def test_a_busy_port_is_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        sandbox = Sandbox(["--port", str(port), "--app-command", "unused"], {})

        assert sandbox.wait() == 1
    [line] = sandbox.stderr
    assert line.startswith(f"mldesign sandbox: cannot listen on 127.0.0.1:{port} (") and "--port" in line


def test_signals_in_a_burst_still_stop_the_launcher_and_its_app_cleanly(launch: Any, tmp_path: Path) -> None:
    """An impatient Ctrl-C pressed again and again, or a supervisor that repeats its SIGTERM: one clean stop."""
    sandbox = launch(STANDIN_LOG=str(tmp_path / "standin.jsonl"))
    sandbox.wait_ready()

    for _ in range(20):
        sandbox.process.send_signal(signal.SIGINT)

    assert sandbox.wait() == 0, sandbox.err()
    assert not any("Traceback" in line for line in sandbox.stderr), sandbox.err()
