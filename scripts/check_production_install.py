"""CI's check of what a deploy runs, not what the tests run: a clean virtualenv gets the runtime lock
(requirements.txt, no test extras) and the project, then `mldesign db upgrade` and `mldesign serve` must start
against a fake Slack, answer /healthz, and acknowledge a signed `/mldesign help`. Run twice: the installed package
from a directory outside the repository (what a `pip install .` image runs), and the Procfile's own lines from the
repository (what a buildpack runs). A dependency only the test extras brought in once crashed a deploy at import.

Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "production-check-signing-secret-0123456789"
START_TIMEOUT = 60.0


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="production-check-") as scratch:
        work = Path(scratch)
        venv = work / "venv"
        run([sys.executable, "-m", "venv", str(venv)])
        pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
        run([*pip, "--require-hashes", "-r", str(ROOT / "requirements.txt")])
        # From a copy: pip builds in the source tree, whose leftover build/ would be packaged instead of the code.
        source = work / "source"
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__"))
        run([*pip, "--no-deps", str(source)])
        for variant, commands, cwd in (
            ("the installed package", (["mldesign", "db", "upgrade"], ["mldesign", "serve"]), work),
            ("the Procfile", procfile_commands(), ROOT),
        ):
            check(variant, venv=venv, cwd=cwd, release=commands[0], web=commands[1], database=work / "check.db")
    return 0


def procfile_commands() -> tuple[list[str], list[str]]:
    """The Procfile's release and web lines, as a platform runs them (through a shell)."""
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().strip().splitlines())
    return ["sh", "-c", lines["release"]], ["sh", "-c", lines["web"]]


def check(variant: str, *, venv: Path, cwd: Path, release: list[str], web: list[str], database: Path) -> None:
    database.unlink(missing_ok=True)
    with fake_slack(venv, cwd) as (api_url, hooks_url, token):
        port = free_port()
        environment = {
            "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": os.environ.get("HOME", str(cwd)),
            "TMPDIR": tempfile.gettempdir(),
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "SLACK_HOOKS_URL": hooks_url,
            "DATABASE_URL": f"sqlite:///{database}",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": "1",
            "LOG_FORMAT": "text",
        }
        run(release, env=environment, cwd=cwd)
        with running(web, environment, cwd):
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz")
            answer = signed_help(f"{base}/slack/events")
    if "/mldesign start" not in answer:
        fail(f"{variant}: `/mldesign help` was acknowledged without the help text: {answer[:300]}")
    print(f"production install ({variant}): db upgrade, /healthz 200, a signed /mldesign help acknowledged", flush=True)


@contextmanager
def fake_slack(venv: Path, cwd: Path) -> Iterator[tuple[str, str, str]]:
    """The fake Slack from the installed package (it needs nothing the deploy doesn't have)."""
    process = subprocess.Popen(
        [str(venv / "bin" / "python"), "-m", "sandbox.server"], cwd=cwd, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "fake Slack Web API at URL (bot token TOKEN); page at URL"
        if "(bot token " not in line:
            fail(f"the fake Slack did not start: {line!r}")
        api_url = line.split(" at ", 1)[1].split(" ", 1)[0]
        token = line.split("(bot token ", 1)[1].split(")", 1)[0]
        base_url = line.rsplit("page at ", 1)[1].strip()
        yield api_url, f"{base_url}response/", token
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def running(command: list[str], environment: Mapping[str, str], cwd: Path) -> Iterator[None]:
    """The command in a process group of its own, stopped as a platform stops it (SIGTERM to the group): a shell
    running a Procfile line need not pass the signal on."""
    process = subprocess.Popen(command, env=dict(environment), cwd=cwd, start_new_session=True)
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # a port that is not open yet: there is nothing to wait on
    fail(f"{url} did not answer 200 within {START_TIMEOUT:.0f} s")


def signed_help(url: str) -> str:
    """A `/mldesign help` as Slack sends it, signed; the acknowledgement's body."""
    body = urlencode(
        {"team_id": "T0SANDBOX", "user_id": "U0ALICE", "channel_id": "C0MLTEAM", "command": "/mldesign", "text": "help"}
    ).encode()
    stamp = str(int(time.time()))
    signature = (
        "v0=" + hmac.new(SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.dumps(json.loads(response.read() or b"{}"))
    except urllib.error.HTTPError as error:
        fail(f"a signed /mldesign help got {error.code}: {error.read()[:300]!r}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command: list[str], **options: object) -> None:
    completed = subprocess.run(command, check=False, **options)  # type: ignore[call-overload]
    if completed.returncode != 0:
        fail(f"`{' '.join(command)}` exited with {completed.returncode}")


def fail(message: str) -> NoReturn:
    print(f"production install: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


if __name__ == "__main__":
    sys.exit(main())
