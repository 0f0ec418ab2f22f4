"""What the benchmarks share: signed Slack request bodies, wrk runs, bot processes and the figures they report.

Requests are signed here exactly as Slack signs them (v0, HMAC-SHA256 of timestamp and body), and each one is
distinct: mldesign refuses a replayed signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psycopg
from sqlalchemy import create_engine, make_url, text

from sandbox import FakeSlack
from storage.engine import normalize_url

ROOT = Path(__file__).resolve().parents[1]
SECRET = "benchmark-signing-secret-0123456789"
TEAM, CHANNEL, USER = "T0SANDBOX", "C0MLTEAM", "U0ALICE"  # the fake Slack's default workspace
FORM, JSON = "application/x-www-form-urlencoded", "application/json"


@dataclass(frozen=True)
class Check:
    """One target of issue 8 against what was measured."""

    target: str
    goal: str
    measured: str
    met: bool


@dataclass
class Outcome:
    """A benchmark's Markdown section and its target checks, for docs/benchmarks.md."""

    section: str
    checks: list[Check] = field(default_factory=list)


@dataclass(frozen=True)
class Body:
    content_type: str
    text: str


HOOKS_URL = "http://127.0.0.1:9/"  # the response URLs of the benchmarks' requests, which are never used
UNUSED_RESPONSE_URL = f"{HOOKS_URL}unused"


def command(text: str, *, trigger: str, channel: str = CHANNEL) -> Body:
    form = {
        "team_id": TEAM,
        "user_id": USER,
        "channel_id": channel,
        "command": "/mldesign",
        "text": text,
        "trigger_id": trigger,
        "response_url": UNUSED_RESPONSE_URL,  # nothing is sent there on these paths
    }
    return Body(FORM, urlencode(form))


def thread_reply(*, thread_ts: str, ts: str, text: str, event_id: str) -> Body:
    """A person's reply in a design's thread, in Slack's event envelope."""
    event = {"type": "message", "channel": CHANNEL, "user": USER, "text": text, "ts": ts, "thread_ts": thread_ts}
    envelope = {"type": "event_callback", "team_id": TEAM, "event_id": event_id, "event_time": int(time.time())}
    return Body(JSON, json.dumps(envelope | {"event": event | {"event_ts": ts, "channel_type": "channel"}}))


def click(*, block_id: str, action_id: str, value: str, action_ts: str) -> Body:
    """A click on a button of a message, as Slack posts block_actions (a form with a JSON payload)."""
    payload = {
        "type": "block_actions",
        "user": {"id": USER, "team_id": TEAM},
        "team": {"id": TEAM},
        "channel": {"id": CHANNEL},
        "trigger_id": f"trigger.{action_ts}",
        "response_url": UNUSED_RESPONSE_URL,
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": block_id, "value": value, "action_ts": action_ts}
        ],
    }
    return Body(FORM, urlencode({"payload": json.dumps(payload)}))


