"""Every benchmark in turn, then the results written into docs/benchmarks.md with the machine they ran on.

`python -m benchmarks` (the README's `make bench`). `--only ack,steps` runs some; `--no-write` only prints.
The results replace what lies between the two markers in docs/benchmarks.md; the prose around them (method,
findings) is kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import ack, nudges, process, steps, summary
from benchmarks.common import ROOT, Outcome

DOCUMENT = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- results: written by `python -m benchmarks` -->", "<!-- end of results -->"
BENCHMARKS: dict[str, Callable[[Path], Outcome]] = {
    "ack": ack.run,
    "steps": steps.run,
    "nudges": nudges.run,
    "summary": summary.run,
    "process": process.run,
}


def machine() -> str:
    """What the figures were measured on: they mean little without it."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    postgres, wrk_version = _version("psql", "--version"), _version("wrk", "--version")
    return (
        f"{os.cpu_count()} cores ({model}), {memory_kb / 1024 / 1024:.0f} GB; {platform.platform()}; Python"
        f" {platform.python_version()}; SQLite {sqlite3.sqlite_version}; {postgres}; {wrk_version}. Load generator,"
        " fake Slack and bot share the machine."
    )


def _version(program: str, flag: str) -> str:
    if shutil.which(program) is None:
        return f"no {program}"
    found = subprocess.run([program, flag], capture_output=True, text=True)
    return (found.stdout or found.stderr).split("\n")[0].strip()


def write(outcomes: list[Outcome], took: float) -> None:
    checks = [check for outcome in outcomes for check in outcome.checks]
    lines = [
        START,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {took / 60:.1f} minutes on: {machine()}",
        "",
        "## Targets",
        "",
        "| Target | Goal | Measured | Met |",
        "| --- | --- | --- | --- |",
        *(f"| {c.target} | {c.goal} | {c.measured} | {'yes' if c.met else '**no**'} |" for c in checks),
        "",
        *(part for outcome in outcomes for part in (outcome.section, "")),
        END,
    ]
    text = DOCUMENT.read_text(encoding="utf-8")
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    DOCUMENT.write_text(before + "\n".join(lines) + after, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated: " + ", ".join(BENCHMARKS))
    parser.add_argument("--no-write", action="store_true", help="print the results, leave docs/benchmarks.md alone")
    arguments = parser.parse_args()
    chosen = [name.strip() for name in arguments.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    work = Path(tempfile.mkdtemp(prefix="mldesign-bench-"))
    started = time.monotonic()
    outcomes = []
    for name in chosen:
        print(f"benchmark {name}…", file=sys.stderr, flush=True)
        began = time.monotonic()
        outcomes.append(BENCHMARKS[name](work))
        print(f"benchmark {name} took {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
    took = time.monotonic() - started
    for outcome in outcomes:
        print(outcome.section, end="\n\n")
    for check in (check for outcome in outcomes for check in outcome.checks):
        print(f"{'met   ' if check.met else 'MISSED'} {check.target}: {check.measured} (goal {check.goal})")
    if not arguments.no_write and set(chosen) == set(BENCHMARKS):
        write(outcomes, took)
        print(f"wrote {DOCUMENT.relative_to(ROOT)} ({took / 60:.1f} minutes)", file=sys.stderr)


if __name__ == "__main__":
    main()
