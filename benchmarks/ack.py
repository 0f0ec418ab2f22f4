"""Acknowledgement latency and throughput over real HTTP on loopback: mldesign against two bare Bolt apps on the
same server stack, with wrk (a separate process) sending signed requests.

mldesign answers five kinds of request: `/mldesign help` and `list` (read only), `start` (creates a design), a
thread reply that answers a question (an event; the answer is committed before the acknowledgement) and a click
on a question's option. `list` also runs in a channel with 50 designs. The bare apps only acknowledge a command,
an event and a click. Every request is distinct and signed just before its run. mldesign runs on SQLite and on
PostgreSQL (a fresh database each run); the bare apps use none. Run alone: `python -m benchmarks.ack`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.common import (
    BOT_COMMAND,
    POSTGRES_SERVER,
    Body,
    Check,
    Load,
    Outcome,
    bot_environment,
    click,
    command,
    drop_database,
    milliseconds,
    recreate_database,
    run_wrk,
    serving,
    settle,
    start_designs,
    thread_reply,
    wrk_script,
)
from sandbox import FakeSlack
from storage import schema

SECONDS = 4  # per row
CONNECTIONS = (1, 10)
POOL = 15_000  # distinct requests per row: more than any target answers in SECONDS
DESIGNS = 200  # answers and clicks spread over this many designs, as many teams would
SMALL_CHANNEL, SMALL_CHANNEL_DESIGNS = "C0GENERAL", 50  # `list` where a channel holds 50 designs
POSTGRES_URL = f"{POSTGRES_SERVER}mldesign_bench_ack"
TIMES = "\N{MULTIPLICATION SIGN}"
SQLITE, POSTGRES = "mldesign, SQLite", "mldesign, PostgreSQL"
MLDESIGN = (SQLITE, POSTGRES)
DEFAULTS, BEFORE_RESPONSE = "bare Bolt, defaults", "bare Bolt, `process_before_response`"


@dataclass(frozen=True)
class Row:
    target: str
    kind: str
    connections: int
    load: Load


class Requests:
    """Distinct request bodies of each kind; every call gives fresh ones (new ids, new timestamps)."""

    def __init__(self, designs: Sequence[tuple[int, str]]) -> None:
        self.designs = designs
        self.serial = 0
        self.future = int(time.time()) + 3600  # reply ts after every question posted: it answers the latest

    def _numbers(self, count: int) -> range:
        first = self.serial
        self.serial += count
        return range(first, first + count)

    def help(self, count: int) -> list[Body]:
        return [command("help", trigger=f"bench.{n}") for n in self._numbers(count)]

    def list(self, count: int) -> list[Body]:
        return [command("list", trigger=f"bench.{n}") for n in self._numbers(count)]

    def list_50(self, count: int) -> list[Body]:
        return [command("list", trigger=f"bench.{n}", channel=SMALL_CHANNEL) for n in self._numbers(count)]

    def start(self, count: int) -> list[Body]:
        return [command(f"start Benchmark design {n}", trigger=f"bench.{n}") for n in self._numbers(count)]

    def answer(self, count: int) -> list[Body]:
        bodies = []
        for n in self._numbers(count):
            _, thread_ts = self.designs[n % len(self.designs)]
            ts = f"{self.future}.{n:06d}"
            bodies.append(thread_reply(thread_ts=thread_ts, ts=ts, text=f"Answer number {n}", event_id=f"EvB{n}"))
        return bodies

    def click(self, count: int) -> list[Body]:
        options = ("business", "ml-only")  # alternate, so every click records a new version of the answer
        bodies = []
        for n in self._numbers(count):
            design_id, _ = self.designs[n % len(self.designs)]
            option = options[(n // len(self.designs)) % 2]
            bodies.append(
                click(
                    block_id=f"choices:{design_id}:success-metric",
                    action_id=f"choose_option:{option}",
                    value=option,
                    action_ts=f"{self.future}.{n:06d}",
                )
            )
        return bodies


def measure(url: str, work: Path, target: str, kinds: dict[str, Callable[[int], list[Body]]]) -> list[Row]:
    rows = []
    script = work / "requests.lua"
    for kind, make in kinds.items():
        for connections in CONNECTIONS:
            wrk_script(script, make(POOL))
            rows.append(Row(target, kind, connections, run_wrk(url, script, connections=connections, seconds=SECONDS)))
            print(f"  {target}, {kind}, {connections} connections: {rows[-1].load}", file=sys.stderr)
    return rows


LIST_50 = "list (50 designs)"  # the row of `Requests.list_50`, with its own p99 target
KIND_LABEL = {"list_50": LIST_50}


def measure_mldesign(slack: FakeSlack, work: Path, target: str, database: str) -> tuple[list[Row], Requests]:
    schema.upgrade(database)
    rows: list[Row] = []
    environment = bot_environment(database=database, api_url=slack.api_url, token=slack.workspace.bot_token, port=4100)
    with serving(BOT_COMMAND, 4100, environment, work / f"mldesign-{target}.log"):
        url = "http://127.0.0.1:4100/slack/events"
        with httpx.Client(timeout=10) as client:
            names = [f"Answered design {n}" for n in range(DESIGNS)]
            requests = Requests(start_designs(client, url, database, names))
            small = [f"Listed design {n}" for n in range(SMALL_CHANNEL_DESIGNS)]
            start_designs(client, url, database, small, channel=SMALL_CHANNEL)
        for kind in ("help", "list", "list_50", "answer", "click", "start"):
            settle(slack)
            measured = measure(url, work, target, {kind: getattr(requests, kind)})
            rows += [Row(r.target, KIND_LABEL.get(r.kind, r.kind), r.connections, r.load) for r in measured]
    return rows, requests


def run(work: Path) -> Outcome:
    rows: list[Row] = []
    with FakeSlack() as slack:
        token = slack.workspace.bot_token
        sqlite_rows, requests = measure_mldesign(slack, work, SQLITE, f"sqlite:///{work / 'ack.db'}")
        rows += sqlite_rows
        recreate_database(POSTGRES_URL)
        try:
            rows += measure_mldesign(slack, work, POSTGRES, POSTGRES_URL)[0]
        finally:
            drop_database(POSTGRES_URL)
        environment = bot_environment(database="sqlite://", api_url=slack.api_url, token=token, port=4101)
        bare_environment = environment | {
            "BENCH_SIGNING_SECRET": environment["SLACK_SIGNING_SECRET"],
            "BENCH_BOT_TOKEN": token,
            "BENCH_API_URL": slack.api_url,
        }
        bare_kinds = {"command": requests.help, "event": requests.answer, "click": requests.click}
        for target, port, flags in ((DEFAULTS, 4101, []), (BEFORE_RESPONSE, 4102, ["--process-before-response"])):
            bare = [sys.executable, "-m", "benchmarks.bare_bolt", "--port", str(port), *flags]
            with serving(bare, port, bare_environment, work / f"bare-{port}.log"):
                rows += measure(f"http://127.0.0.1:{port}/slack/events", work, target, bare_kinds)
    return Outcome(section(rows), checks(rows))


BARE_KIND = {
    "help": "command",
    "list": "command",
    LIST_50: "command",
    "start": "command",
    "answer": "event",
    "click": "click",
}
COMMITTED = ("answer", "click")  # committed before they are acknowledged: they may use three times the floor


def _row(rows: list[Row], target: str, kind: str, connections: int) -> Load:
    return next(r.load for r in rows if (r.target, r.kind, r.connections) == (target, kind, connections))


def _backend(target: str) -> str:
    return target.removeprefix("mldesign, ")


def section(rows: list[Row]) -> str:
    lines = [
        "## 1. Acknowledgement latency and throughput",
        "",
        f"wrk (one thread, a separate process) for {SECONDS} s per row. Answers and clicks go to {DESIGNS} designs in"
        f" turn; `list` runs in their channel and in one with {SMALL_CHANNEL_DESIGNS}; `start` creates a design per"
        " request. Each mldesign row starts once the bot has finished the previous row's Slack work; that work"
        " (posting questions, updating summaries) then runs beside the acknowledgements, as it would in use.",
        "",
        "| Target | Request | Connections | Median | p99 | Requests/s | Non-2xx or errors |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.target} | {r.kind} | {r.connections} | {milliseconds(r.load.median_ms)} |"
            f" {milliseconds(r.load.p99_ms)} | {r.load.per_second:,.0f} | {r.load.failures} |"
        )
    lines += [
        "",
        "Against the bare apps answering the same kind of request (a command, an event, a click);"
        f" above 1{TIMES}, mldesign is faster.",
        "",
        "| mldesign on | Request | Connections | Median vs defaults | Requests/s vs defaults"
        " | Median vs `process_before_response` | Requests/s vs `process_before_response` |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for target, kind, connections in ((t, k, c) for t in MLDESIGN for k in BARE_KIND for c in CONNECTIONS):
        own = _row(rows, target, kind, connections)
        default = _row(rows, DEFAULTS, BARE_KIND[kind], connections)
        fast = _row(rows, BEFORE_RESPONSE, BARE_KIND[kind], connections)
        lines.append(
            f"| {_backend(target)} | {kind} | {connections} | {default.median_ms / own.median_ms:.2f}{TIMES} |"
            f" {own.per_second / default.per_second:.2f}{TIMES} | {fast.median_ms / own.median_ms:.2f}{TIMES} |"
            f" {own.per_second / fast.per_second:.2f}{TIMES} |"
        )
    return "\n".join(lines)


def checks(rows: list[Row]) -> list[Check]:
    """The targets as ratios against the bare apps measured in the same run, so they hold on a noisy machine. An
    event is compared with the `process_before_response` app: Bolt's defaults acknowledge an event before the
    listener runs, which is not the same work."""
    return [check for target in MLDESIGN for check in _checks_of(rows, target)]


def _checks_of(rows: list[Row], target: str) -> list[Check]:
    backend = _backend(target)
    found: list[Check] = []
    for kind, bare_kind in BARE_KIND.items():
        if kind == LIST_50:
            continue  # its own target, below
        bare_app = BEFORE_RESPONSE if bare_kind == "event" else DEFAULTS
        own, bare = _row(rows, target, kind, 10), _row(rows, bare_app, bare_kind, 10)
        ratio = own.per_second / bare.per_second
        found.append(
            Check(
                f"{backend}: requests/s at 10 connections: {kind}",
                f"≥ 1.5{TIMES} {bare_app}",
                f"{ratio:.2f}{TIMES} ({own.per_second:,.0f}/s vs {bare.per_second:,.0f}/s)",
                ratio >= 1.5,
            )
        )
    for kind, bare_kind in BARE_KIND.items():
        allowed = 3.0 if kind in COMMITTED else 2.5 if kind == LIST_50 else 2.0
        own, floor = _row(rows, target, kind, 1), _row(rows, BEFORE_RESPONSE, bare_kind, 1)
        ratio = own.p99_ms / floor.p99_ms
        found.append(
            Check(
                f"{backend}: p99 at 1 connection: {kind}",
                f"≤ {allowed:g}{TIMES} the `process_before_response` floor's",
                f"{ratio:.1f}{TIMES} ({milliseconds(own.p99_ms)} vs {milliseconds(floor.p99_ms)})",
                ratio <= allowed,
            )
        )
    worst = max(_row(rows, target, kind, 1).max_ms for kind in BARE_KIND)
    found.append(
        Check(
            f"{backend}: slowest acknowledgement at 1 connection (the worker publishing beside it)",
            "≤ 50 ms",
            milliseconds(worst),
            worst <= 50,
        )
    )
    return found


if __name__ == "__main__":
    outcome = run(Path(tempfile.mkdtemp(prefix="mldesign-bench-")))
    print(outcome.section)
    for check in outcome.checks:
        print(check)
