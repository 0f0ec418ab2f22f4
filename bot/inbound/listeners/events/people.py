"""`user_change`: a person deactivated in the workspace (or back again). A design they review shows that they have
left, and its sign-off stops waiting on them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.inbound.listeners.recording import Recording
from bot.usecases import signoff


def user_change(deps: Recording) -> Callable[..., None]:
    def handle_user_change(event: dict[str, Any], body: dict[str, Any]) -> None:
        person = event["user"]  # the gate checked its shape
        team_id = body["team_id"]
        with deps.db.unit_of_work() as session:
            changed = signoff.person_left(
                session=session,
                team_id=team_id,
                user_id=person["id"],
                left=bool(person.get("deleted")),
                now=deps.clock.now(),
            )
        for design_id in changed:
            deps.outbox.publish(team_id, design_id)

    return handle_user_change
