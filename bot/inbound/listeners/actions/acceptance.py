"""The summary's "Accept a finding…" menu and a lapsed acceptance's "Accept again…": both open the "Accept…" form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.payloads import team_id_of
from bot.inbound.listeners.recording import Recording
from bot.render.acceptance import acceptance_form, picked_finding
from bot.usecases import acceptances
from bot.usecases.errors import InvalidChoice


def open_acceptance_form(deps: Recording) -> Callable[..., None]:
    """Check the owner and the finding, acknowledge, then open the form within the trigger's three seconds."""

    def handle_accept(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        try:
            design_id, rule_id = picked_finding(action)
        except ValueError as error:
            raise InvalidChoice("That menu doesn't belong to an mldesign finding.") from error
        team_id, today = team_id_of(body), deps.clock.now().date()
        with deps.db.read_only() as session:
            content = acceptances.form_content(
                session=session,
                catalogs=deps.catalogs,
                team_id=team_id,
                design_id=design_id,
                rule_id=rule_id,
                user_id=body["user"]["id"],
                today=today,
            )
            view = acceptance_form(
                design=content.design, finding=content.finding, previous=content.previous, today=today
            )
        ack()
        deps.outbox.open_form(team_id, body, view)

    return handle_accept
