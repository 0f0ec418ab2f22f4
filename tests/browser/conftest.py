"""Browser tests: the real sandbox (`mldesign sandbox`) driven in Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from flows.catalog import FIRST_CATALOG_PATH
from tests.e2e.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
READY_TIMEOUT_SECONDS = 30
# Generous: a loaded 2-core CI machine runs the page, the fake and the bot at once. Passing tests don't wait it out.
expect.set_options(timeout=15_000)


class Sandbox:
    """`mldesign sandbox` in a child process: the fake Slack's page plus the real bot behind it."""

    def __init__(self, state_dir: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/"
        environment = {name: value for name, value in os.environ.items() if not name.startswith("SLACK_")}
        environment.pop("DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "sandbox", "--port", str(port), "--state-dir", str(state_dir)],
            cwd=state_dir,
            # The page tests walk version 1 of the catalog, as the end-to-end suite does.
            env={**environment, "PYTHONPATH": str(ROOT), "MLDESIGN_CATALOG": str(FIRST_CATALOG_PATH)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(lines,), daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=READY_TIMEOUT_SECONDS)
            except queue.Empty:
                raise RuntimeError("the sandbox never said it was ready:\n" + "".join(self.output)) from None
            if "sandbox ready" in line:
                return
            if self.process.poll() is not None:
                raise RuntimeError("the sandbox exited:\n" + "".join(self.output))

    def _read(self, lines: queue.Queue[str]) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            lines.put(line)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=15)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    running = Sandbox(tmp_path)
    yield running
    code = running.stop()
    print("".join(running.output))  # shown by pytest only when the test failed
    assert code == 0


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, sandbox: Sandbox) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    opened.goto(sandbox.url)
    yield opened
    context.close()
