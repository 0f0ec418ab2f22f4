"""Keep a Workspace in a JSON file while it changes, so a sandbox demo survives a restart.

A fake keeps only its first workspace this way (with its bot tokens, OAuth-issued and revoked ones included);
other workspaces, and OAuth codes not yet exchanged, live in memory only.

Saving on every mutation would write the file dozens of times per click; a background thread instead waits
for the workspace version to move, saves, then rests `interval` seconds, and `stop()` saves one last time.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from sandbox.state import Workspace


class StateFile:
    """Saves `workspace` to `path` at most every `interval` seconds while it changes, and once at stop."""

    def __init__(self, workspace: Workspace, path: str | os.PathLike[str], interval: float = 0.5) -> None:
        self.workspace = workspace
        self.path = Path(path)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._saved = threading.Condition()
        self._saved_version = -1

    def start(self) -> StateFile:
        """Save now (so the file exists) and keep saving in a daemon thread."""
        if self._thread is None:
            self._stop.clear()
            self.save()
            self._thread = threading.Thread(target=self._run, name="sandbox-state-file", daemon=True)
            self._thread.start()
        return self

    @property
    def saved_version(self) -> int:
        """The workspace version the file holds (-1 before the first save)."""
        return self._saved_version

    def save(self) -> None:
        """Write the workspace now if it changed since the last save."""
        with self._saved:
            version = self.workspace.version
            if version == self._saved_version:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.workspace.save(self.path)
            self._saved_version = version
            self._saved.notify_all()

    def wait_saved(self, version: int, timeout: float = 5.0) -> bool:
        """Block until the file holds `version` or later (True), or `timeout` passes (False)."""
        with self._saved:
            return self._saved.wait_for(lambda: self._saved_version >= version, timeout)

    def stop(self) -> None:
        """Stop the thread and save the final state."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.save()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.workspace.wait_for_version(self._saved_version, timeout=0.25)
            if self._stop.is_set():
                return
            try:
                self.save()
            except OSError as error:  # a full disk must not kill the sandbox; the next change retries
                print(f"sandbox: could not save state to {self.path}: {error}", file=sys.stderr)
            self._stop.wait(self.interval)
