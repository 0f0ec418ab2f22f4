"""The App Home tab opened: publish the person's designs (in the background, after the acknowledgement)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.inbound.listeners.payloads import team_id_of
from bot.jobs.outbox import Outbox


def app_home_opened(outbox: Outbox) -> Callable[..., None]:
    def handle_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            outbox.publish_home(team_id_of(body), event["user"])

    return handle_home_opened
