"""Buttons on the pinned summary: export the design document, or open the design's thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.payloads import id_value, team_id_of
from bot.inbound.listeners.recording import Recording


def export_design(deps: Recording) -> Callable[..., None]:
    def handle_export(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        design_id = id_value(action, "summary")
        ack()
        deps.db.remember_request()
        deps.outbox.export(
            team_id=team_id_of(body),
            design_id=design_id,
            user_id=body["user"]["id"],
            response_url=body.get("response_url"),
        )

    return handle_export


def open_thread(ack: Ack) -> None:
    """A link button: Slack opens the URL itself and still tells the app, which only has to acknowledge."""
    ack()
