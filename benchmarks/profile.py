"""A py-spy recording of mldesign's web process while wrk sends one kind of request: what the acknowledgement
spends its time on. The same setup as benchmarks.ack (200 started designs, the worker publishing beside the
load). py-spy is not among the project's dependencies: `pip install py-spy` into the venv first.

    python -m benchmarks.profile answer --connections 10 --seconds 8

writes the collapsed stacks (one line per stack, its sample count last) and prints the functions holding the
most samples, inclusive and exclusive, so a reader sees where the time goes without opening a flame graph.
`--database` takes a PostgreSQL URL instead of the default SQLite file.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from benchmarks import ack
from benchmarks.common import (
    BOT_COMMAND,
    bot_environment,
    child_pids,
    run_wrk,
    serving,
    settle,
    start_designs,
    wrk_script,
)
from sandbox import FakeSlack
from storage import schema

KINDS = ("help", "list", "start", "answer", "click")


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far, from /proc (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summarise(collapsed: Path, top: int) -> str:
    """The functions with the most samples: inclusive (anywhere on the stack) and exclusive (on top of it)."""
    inclusive: collections.Counter[str] = collections.Counter()
    exclusive: collections.Counter[str] = collections.Counter()
    total = 0
    # A line ends with its sample count; a frame's name may hold a line break (SQLAlchemy's generated code).
    for stack, count_text in re.findall(r"(.*?) (\d+)$", collapsed.read_text(), flags=re.MULTILINE | re.DOTALL):
        stack, count = stack.strip(), int(count_text)
        frames = stack.split(";")
        total += count
        exclusive[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} samples"]
    for title, counter in (("inclusive", inclusive), ("exclusive", exclusive)):
        lines.append(f"-- {title}")
        lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in counter.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--designs", type=int, default=ack.DESIGNS)
    parser.add_argument("--database", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--idle", action="store_true", help="py-spy --idle: also samples threads waiting")
    parser.add_argument("--worker", action="store_true", help="record the worker process instead of the web one")
    parser.add_argument("--no-record", action="store_true", help="only the load's figures, without py-spy")
    parser.add_argument("--gil", action="store_true", help="py-spy --gil: only the thread holding the GIL (CPU)")
    arguments = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    work = Path(tempfile.mkdtemp(prefix="mldesign-profile-"))
    database = arguments.database or f"sqlite:///{work / 'profile.db'}"
    schema.upgrade(database)
    with FakeSlack() as slack:
        environment = bot_environment(
            database=database, api_url=slack.api_url, token=slack.workspace.bot_token, port=4105
        )
        with serving(BOT_COMMAND, 4105, environment, work / "mldesign.log") as process:
            url = "http://127.0.0.1:4105/slack/events"
            with httpx.Client(timeout=10) as client:
                names = [f"Profiled design {n}" for n in range(arguments.designs)]
                requests = ack.Requests(start_designs(client, url, database, names))
            settle(slack)
            script = work / "requests.lua"
            wrk_script(script, getattr(requests, arguments.kind)(ack.POOL))
            collapsed = work / f"{arguments.kind}.txt"
            processes = {"web": process.pid, "worker": child_pids(process.pid)[0], "fake Slack and this": os.getpid()}
            profiled = processes["worker" if arguments.worker else "web"]
            record = [py_spy, "record", "--pid", str(profiled), "--format", "raw", "--rate", "250"]
            record += ["--output", str(collapsed), "--duration", str(arguments.seconds + 1), "--nonblocking"]
            record += (["--idle"] if arguments.idle else []) + (["--gil"] if arguments.gil else [])
            before = {name: cpu_seconds(pid) for name, pid in processes.items()}
            recorder = None if arguments.no_record else subprocess.Popen(record, stderr=subprocess.PIPE)
            load = run_wrk(url, script, connections=arguments.connections, seconds=arguments.seconds)
            used = {name: cpu_seconds(pid) - before[name] for name, pid in processes.items()}
            if recorder is not None:
                _, errors = recorder.communicate(timeout=60)
                if recorder.returncode != 0:
                    raise SystemExit(f"py-spy failed: {errors.decode(errors='replace')}")
    print(f"{arguments.kind}, {arguments.connections} connections: {load}")
    print("CPU during the load: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in used.items()))
    if recorder is not None:
        print(f"collapsed stacks: {collapsed}")
        print(summarise(collapsed, arguments.top))


if __name__ == "__main__":
    main()
