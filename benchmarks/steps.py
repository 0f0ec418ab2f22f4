"""Step latency: from a person's thread reply sent to the bot, to the next question posted in the thread of the fake
Slack; the pace of a walkthrough as its users feel it. Replies go one at a time, as people type them. Measured twice in
one run: with the fake over plain HTTP, and over HTTPS as mldesign talks to Slack in production (a self-signed
certificate the bot process trusts through SSL_CERT_FILE), so each Web API call's TCP and TLS handshakes show; then
once more over HTTPS with the bot on PostgreSQL, as it runs at scale. Run alone: `python -m benchmarks.steps`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import (
    BOT_COMMAND,
    CHANNEL,
    POSTGRES_SERVER,
    SECRET,
    USER,
    Check,
    Outcome,
    bot_environment,
    drop_database,
    recreate_database,
    serving,
    settle,
)
from flows.catalog import FIRST_CATALOG_PATH
from sandbox import FakeSlack
from sandbox.driver import SlackDriver
from sandbox.state import Workspace
from sandbox.tls import Certificate, write_self_signed_certificate
from storage import schema

DESIGNS = 5
STEPS_PER_DESIGN = 20
HTTP_PORT, HTTPS_PORT, POSTGRES_PORT = 4103, 4104, 4108  # the bot's, one per run
POSTGRES_URL = f"{POSTGRES_SERVER}mldesign_bench_steps"
TLS_RATIO_GOAL = 1.5  # issue 20: a step over TLS within 1.5x of the same step over plain HTTP
TIMES = "\N{MULTIPLICATION SIGN}"


def bot_posts_after(workspace: Workspace, thread_ts: str, after_ts: str) -> int:
    """How many messages the bot posted in the thread after ``after_ts``."""
    return sum(
        1
        for message in workspace.replies(CHANNEL, thread_ts)
        if message.get("user") == workspace.bot.id and float(message["ts"]) > float(after_ts)
    )


@dataclass(frozen=True)
class Run:
    """One run's steps and their acknowledgements, in milliseconds, sorted; and how many connections the bot opened
    to the fake for how many Web API calls (response URLs included)."""

    steps_ms: list[float]
    acks_ms: list[float]
    connections: int
    calls: int

    @property
    def median(self) -> float:
        return statistics.median(self.steps_ms)

    @property
    def p95(self) -> float:
        return p95(self.steps_ms)


def p95(ordered: list[float]) -> float:
    return ordered[int(len(ordered) * 0.95) - 1]


def measure(
    work: Path, *, name: str, port: int, certificate: Certificate | None = None, database: str | None = None
) -> Run:
    """The walkthroughs' steps with a fresh database (SQLite unless ``database`` names another) and bot, against a
    fake over HTTPS when given a certificate."""
    database = database or f"sqlite:///{work / f'steps-{name}.db'}"
    schema.upgrade(database)
    steps_ms: list[float] = []
    acks_ms: list[float] = []  # the same replies' acknowledgements, at a person's pace
    with FakeSlack(certificate=certificate) as slack:
        workspace = slack.workspace
        environment = bot_environment(
            database=database, api_url=slack.api_url, token=workspace.bot_token, port=port, hooks_url=slack.hooks_url
        )
        # Version 1 of the catalog: every reply moves the walkthrough on. Version 2 asks once more for a number its
        # answer lacks ("about 3 weeks"), redrawing the question instead of posting the next, which is no step.
        environment["MLDESIGN_CATALOG"] = str(FIRST_CATALOG_PATH)
        if certificate is not None:
            # Python's default SSL context (urllib's, so slack_sdk's WebClient and WebhookClient) trusts this file.
            environment["SSL_CERT_FILE"] = str(certificate.cert_path)
        with (
            serving(BOT_COMMAND, port, environment, work / f"steps-{name}.log"),
            SlackDriver(workspace, f"http://127.0.0.1:{port}/slack/events", SECRET, slack.base_url) as driver,
        ):
            threads = []
            for number in range(DESIGNS):
                before = len(workspace.messages(CHANNEL))
                driver.slash_command(USER, CHANNEL, f"start Paced design {number}").raise_for_status()
                workspace.wait_for(lambda ws, before=before: len(ws.messages(CHANNEL)) > before, timeout=10)
                thread_ts = workspace.messages(CHANNEL)[-1]["ts"]
                workspace.wait_for(lambda ws, thread_ts=thread_ts: bot_posts_after(ws, thread_ts, "0") > 0, timeout=10)
                threads.append(thread_ts)
            for thread_ts in threads:
                for step in range(STEPS_PER_DESIGN):
                    started = time.perf_counter()
                    reply_ts, response = driver.post_message(USER, CHANNEL, f"Answer {step}", thread_ts=thread_ts)
                    response.raise_for_status()
                    acks_ms.append(response.elapsed.total_seconds() * 1000)
                    workspace.wait_for(
                        lambda ws, thread_ts=thread_ts, reply_ts=reply_ts: bot_posts_after(ws, thread_ts, reply_ts) > 0,
                        timeout=10,
                    )
                    steps_ms.append((time.perf_counter() - started) * 1000)
                    settle(slack, quiet_seconds=0.2)  # people read the question before answering it
        connections, calls = slack.connections.accepted, len(workspace.calls())
    return Run(sorted(steps_ms), sorted(acks_ms), connections, calls)


def rows(label: str, run: Run) -> list[str]:
    steps, acks = run.steps_ms, run.acks_ms
    return [
        f"| Step over {label} ({len(steps)}) | {run.median:.1f} ms | {run.p95:.1f} ms | {steps[-1]:.1f} ms |",
        f"| Its acknowledgement | {statistics.median(acks):.2f} ms | {p95(acks):.2f} ms | {acks[-1]:.2f} ms |",
    ]


def run(work: Path) -> Outcome:
    certificate = write_self_signed_certificate(work / "tls")
    plain = measure(work, name="http", port=HTTP_PORT)
    secure = measure(work, name="https", port=HTTPS_PORT, certificate=certificate)
    recreate_database(POSTGRES_URL)
    try:
        at_scale = measure(work, name="postgres", port=POSTGRES_PORT, certificate=certificate, database=POSTGRES_URL)
    finally:
        drop_database(POSTGRES_URL)
    ratio = secure.p95 / plain.p95
    section = "\n".join(
        [
            "## 2. Step latency",
            "",
            f"{len(plain.steps_ms)} steps ({DESIGNS} designs, {STEPS_PER_DESIGN} answers each, catalog version 1), one"
            " at a time: from the reply sent to the bot until the next question is in the thread of the fake Slack. A"
            " step is the acknowledged answer (committed) plus the background publisher reading the design, posting the"
            " next question and updating the previous one. The next reply waits until the bot is idle, as a person"
            " reading the question would; the acknowledgement of each reply is shown too. Measured three times, each"
            " with its own database and bot: the fake over plain HTTP, then over HTTPS (a self-signed certificate the"
            " bot trusts through SSL_CERT_FILE), as Slack's API is served, on SQLite; then over HTTPS on PostgreSQL.",
            "",
            "| Measured | Median | p95 | Slowest |",
            "| --- | --- | --- | --- |",
            *rows("HTTP", plain),
            *rows("HTTPS", secure),
            *rows("HTTPS on PostgreSQL", at_scale),
            "",
            f"The bot opened {plain.connections:,} connections to the fake for {plain.calls:,} Web API calls over HTTP,"
            f" {secure.connections:,} for {secure.calls:,} over HTTPS, {at_scale.connections:,} for {at_scale.calls:,}"
            " on PostgreSQL.",
        ]
    )
    return Outcome(
        section,
        [
            Check("Step latency p95", "< 150 ms", f"{plain.p95:.1f} ms", plain.p95 < 150),
            Check("Step latency p95 on PostgreSQL, over TLS", "< 150 ms", f"{at_scale.p95:.1f} ms", at_scale.p95 < 150),
            Check(
                "Step latency p95 over TLS",
                f"≤ {TLS_RATIO_GOAL}{TIMES} the same step over plain HTTP",
                f"{secure.p95:.1f} ms ({ratio:.2f}{TIMES} {plain.p95:.1f} ms)",
                ratio <= TLS_RATIO_GOAL,
            ),
        ],
    )


if __name__ == "__main__":
    outcome = run(Path(tempfile.mkdtemp(prefix="mldesign-bench-")))
    print(outcome.section)
    print(*outcome.checks, sep="\n")
