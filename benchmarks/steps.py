"""Step latency: from a person's thread reply sent to the bot, to the next question posted in the thread of the fake
Slack; the pace of a walkthrough as its users feel it. Replies go one at a time, as people type them. Run alone:
`python -m benchmarks.steps`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import BOT_COMMAND, CHANNEL, SECRET, USER, Check, Outcome, bot_environment, serving, settle
from flows.catalog import FIRST_CATALOG_PATH
from sandbox import FakeSlack
from sandbox.driver import SlackDriver
from sandbox.state import Workspace
from storage import schema

DESIGNS = 5
STEPS_PER_DESIGN = 20


def bot_posts_after(workspace: Workspace, thread_ts: str, after_ts: str) -> int:
    """How many messages the bot posted in the thread after ``after_ts``."""
    return sum(
        1
        for message in workspace.replies(CHANNEL, thread_ts)
        if message.get("user") == workspace.bot.id and float(message["ts"]) > float(after_ts)
    )


def run(work: Path) -> Outcome:
    database = f"sqlite:///{work / 'steps.db'}"
    schema.upgrade(database)
    steps_ms: list[float] = []
    acks_ms: list[float] = []  # the same replies' acknowledgements, at a person's pace
    with FakeSlack() as slack:
        workspace = slack.workspace
        environment = bot_environment(
            database=database, api_url=slack.api_url, token=workspace.bot_token, port=4103, hooks_url=slack.hooks_url
        )
        # Version 1 of the catalog: every reply moves the walkthrough on. Version 2 asks once more for a number its
        # answer lacks ("about 3 weeks"), redrawing the question instead of posting the next, which is no step.
        environment["MLDESIGN_CATALOG"] = str(FIRST_CATALOG_PATH)
        with (
            serving(BOT_COMMAND, 4103, environment, work / "steps.log"),
            SlackDriver(workspace, "http://127.0.0.1:4103/slack/events", SECRET, slack.base_url) as driver,
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
    ordered, acks = sorted(steps_ms), sorted(acks_ms)
    median, p95 = statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]
    section = "\n".join(
        [
            "## 2. Step latency",
            "",
            f"{len(ordered)} steps ({DESIGNS} designs, {STEPS_PER_DESIGN} answers each, catalog version 1), one at a"
            " time: from the reply sent to the bot until the next question is in the thread of the fake Slack. A step"
            " is the acknowledged answer (committed) plus the background publisher reading the design, posting the next"
            " question and updating the previous one. The next reply waits until the bot is idle, as a person reading"
            " the question would; the acknowledgement of each reply is shown too.",
            "",
            "| Measured | Median | p95 | Slowest |",
            "| --- | --- | --- | --- |",
            f"| Step ({len(ordered)}) | {median:.1f} ms | {p95:.1f} ms | {ordered[-1]:.1f} ms |",
            f"| Its acknowledgement | {statistics.median(acks):.2f} ms | {acks[int(len(acks) * 0.95) - 1]:.2f} ms |"
            f" {acks[-1]:.2f} ms |",
        ]
    )
    return Outcome(section, [Check("Step latency p95", "< 150 ms", f"{p95:.1f} ms", p95 < 150)])


if __name__ == "__main__":
    outcome = run(Path(tempfile.mkdtemp(prefix="mldesign-bench-")))
    print(outcome.section)
    print(*outcome.checks, sep="\n")
