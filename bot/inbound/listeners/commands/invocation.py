"""What every `/mldesign` verb's handler is given and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.render.blocks import Message


@dataclass(frozen=True)
class Invocation:
    """Who ran the command where, from Slack's payload."""

    team_id: str
    channel_id: str
    user_id: str
    response_url: str | None
    bot_user_id: str | None = None  # the app's own user, which can't be named a reviewer


# A handler returns the ephemeral answer (None: a bare acknowledgement) and work to run after the ack.
Outcome = tuple[Message | None, Callable[[], None] | None]