def signature_headers(body: str, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def wrk_script(path: Path, bodies: Sequence[Body]) -> None:
    """A wrk script sending each body once, in order, signed now (so none is replayed or stale)."""
    lines = ["local pool = {"]
    for body in bodies:
        headers = signature_headers(body.text)
        stamp, signature = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
        lines.append(f'{{"{stamp}", "{signature}", "{body.content_type}", [==[{body.text}]==]}},')
    lines += [
        "}",
        "local next_one = 0",
        "request = function()",
        "  next_one = next_one % #pool + 1",
        "  local r = pool[next_one]",
        '  local headers = {["Content-Type"] = r[3], ["X-Slack-Request-Timestamp"] = r[1],',
        '    ["X-Slack-Signature"] = r[2]}',
        '  return wrk.format("POST", "/slack/events", headers, r[4])',
        "end",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


@dataclass(frozen=True)
class Load:
    median_ms: float
    p99_ms: float
    per_second: float
    requests: int
    failures: int
    max_ms: float = 0.0  # the slowest request of the run


def run_wrk(url: str, script: Path, *, connections: int, seconds: int) -> Load:
    """wrk, a separate process with one thread, for ``seconds`` at ``connections`` open connections."""
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> Load:
    """What wrk printed with --latency: percentiles, the slowest request, the rate and the failures."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    failures = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    assert rate is not None and total is not None, f"wrk printed no rate:\n{output}"
    failed = int(failures.group(1)) if failures else 0
    if errors:
        failed += sum(int(n) for n in errors.groups())
    slowest = re.search(r"^\s+Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\b", output, re.MULTILINE)
    assert slowest is not None, f"wrk printed no latency line:\n{output}"
    max_ms = float(slowest.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[slowest.group(2)]
    return Load(
        _percentile(output, 50), _percentile(output, 99), float(rate.group(1)), int(total.group(1)), failed, max_ms
    )


def _percentile(output: str, percent: int) -> float:
    """A latency percentile of wrk's --latency table, in milliseconds."""
    found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    assert found is not None, f"wrk printed no {percent}th percentile:\n{output}"
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def bot_environment(
    *, database: str, api_url: str, token: str, port: int, hooks_url: str = HOOKS_URL
) -> dict[str, str]:
    """mldesign's settings for a benchmark run: one process, the fake Slack, quiet logs. ``hooks_url``: where the
    requests' response URLs point (the fake's own, for requests its driver sends; mldesign refuses any other)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MLDESIGN_", "DATABASE_"))}
    return inherited | {
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "SLACK_HOOKS_URL": hooks_url,
        "DATABASE_URL": database,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
    }


BOT_COMMAND = [sys.executable, "-m", "bot.cli", "serve"]


@contextmanager
def serving(command: list[str], port: int, environment: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, answering /healthz before the block starts and stopped after it."""
    process = launch(command, environment, log)
    try:
        wait_healthy(process, port, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def launch(command: list[str], environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=sink, stderr=sink)


def wait_healthy(process: subprocess.Popen[bytes], port: int, log: Path, *, poll: float = 0.005) -> float:
    """Seconds until /healthz answers 200; a server that exits or takes 30 s fails the benchmark."""
    started = time.perf_counter()
    with httpx.Client(timeout=1) as client:
        while time.perf_counter() - started < 30:
            if process.poll() is not None:
                break
            try:
                if client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(poll)  # the port is not open yet: there is nothing to wait on
    process.kill()
    raise RuntimeError(f"the server did not start:\n{log.read_text(errors='replace')[-3000:]}")


def resident_mb(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (a server's worker), from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, poll: float = 0.1) -> None:
    """Poll ``condition`` (state in another process: nothing to block on) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(poll)


def start_designs(
    client: httpx.Client, url: str, database: str, names: Sequence[str], *, channel: str = CHANNEL
) -> list[tuple[int, str]]:
    """Start designs in ``channel`` through the bot, as people would, and wait until each has its thread and first
    question: (design id, thread ts) for each. ``database``: the bot's database URL (SQLite or PostgreSQL)."""
    for number, name in enumerate(names):
        body = command(f"start {name}", trigger=f"setup.{channel}.{name}.{number}", channel=channel)
        response = client.post(url, content=body.text, headers={"Content-Type": FORM, **signature_headers(body.text)})
        response.raise_for_status()
    engine = create_engine(normalize_url(database))
    posted = text(
        "SELECT d.id, d.parent_ts FROM design d WHERE d.channel_id = :channel AND d.parent_ts IS NOT NULL AND EXISTS"
        " (SELECT 1 FROM prompt p WHERE p.design_id = d.id AND p.message_ts IS NOT NULL) ORDER BY d.id"
    )

    def ready() -> list[tuple[int, str]]:
        with engine.connect() as connection:
            return [(row[0], row[1]) for row in connection.execute(posted, {"channel": channel})]

    try:
        wait_until(lambda: len(ready()) >= len(names), timeout=120, what=f"{len(names)} designs to be posted")
        return ready()
    finally:
        engine.dispose()


def settle(slack: FakeSlack, *, quiet_seconds: float = 1.0, timeout: float = 120) -> None:
    """Wait until the bot has made no Web API call for ``quiet_seconds`` (its background work caught up), so what
    comes next starts from an idle bot."""
    deadline = time.monotonic() + timeout
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(slack.workspace.calls())
        if count != last:
            last, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_seconds:
            return
        slack.workspace.wait_for_version(slack.workspace.version, timeout=quiet_seconds / 4)


def milliseconds(value: float) -> str:
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/"  # scripts/ensure-postgres starts it for `make bench`


def libpq_url(url: str, database: str | None = None) -> str:
    """The URL for psycopg itself (no SQLAlchemy driver suffix), optionally naming another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    """A fresh, empty database each run, so sizes and plans never depend on a previous run."""
    name = make_url(url).database
    assert name, f"{url} names no database"
    with psycopg.connect(libpq_url(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    with psycopg.connect(libpq_url(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
