"""A person unpinning a design's summary: noted, so the summary is pinned again when it next changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.inbound.transactions import Transactions
from bot.usecases import designs


def pin_removed(db: Transactions) -> Callable[..., None]:
    def handle_pin_removed(event: dict[str, Any], body: dict[str, Any]) -> None:
        item = event.get("item") or {}
        message_ts = (item.get("message") or {}).get("ts")
        channel_id = event.get("channel_id") or item.get("channel")
        if item.get("type") != "message" or not (message_ts and channel_id):
            return
        with db.unit_of_work() as session:
            designs.record_unpinned(
                session=session, team_id=body["team_id"], channel_id=channel_id, message_ts=message_ts
            )

    return handle_pin_removed
