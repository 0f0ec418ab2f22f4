"""`/mldesign alerts <name> [rotate]`: the design's webhook for monitoring, told to an owner only."""

from __future__ import annotations

from bot.inbound.listeners.commands.invocation import Invocation, Outcome
from bot.inbound.listeners.recording import Recording
from bot.render import blocks
from bot.usecases.alerts import webhook_token
from flows.commands import Alerts, Command

HOOK_PATH = "/hooks/alerts"


def alerts_command(deps: Recording, who: Invocation, command: Command) -> Outcome:
    assert isinstance(command, Alerts)
    with deps.db.unit_of_work() as session:
        found = webhook_token(
            session=session,
            team_id=who.team_id,
            channel_id=who.channel_id,
            user_id=who.user_id,
            name=command.name,
            rotate=command.rotate,
            now=deps.clock.now(),
        )
    reply = blocks.notice(
        "alerts.j2",
        name=found.design.name,
        url=f"{deps.public_url}{HOOK_PATH}" if deps.public_url else None,
        path=HOOK_PATH,
        token=found.token,
        created_by=found.current.created_by,
        created_at=found.current.created_at,
        rotated=command.rotate,
    )
    return reply, None
