"""The confirmation of `/mldesign delete`: "Delete for good" removes the design (owners only), "Keep it" not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.payloads import id_value, team_id_of
from bot.inbound.listeners.recording import Recording
from bot.render import blocks
from bot.usecases import ownership


def delete_design(deps: Recording) -> Callable[..., None]:
    def handle_delete(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        design_id = id_value(action, "design")
        with deps.db.unit_of_work() as session:
            deleted = ownership.delete_design(
                session=session, team_id=team_id_of(body), design_id=design_id, user_id=body["user"]["id"]
            )
        ack()
        notice = blocks.notice("deleted.j2", name=deleted.name, by=deleted.deleted_by, answers=deleted.answers)
        deps.outbox.respond(body.get("response_url"), notice.text, notice.blocks, replace_original=True)
        deps.outbox.tidy_deleted(deleted)

    return handle_delete


def keep_design(deps: Recording) -> Callable[..., None]:
    def handle_keep(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        with deps.db.read_only() as session:
            design = ownership.design_named_by(
                session=session, team_id=team_id_of(body), design_id=id_value(action, "design")
            )
        ack()
        if design is not None:
            kept = blocks.notice("delete_kept.j2", name=design.name)
            deps.outbox.respond(body.get("response_url"), kept.text, kept.blocks, replace_original=True)

    return handle_keep
