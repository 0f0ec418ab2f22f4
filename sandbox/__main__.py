"""`python -m sandbox --app-command "..."`: the fake Slack, its page, and the app, on this machine."""

from __future__ import annotations

import sys

from sandbox.launcher import main

if __name__ == "__main__":
    sys.exit(main())
