"""What every part of a Workspace shares."""

from __future__ import annotations

import threading


class Part:
    """A part of the fake Workspace: its methods run under the workspace's one condition (``_cond``) and call
    ``_changed()`` after each mutation, so waiters see every change whichever part made it. The Workspace
    provides both, and the state each part reads and writes, from its constructor."""

    _cond: threading.Condition

    def _changed(self) -> None:
        raise NotImplementedError
