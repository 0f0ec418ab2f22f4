"""Acknowledgement latency and throughput over real HTTP on loopback: mldesign against two bare Bolt apps on the
same server stack, with wrk (a separate process) sending signed `/mldesign help` commands.

Every request is signed anew and distinct (mldesign refuses a replayed signature), so wrk cycles through a
pool of pre-signed bodies generated here. Run: `python -m benchmarks.ack` (needs `wrk`, from Debian's
packages); it prints a Markdown table.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

from sandbox import FakeSlack
from storage import schema

ROOT = Path(__file__).resolve().parents[1]
SECRET = "benchmark-signing-secret"
DURATION_SECONDS = 5
POOL = 40_000  # distinct signed requests: more than any target answers in DURATION_SECONDS


@dataclass(frozen=True)
class Result:
    target: str
    connections: int
    median_ms: float
    p99_ms: float
    per_second: float
    failures: int


def signed_command(number: int) -> tuple[str, str, str]:
    """A distinct `/mldesign help` with its signature headers (timestamp, signature) and body."""
    form = {
        "team_id": "T0SANDBOX",
        "user_id": "U0ALICE",
        "channel_id": "C0MLTEAM",
        "command": "/mldesign",
        "text": "help",
        "trigger_id": f"bench.{number}",
        "response_url": "http://127.0.0.1:9/unused",
    }
    body = urlencode(form)
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return stamp, f"v0={digest}", body


def lua_script(path: Path, count: int) -> None:
    """A wrk script that sends each pre-signed request once, in order."""
    lines = ["local pool = {"]
    for number in range(count):
        stamp, signature, body = signed_command(number)
        lines.append(f'{{"{stamp}", "{signature}", "{body}"}},')
    lines += [
        "}",
        "local next_one = 0",
        "request = function()",
        "  next_one = next_one % #pool + 1",
        "  local r = pool[next_one]",
        '  local headers = {["Content-Type"] = "application/x-www-form-urlencoded",',
        '    ["X-Slack-Request-Timestamp"] = r[1], ["X-Slack-Signature"] = r[2]}',
        '  return wrk.format("POST", "/slack/events", headers, r[3])',
        "end",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def run_wrk(url: str, script: Path, connections: int) -> tuple[float, float, float, int]:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{DURATION_SECONDS}s", "--latency", "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    failures = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    assert rate is not None, f"wrk printed no rate:\n{output}"
    return (
        _percentile(output, 50),
        _percentile(output, 99),
        float(rate.group(1)),
        int(failures.group(1) if failures else 0),
    )


def _percentile(output: str, percent: int) -> float:
    """A latency percentile of wrk's --latency table, in milliseconds."""
    found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    assert found is not None, f"wrk printed no {percent}th percentile:\n{output}"
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def serve(command: list[str], port: int, environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=sink, stderr=sink)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # a port not open yet: nothing to wait on
    process.kill()
    raise RuntimeError(f"{command} did not start:\n{log.read_text(errors='replace')}")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="mldesign-bench-"))
    script = work / "help.lua"
    lua_script(script, POOL)
    database = f"sqlite:///{work / 'bench.db'}"
    schema.upgrade(database)
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    base |= {"PYTHONPATH": str(ROOT), "BENCH_SIGNING_SECRET": SECRET}
    results: list[Result] = []
    with FakeSlack() as slack:
        base |= {"BENCH_BOT_TOKEN": slack.workspace.bot_token, "BENCH_API_URL": slack.api_url}
        bot_env = base | {
            "SLACK_BOT_TOKEN": slack.workspace.bot_token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": database,
            "HOST": "127.0.0.1",
            "PORT": "4100",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "text",
        }
        targets = [
            ("mldesign", [sys.executable, "-m", "bot.cli", "serve"], 4100, bot_env),
            ("bare Bolt, defaults", [sys.executable, "-m", "benchmarks.bare_bolt", "--port", "4101"], 4101, base),
            (
                "bare Bolt, process_before_response",
                [sys.executable, "-m", "benchmarks.bare_bolt", "--port", "4102", "--process-before-response"],
                4102,
                base,
            ),
        ]
        for name, command, port, environment in targets:
            process = serve(command, port, environment, work / f"{port}.log")
            try:
                for connections in (1, 10):
                    lua_script(script, POOL)  # fresh signatures: none replayed, none older than five minutes
                    median, p99, rate, failures = run_wrk(f"http://127.0.0.1:{port}/slack/events", script, connections)
                    results.append(Result(name, connections, median, p99, rate, failures))
            finally:
                process.terminate()
                process.wait(timeout=15)
    print("| Target | Connections | Median | p99 | Requests/s | Non-2xx |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r.target} | {r.connections} | {r.median_ms:.2f} ms | {r.p99_ms:.2f} ms | {r.per_second:,.0f} |"
            f" {r.failures} |"
        )


if __name__ == "__main__":
    main()
