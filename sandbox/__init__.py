"""A stateful fake of Slack that speaks only Slack's HTTP protocol, for end-to-end tests of the bot.

The same fake serves a small Slack-like page (sandbox/page.py, sandbox/ui/) so people can try the bot in a
browser; `python -m sandbox --app-command "..."` runs it together with the app (sandbox/launcher.py).

Exports are resolved lazily so `python -m sandbox.server` doesn't import its own module twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.driver import SlackDriver
    from sandbox.server import FakeSlack

__all__ = ["FakeSlack", "SlackDriver"]


def __getattr__(name: str) -> Any:
    """Import FakeSlack / SlackDriver on first use."""
    if name == "FakeSlack":
        from sandbox.server import FakeSlack

        return FakeSlack
    if name == "SlackDriver":
        from sandbox.driver import SlackDriver

        return SlackDriver
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
