"""The bot process itself: how fast it starts (launch to /healthz answering) and whether its resident memory grows
with the requests it answers. Run alone: `python -m benchmarks.process`.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.ack import Requests
from benchmarks.common import (
    BOT_COMMAND,
    Body,
    Check,
    Outcome,
    bot_environment,
    child_pids,
    launch,
    resident_mb,
    serving,
    signature_headers,
    start_designs,
    wait_healthy,
)
from sandbox import FakeSlack
from storage import schema

LAUNCHES = 5
DESIGNS = 50
CHECKPOINTS = (1_000, 10_000)
SENDERS = 4  # requests in flight at once, as a few busy teams would send them
# A working day's mix, one request at a time: commands that only read, answers, clicks and new designs.
MIX = ("help", "list", "answer", "help", "answer", "click", "list", "answer", "help", "click") * 9 + (
    "answer",
    "help",
    "list",
    "answer",
    "click",
    "help",
    "answer",
    "list",
    "help",
    "start",
)


def startup_seconds(work: Path, environment: dict[str, str]) -> list[float]:
    found = []
    for number in range(LAUNCHES):
        log = work / f"startup-{number}.log"
        process = launch(BOT_COMMAND, environment, log)
        try:
            found.append(wait_healthy(process, int(environment["PORT"]), log))
        finally:
            process.terminate()
            process.wait(timeout=15)
    return found


@dataclass(frozen=True)
class Reading:
    when: str
    web_mb: float
    worker_mb: float


def memory(work: Path, environment: dict[str, str], database_file: Path) -> list[Reading]:
    port = int(environment["PORT"])
    url = f"http://127.0.0.1:{port}/slack/events"
    with serving(BOT_COMMAND, port, environment, work / "memory.log") as process, httpx.Client(timeout=10) as client:
        (worker,) = child_pids(process.pid)

        def reading(when: str) -> Reading:
            return Reading(when, resident_mb(process.pid), resident_mb(worker))

        readings = [reading("after start")]
        names = [f"Memory design {n}" for n in range(DESIGNS)]
        requests = Requests(start_designs(client, url, f"sqlite:///{database_file}", names))
        makers: dict[str, Callable[[int], list[Body]]] = {
            kind: getattr(requests, kind) for kind in ("help", "list", "answer", "click", "start")
        }

        def send(body: Body) -> None:
            headers = {"Content-Type": body.content_type, **signature_headers(body.text)}
            client.post(url, content=body.text, headers=headers).raise_for_status()

        sent = DESIGNS
        with ThreadPoolExecutor(max_workers=SENDERS) as senders:
            for checkpoint in CHECKPOINTS:
                bodies = [makers[MIX[number % len(MIX)]](1)[0] for number in range(sent, checkpoint)]
                list(senders.map(send, bodies))
                sent = checkpoint
                readings.append(reading(f"after {checkpoint:,} requests"))
        assert child_pids(process.pid) == [worker], "the worker restarted during the run"
    return readings


def run(work: Path) -> Outcome:
    database_file = work / "process.db"
    database = f"sqlite:///{database_file}"
    schema.upgrade(database)
    with FakeSlack() as slack:
        environment = bot_environment(
            database=database, api_url=slack.api_url, token=slack.workspace.bot_token, port=4104
        )
        launches = startup_seconds(work, environment)
        readings = memory(work, environment, database_file)
    growth = max(readings[-1].web_mb - readings[-2].web_mb, readings[-1].worker_mb - readings[-2].worker_mb)
    largest = max(max(r.web_mb, r.worker_mb) for r in readings)
    lines = [
        "## 5. Memory",
        "",
        f"Resident memory (VmRSS) of `mldesign serve` answering requests, {SENDERS} at a time: {DESIGNS} designs"
        " started, then a mix of help, list, answers, clicks and a new design every hundred requests; the Slack"
        " work they cause runs in its worker process. Part of the web process's growth is the replay guard's"
        " memory of signatures (about 250 bytes each, kept ten minutes, at most 100,000).",
        "",
        "| When | Web process | Worker process |",
        "| --- | --- | --- |",
        *(f"| {r.when} | {r.web_mb:.1f} MB | {r.worker_mb:.1f} MB |" for r in readings),
        "",
        "## 6. Start-up",
        "",
        f"From launching `mldesign serve` to `/healthz` answering 200, {LAUNCHES} launches on a migrated database.",
        "",
        "| Median | Slowest |",
        "| --- | --- |",
        f"| {statistics.median(launches):.2f} s | {max(launches):.2f} s |",
    ]
    checks = [
        Check(
            "Memory from 1,000 to 10,000 requests",
            "flat (within 5 MB), under 200 MB",
            f"{growth:+.1f} MB, {largest:.0f} MB (the larger process)",
            growth <= 5 and largest < 200,
        ),
        Check(f"Start-up (slowest of {LAUNCHES} launches)", "< 1.5 s", f"{max(launches):.2f} s", max(launches) < 1.5),
    ]
    return Outcome("\n".join(lines), checks)


if __name__ == "__main__":
    outcome = run(Path(tempfile.mkdtemp(prefix="mldesign-bench-")))
    print(outcome.section)
    print(*outcome.checks, sep="\n")
