"""The socket directories of `mldesign serve`: each server locks its own, and one a killed server left behind is
removed when the next server starts, never one a running server holds or one that is not mldesign's."""

from __future__ import annotations

import fcntl
import os
import socket
import time
from pathlib import Path

from bot.runtime.worker import (
    DIRECTORY_PREFIX,
    LEGACY_IDLE_SECONDS,
    LOCK_NAME,
    SETTLING_SECONDS,
    SOCKET_NAME,
    remove_stale_directories,
)

NOW = time.time()


def directory(
    parent: Path, name: str, *, age: float, files: tuple[str, ...] = (), receiver: list[socket.socket] | None = None
) -> Path:
    """A directory last changed ``age`` seconds ago, with ``files``; with ``receiver``, a worker socket that a
    socket appended to it receives on, else (with SOCKET_NAME in ``files``) one nobody receives on."""
    made = parent / name
    made.mkdir(mode=0o700)
    for file in files:
        if file == SOCKET_NAME:
            bound = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            bound.bind(str(made / file))
            if receiver is None:
                bound.close()  # as a SIGKILLed worker leaves it
            else:
                receiver.append(bound)
        else:
            (made / file).touch()
    os.utime(made, (NOW - age, NOW - age))
    return made


def test_a_directory_no_running_server_holds_is_removed(tmp_path):
    left = directory(tmp_path, f"{DIRECTORY_PREFIX}dead", age=SETTLING_SECONDS + 1, files=(LOCK_NAME, SOCKET_NAME))

    assert remove_stale_directories(tmp_path, now=NOW) == [left]
    assert not left.exists()


def test_a_running_servers_directory_is_kept(tmp_path):
    live = directory(tmp_path, f"{DIRECTORY_PREFIX}live", age=3600, files=(LOCK_NAME,))
    held = os.open(live / LOCK_NAME, os.O_WRONLY)
    fcntl.flock(held, fcntl.LOCK_EX)  # as the running server holds it
    try:
        assert remove_stale_directories(tmp_path, now=NOW) == []
    finally:
        os.close(held)
    assert live.exists()


def test_a_directory_being_set_up_or_not_locked_yet_is_kept(tmp_path):
    young = directory(tmp_path, f"{DIRECTORY_PREFIX}young", age=1, files=(LOCK_NAME,))
    unlocked = directory(tmp_path, f"{DIRECTORY_PREFIX}nolock", age=3600)

    assert remove_stale_directories(tmp_path, now=NOW) == []
    assert young.exists() and unlocked.exists()


def test_a_legacy_directory_is_removed_only_when_its_socket_is_dead_and_long_untouched(tmp_path):
    old = LEGACY_IDLE_SECONDS + 1
    receivers: list[socket.socket] = []
    dead = directory(tmp_path, "mldesign-abc123de", age=old, files=(SOCKET_NAME,))
    recent = directory(tmp_path, "mldesign-fgh456ij", age=60, files=(SOCKET_NAME,))
    listening = directory(tmp_path, "mldesign-klm789no", age=old, files=(SOCKET_NAME,), receiver=receivers)
    crowded = directory(tmp_path, "mldesign-pqr012st", age=old, files=(SOCKET_NAME, "notes.txt"))
    try:
        assert remove_stale_directories(tmp_path, now=NOW) == [dead]
    finally:
        for receiver in receivers:
            receiver.close()
    assert recent.exists() and listening.exists() and crowded.exists()


def test_what_is_not_a_server_socket_directory_is_never_touched(tmp_path):
    sandbox = directory(tmp_path, "mldesign-sandbox-xyz", age=LEGACY_IDLE_SECONDS + 1, files=("workspace.json",))
    bench = directory(tmp_path, "mldesign-bench-xyz", age=LEGACY_IDLE_SECONDS + 1)
    target = directory(tmp_path, "elsewhere", age=LEGACY_IDLE_SECONDS + 1, files=(LOCK_NAME,))
    (tmp_path / f"{DIRECTORY_PREFIX}link").symlink_to(target)

    assert remove_stale_directories(tmp_path, now=NOW) == []
    assert sandbox.exists() and bench.exists() and target.exists()


def test_a_directory_removed_by_another_server_meanwhile_is_passed_over(tmp_path, monkeypatch):
    """Two servers starting at once may both find a stale directory; the second finds it gone, and starts anyway."""
    gone = directory(tmp_path, "mldesign-abc123de", age=LEGACY_IDLE_SECONDS + 1, files=(SOCKET_NAME,))
    iterdir = Path.iterdir

    def removed_meanwhile(self: Path):
        if self == gone:
            raise FileNotFoundError(self)
        return iterdir(self)

    monkeypatch.setattr(Path, "iterdir", removed_meanwhile)

    assert remove_stale_directories(tmp_path, now=NOW) == []
